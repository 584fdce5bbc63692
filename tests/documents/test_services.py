"""Documents through the services, on the local storage: checked, checksummed, encrypted at rest,
counted against the quota, removed when their retention ends."""

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction

from smartgov.audit.models import AuditEvent
from smartgov.documents import retention, selectors, services
from smartgov.documents.models import Document
from smartgov.kit import clock, crypto
from smartgov.kit.errors import Conflict, InvalidInput, NotFound
from smartgov.tenancy.context import tenant_context
from tests.builders import SYSTEM, make_citizen, make_department, make_tenant
from tests.documents import samples

pytestmark = pytest.mark.django_db


def stored_file(document: Document) -> Path:
    return Path(settings.MEDIA_ROOT) / document.storage_name


def test_an_upload_is_encrypted_at_rest_and_reads_back_intact():
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    content = samples.pdf("户口簿 secret marker")
    with tenant_context(tenant):
        document = services.upload(SYSTEM, tenant, citizen, file_name="../../户口簿.pdf", content=content,
                                   declared_type="application/pdf", doc_type="identity_document")
        on_disk = stored_file(document).read_bytes()
        assert b"secret marker" not in on_disk and b"%PDF" not in on_disk
        assert document.checksum_algorithm == "sha256"
        assert document.checksum == hashlib.sha256(content).hexdigest()
        assert document.file_name == "户口簿.pdf" and document.status == Document.Status.DRAFT
        assert services.open_content(SYSTEM, tenant, document) == content
        assert AuditEvent.objects.filter(tenant=tenant, action="document.upload", object_id=str(document.pk)).exists()
        assert AuditEvent.objects.filter(tenant=tenant, action="document.read", object_id=str(document.pk)).exists()


def test_the_gm_profile_checksums_with_sm3_and_encrypts_with_sm4():
    tenant = make_tenant(crypto_profile="gm")
    citizen = make_citizen(tenant)
    content = samples.image("PNG")
    with tenant_context(tenant):
        document = services.upload(SYSTEM, tenant, citizen, file_name="photo.png", content=content,
                                   declared_type="image/png", doc_type="photo")
        assert document.checksum_algorithm == "sm3"
        assert document.checksum == crypto.digest(content, "gm") != hashlib.sha256(content).hexdigest()
        assert stored_file(document).read_bytes()[1] == 2  # the algorithm byte of an SM4-GCM token
        assert services.open_content(SYSTEM, tenant, document) == content


def test_a_file_moved_onto_another_document_does_not_decrypt():
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    with tenant_context(tenant):
        first = services.upload(SYSTEM, tenant, citizen, file_name="a.txt", content=b"first file\n",
                                declared_type="text/plain")
        second = services.upload(SYSTEM, tenant, citizen, file_name="b.txt", content=b"second file\n",
                                 declared_type="text/plain")
        stored_file(second).write_bytes(stored_file(first).read_bytes())
        with pytest.raises(services.DocumentUnreadable):
            services.open_content(SYSTEM, tenant, second)


@pytest.mark.parametrize(
    ("content", "declared", "field", "code"),
    [
        (samples.PE, "application/pdf", "file", "executable_refused"),
        (samples.image("PNG"), "application/pdf", "declared_type", "type_mismatch"),
        (samples.plain_zip(), "application/zip", "declared_type", "unsupported_type"),
        (b"", "text/plain", "file", "file_empty"),
    ],
)
def test_refusals_name_the_field(content, declared, field, code):
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    with tenant_context(tenant), pytest.raises(InvalidInput) as refused:
        services.upload(SYSTEM, tenant, citizen, file_name="x", content=content, declared_type=declared)
    assert refused.value.code == code and refused.value.details[0]["field"] == field


def test_unknown_document_types_are_refused():
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    with tenant_context(tenant), pytest.raises(InvalidInput) as refused:
        services.upload(SYSTEM, tenant, citizen, file_name="a.pdf", content=samples.pdf(),
                        declared_type="application/pdf", doc_type="nonsense")
    assert refused.value.details[0]["field"] == "doc_type"


def test_the_size_limit_has_a_default_and_a_tenant_override(settings):
    settings.DOCUMENT_MAX_BYTES = 1000
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    big = b"a" * 1500
    with tenant_context(tenant):
        with pytest.raises(services.FileTooLarge) as refused:
            services.upload(SYSTEM, tenant, citizen, file_name="a.txt", content=big, declared_type="text/plain")
        assert refused.value.status == 413 and refused.value.code == "file_too_large"
        assert services.set_upload_limit(SYSTEM, tenant, 2000) == 2000
        services.upload(SYSTEM, tenant, citizen, file_name="a.txt", content=big, declared_type="text/plain")


def test_the_storage_quota_is_enforced_and_freed_by_deletion():
    tenant = make_tenant()
    tenant.quota_storage_bytes = 2500
    tenant.save(update_fields=["quota_storage_bytes"])
    citizen = make_citizen(tenant)
    with tenant_context(tenant):
        first = services.upload(SYSTEM, tenant, citizen, file_name="a.txt", content=b"a" * 1000,
                                declared_type="text/plain")
        services.upload(SYSTEM, tenant, citizen, file_name="b.txt", content=b"b" * 1000, declared_type="text/plain")
        with pytest.raises(Conflict) as refused:
            services.upload(SYSTEM, tenant, citizen, file_name="c.txt", content=b"c" * 1000,
                            declared_type="text/plain")
        assert refused.value.code == "storage_quota_exceeded"
        assert refused.value.details["quota_bytes"] == 2500
        assert Document.objects.filter(tenant=tenant).count() == 2  # nothing half-stored
        services.delete_draft(SYSTEM, tenant, first, by=citizen)
        services.upload(SYSTEM, tenant, citizen, file_name="c.txt", content=b"c" * 1000, declared_type="text/plain")
        usage = selectors.storage_usage(tenant)
        assert usage.documents == 2 and 2000 < usage.used_bytes <= 2500


def test_a_failed_store_leaves_no_file_behind(monkeypatch):
    tenant = make_tenant()
    citizen = make_citizen(tenant)

    def broken(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(services, "record", broken)
    with tenant_context(tenant), pytest.raises(RuntimeError):
        services.upload(SYSTEM, tenant, citizen, file_name="a.txt", content=b"hello\n", declared_type="text/plain")
    folder = Path(settings.MEDIA_ROOT) / "documents" / str(tenant.pk)
    assert not folder.exists() or list(folder.iterdir()) == []


def test_the_wallet_holds_uploads_and_what_any_department_issued():
    tenant = make_tenant()
    licensing = make_department(tenant, "market-regulation")
    citizen, other = make_citizen(tenant), make_citizen(tenant)
    with tenant_context(tenant):
        upload = services.upload(SYSTEM, tenant, citizen, file_name="id.jpg", content=samples.image("JPEG"),
                                 declared_type="image/jpeg", doc_type="identity_document")
        issued = services.store_issued(SYSTEM, tenant, citizen, content=samples.pdf("licence"),
                                       title="食品经营许可证", issuer_department=licensing)
        services.upload(SYSTEM, tenant, other, file_name="x.txt", content=b"other person\n", declared_type="text/plain")
        assert [d.pk for d in selectors.wallet(tenant, citizen)] == [issued.pk, upload.pk]
        assert issued.status == Document.Status.FILED and issued.doc_type == "certificate"
        assert issued.file_name == "食品经营许可证.pdf"
        assert selectors.wallet_documents(tenant, citizen, [upload.pk]) == [upload]
        with pytest.raises(NotFound):
            selectors.wallet_documents(tenant, other, [upload.pk])


def test_issued_documents_and_filed_uploads_cannot_be_deleted_by_the_owner():
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    with tenant_context(tenant):
        upload = services.upload(SYSTEM, tenant, citizen, file_name="a.txt", content=b"a\n", declared_type="text/plain")
        services.file_document(SYSTEM, tenant, upload)
        issued = services.store_issued(SYSTEM, tenant, citizen, content=samples.pdf(), title="证书")
        for document in (upload, issued):
            with pytest.raises(Conflict):
                services.delete_draft(SYSTEM, tenant, document, by=citizen)


def test_filing_is_idempotent_audited_once_and_refused_for_a_removed_draft():
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    with tenant_context(tenant):
        upload = services.upload(SYSTEM, tenant, citizen, file_name="a.txt", content=b"a\n", declared_type="text/plain")
        filed = services.file_document(SYSTEM, tenant, upload)
        assert filed.status == Document.Status.FILED and filed.filed_at is not None
        again = services.file_document(SYSTEM, tenant, Document.objects.get(pk=upload.pk))
        assert again.filed_at == Document.objects.get(pk=upload.pk).filed_at  # not filed a second time
        filings = AuditEvent.objects.filter(action="document.file", object_id=str(upload.pk))
        assert filings.count() == 1
        removed = services.upload(SYSTEM, tenant, citizen, file_name="b.txt", content=b"b\n",
                                  declared_type="text/plain")
        services.delete_draft(SYSTEM, tenant, removed, by=citizen)
        with transaction.atomic():  # the refusal leaves the caller's transaction usable
            with pytest.raises(Conflict) as refused:
                services.file_document(SYSTEM, tenant, removed)
            assert refused.value.code == "document_removed"
            assert Document.objects.get(pk=removed.pk).status == Document.Status.DELETED


def test_an_upload_filed_with_its_application_is_stored_filed_and_counted_by_the_caller():
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    with tenant_context(tenant), transaction.atomic():
        before = selectors.storage_usage(tenant).used_bytes
        document = services.upload_filed(SYSTEM, tenant, citizen, file_name="a.txt", content=b"a\n",
                                         declared_type="text/plain")
        stored = Document.objects.get(pk=document.pk)
        assert (stored.status, stored.filed_at) == (Document.Status.FILED, document.filed_at)
        assert stored.filed_at is not None
        events = AuditEvent.objects.filter(object_id=str(document.pk))
        assert [(e.action, e.changes["status"]) for e in events] == [("document.upload", "filed")]
        assert selectors.storage_usage(tenant).used_bytes == before  # the caller reserves it
        services.reserve_quota(tenant, [document])
        assert selectors.storage_usage(tenant).used_bytes == before + document.stored_bytes


def test_only_the_owner_deletes_a_draft_and_the_file_goes_after_commit(django_capture_on_commit_callbacks):
    tenant = make_tenant()
    citizen, other = make_citizen(tenant), make_citizen(tenant)
    with tenant_context(tenant):
        document = services.upload(SYSTEM, tenant, citizen, file_name="a.txt", content=b"a\n",
                                   declared_type="text/plain")
        with pytest.raises(NotFound):
            services.delete_draft(SYSTEM, tenant, document, by=other)
        with django_capture_on_commit_callbacks(execute=False) as pending:
            services.delete_draft(SYSTEM, tenant, document, by=citizen)
        assert stored_file(document).exists()  # not before the transaction commits
        for callback in pending:
            callback()
        assert not stored_file(document).exists()
        document.refresh_from_db()
        assert document.status == Document.Status.DELETED and document.removed_at is not None
        assert list(selectors.wallet(tenant, citizen)) == []


def test_rolled_back_deletion_keeps_the_file():
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    with tenant_context(tenant):
        document = services.upload(SYSTEM, tenant, citizen, file_name="a.txt", content=b"a\n",
                                   declared_type="text/plain")
        try:
            with transaction.atomic():
                services.delete_draft(SYSTEM, tenant, document, by=citizen)
                raise RuntimeError("caller failed later")
        except RuntimeError:
            pass
        document.refresh_from_db()
        assert document.status == Document.Status.DRAFT and stored_file(document).exists()


def test_expiry_removes_what_is_due_by_type_and_tenant_retention(django_capture_on_commit_callbacks):
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    start = clock.now()
    with tenant_context(tenant):
        with clock.frozen_at(start - timedelta(days=400)):
            photo = services.upload(SYSTEM, tenant, citizen, file_name="p.png", content=samples.image("PNG"),
                                    declared_type="image/png", doc_type="photo")  # 1 year
            supporting = services.upload(SYSTEM, tenant, citizen, file_name="s.txt", content=b"s\n",
                                         declared_type="text/plain")  # 3 years
            certificate = services.store_issued(SYSTEM, tenant, citizen, content=samples.pdf(), title="证")  # forever
        with clock.frozen_at(start - timedelta(days=10)):
            recent_photo = services.upload(SYSTEM, tenant, citizen, file_name="q.png", content=samples.image("PNG"),
                                           declared_type="image/png", doc_type="photo")
        with clock.frozen_at(start), django_capture_on_commit_callbacks(execute=True):
            assert retention.expire_due(tenant) == 1
        states = {d.pk: d.status for d in Document.objects.filter(tenant=tenant)}
        assert states[photo.pk] == Document.Status.EXPIRED
        assert not stored_file(photo).exists()
        assert {states[supporting.pk], states[certificate.pk], states[recent_photo.pk]} <= set(Document.LIVE)
        assert AuditEvent.objects.filter(tenant=tenant, action="document.expire", object_id=str(photo.pk)).exists()
        # The tenant shortens the retention of supporting documents: they are due now.
        retention.set_retention(SYSTEM, tenant, "supporting_document", retention_days=30)
        with clock.frozen_at(start), django_capture_on_commit_callbacks(execute=True):
            assert retention.expire_due(tenant) == 1
            assert retention.expire_due(tenant) == 0
        assert Document.objects.get(pk=supporting.pk).status == Document.Status.EXPIRED


def test_the_expiry_task_runs_every_tenant_in_its_own_context():
    from smartgov.documents.tasks import expire_documents

    a, b = make_tenant(), make_tenant()
    start = clock.now()
    for tenant in (a, b):
        citizen = make_citizen(tenant)
        with tenant_context(tenant), clock.frozen_at(start - timedelta(days=800)):
            services.upload(SYSTEM, tenant, citizen, file_name="p.png", content=samples.image("PNG"),
                            declared_type="image/png", doc_type="photo")
    with clock.frozen_at(start):
        result = expire_documents.apply().get()
    assert result[a.slug] == 1 and result[b.slug] == 1


def test_another_tenants_document_is_not_found():
    a, b = make_tenant(), make_tenant()
    citizen = make_citizen(b)
    with tenant_context(b):
        document = services.upload(SYSTEM, b, citizen, file_name="a.txt", content=b"a\n", declared_type="text/plain")
    with tenant_context(a):
        with pytest.raises(NotFound):
            selectors.document(a, document.pk)
        with pytest.raises(NotFound):
            services.open_content(SYSTEM, a, document)
        with pytest.raises(NotFound):
            services.upload(SYSTEM, a, citizen, file_name="a.txt", content=b"a\n", declared_type="text/plain")


def test_objects_left_by_an_outer_rollback_are_swept_once_old():
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    with tenant_context(tenant):
        kept = services.upload(SYSTEM, tenant, citizen, file_name="k.txt", content=b"kept\n",
                               declared_type="text/plain")
        try:
            with transaction.atomic():  # the caller's transaction fails after the upload wrote its object
                lost = services.upload(SYSTEM, tenant, citizen, file_name="l.txt", content=b"lost\n",
                                       declared_type="text/plain")
                raise RuntimeError("application submission failed")
        except RuntimeError:
            pass
        assert stored_file(lost).exists() and not Document.objects.filter(pk=lost.pk).exists()
        assert retention.sweep_orphans(tenant) == 0  # too young: it might still be in its transaction
        with clock.frozen_at(clock.now() + timedelta(hours=2)):
            assert retention.sweep_orphans(tenant) == 1
        assert not stored_file(lost).exists() and stored_file(kept).exists()
