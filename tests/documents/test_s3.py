"""The S3 path against a real S3-compatible server on a local port (moto in server mode, started
here), through django-storages exactly as production configures it: no client is mocked."""

import socket
from datetime import timedelta

import boto3
import pytest
from django.db import transaction

from smartgov.documents import retention, selectors, services, store
from smartgov.documents.models import Document
from smartgov.kit import clock
from smartgov.kit.errors import Conflict
from smartgov.tenancy.context import tenant_context
from tests.builders import SYSTEM, make_citizen, make_tenant
from tests.documents import samples

pytestmark = pytest.mark.django_db
BUCKET = "smartgov-test"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}  # moto accepts any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **CREDENTIALS).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


@pytest.fixture
def s3(settings, s3_endpoint):
    """settings.STORAGES as config/settings.py builds it for SMARTGOV_STORAGE=s3."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "access_key": CREDENTIALS["aws_access_key_id"],
                "secret_key": CREDENTIALS["aws_secret_access_key"],
                "region_name": "us-east-1",
                "default_acl": None,
                "querystring_auth": True,
            },
        },
    }
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **CREDENTIALS)
    return client


def objects(client, tenant) -> dict[str, bytes]:
    listed = client.list_objects_v2(Bucket=BUCKET, Prefix=f"documents/{tenant.pk}/").get("Contents", [])
    return {o["Key"]: client.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read() for o in listed}


def test_documents_go_to_the_bucket_encrypted_and_come_back(s3):
    assert type(store.storage()).__name__ == "S3Storage"
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    content = samples.pdf("存储在对象存储中的秘密")
    with tenant_context(tenant):
        document = services.upload(SYSTEM, tenant, citizen, file_name="a.pdf", content=content,
                                   declared_type="application/pdf")
        stored = objects(s3, tenant)
        assert list(stored) == [document.storage_name]
        assert b"%PDF" not in stored[document.storage_name]
        assert len(stored[document.storage_name]) == document.stored_bytes
        assert services.open_content(SYSTEM, tenant, document) == content


def test_deleting_and_expiring_remove_the_object_after_commit(s3, django_capture_on_commit_callbacks):
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    with tenant_context(tenant):
        document = services.upload(SYSTEM, tenant, citizen, file_name="a.txt", content=b"hello s3\n",
                                   declared_type="text/plain")
        with django_capture_on_commit_callbacks(execute=True):
            services.delete_draft(SYSTEM, tenant, document, by=citizen)
        assert objects(s3, tenant) == {}
        assert Document.objects.get(pk=document.pk).status == Document.Status.DELETED
        with clock.frozen_at(clock.now() - timedelta(days=400)):
            photo = services.upload(SYSTEM, tenant, citizen, file_name="p.png", content=samples.image("PNG"),
                                    declared_type="image/png", doc_type="photo")
        assert list(objects(s3, tenant)) == [photo.storage_name]
        with django_capture_on_commit_callbacks(execute=True):
            assert retention.expire_due(tenant) == 1
        assert objects(s3, tenant) == {}


def test_a_refused_upload_leaves_nothing_in_the_bucket(s3):
    tenant = make_tenant()
    tenant.quota_storage_bytes = 10
    tenant.save(update_fields=["quota_storage_bytes"])
    citizen = make_citizen(tenant)
    with tenant_context(tenant):
        with pytest.raises(Conflict), transaction.atomic():
            services.upload(SYSTEM, tenant, citizen, file_name="a.txt", content=b"too big for the quota\n",
                            declared_type="text/plain")
        assert objects(s3, tenant) == {}
        assert selectors.storage_usage(tenant).used_bytes == 0


def test_a_signed_link_downloads_from_the_bucket(client, s3):
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    content = samples.image("PNG")
    with tenant_context(tenant):
        document = services.upload(SYSTEM, tenant, citizen, file_name="p.png", content=content,
                                   declared_type="image/png", doc_type="photo")
        link = services.signed_link(SYSTEM, tenant, document)
    response = client.get(link.url)
    assert response.status_code == 200 and response.content == content


def test_orphans_in_the_bucket_are_swept(s3):
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    with tenant_context(tenant):
        try:
            with transaction.atomic():
                services.upload(SYSTEM, tenant, citizen, file_name="a.txt", content=b"orphan\n",
                                declared_type="text/plain")
                raise RuntimeError("outer transaction fails")
        except RuntimeError:
            pass
        assert len(objects(s3, tenant)) == 1
        assert retention.sweep_orphans(tenant) == 0
        with clock.frozen_at(clock.now() + timedelta(hours=2)):
            assert retention.sweep_orphans(tenant) == 1
        assert objects(s3, tenant) == {}
