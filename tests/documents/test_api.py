"""The documents API as a citizen, a caseworker and an agency's system use it."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from smartgov.accounts import permissions as perms
from smartgov.audit.models import AuditEvent
from smartgov.documents import services
from smartgov.kit import clock
from smartgov.tenancy.context import tenant_context
from tests.builders import SYSTEM, bearer, enable_totp, make_api_key, make_citizen, make_member, make_tenant
from tests.documents import samples

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    tenant = make_tenant("docs-city")
    citizen = make_citizen(tenant)
    return tenant, citizen


def upload(client, slug, content, name="a.pdf", content_type="application/pdf", **fields):
    data = {"file": SimpleUploadedFile(name, content, content_type=content_type), **fields}
    return client.post(f"/api/v1/t/{slug}/documents", data=data)


def test_a_citizen_uploads_lists_links_and_downloads(client, city):
    tenant, citizen = city
    client.force_login(citizen.user)
    content = samples.pdf("营业执照")
    created = upload(client, tenant.slug, content, name="营业执照.pdf", title="营业执照复印件")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["title"] == "营业执照复印件" and body["status"] == "draft" and body["source"] == "upload"
    listed = client.get(f"/api/v1/t/{tenant.slug}/documents").json()
    assert [d["id"] for d in listed] == [body["id"]]
    link = client.post(f"/api/v1/t/{tenant.slug}/documents/{body['id']}/link")
    assert link.status_code == 201
    client.logout()  # the link itself is the credential
    downloaded = client.get(link.json()["url"])
    assert downloaded.status_code == 200
    assert downloaded.content == content
    assert downloaded["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''%E8%90%A5" in downloaded["Content-Disposition"]
    assert downloaded["Cache-Control"] == "private, no-store"
    with tenant_context(tenant):
        download = AuditEvent.objects.filter(tenant=tenant, action="document.read", object_id=body["id"]).get()
    assert download.actor_id == str(citizen.user.pk) and download.changes == {"purpose": "download"}


def test_refused_uploads_are_4xx_naming_the_field(client, city):
    tenant, citizen = city
    client.force_login(citizen.user)
    mismatch = upload(client, tenant.slug, samples.image("PNG"), name="scan.pdf", content_type="application/pdf")
    assert mismatch.status_code == 422
    assert mismatch.json()["code"] == "type_mismatch"
    assert mismatch.json()["details"][0]["field"] == "declared_type"
    program = upload(client, tenant.slug, samples.PE, name="invoice.pdf")
    assert program.status_code == 422 and program.json()["details"][0]["field"] == "file"
    missing = client.post(f"/api/v1/t/{tenant.slug}/documents", data={"title": "no file"})
    assert missing.status_code == 422 and missing.json()["details"][0]["field"] == "file"


def test_quota_exceeded_is_a_clear_409(client, city):
    tenant, citizen = city
    tenant.quota_storage_bytes = 100
    tenant.save(update_fields=["quota_storage_bytes"])
    client.force_login(citizen.user)
    refused = upload(client, tenant.slug, b"x" * 200, name="a.txt", content_type="text/plain")
    assert refused.status_code == 409 and refused.json()["code"] == "storage_quota_exceeded"


def test_a_link_expires_after_a_few_minutes(client, city):
    tenant, citizen = city
    client.force_login(citizen.user)
    document_id = upload(client, tenant.slug, samples.pdf()).json()["id"]
    start = clock.now()
    with clock.frozen_at(start):
        url = client.post(f"/api/v1/t/{tenant.slug}/documents/{document_id}/link").json()["url"]
    with clock.frozen_at(start + timedelta(seconds=services.link_ttl_seconds() - 1)):
        assert client.get(url).status_code == 200
    with clock.frozen_at(start + timedelta(seconds=services.link_ttl_seconds())):
        expired = client.get(url)
    assert expired.status_code == 410 and expired.json()["code"] == "link_expired"


def test_forged_links_and_other_tenants_links_are_404(client, city):
    tenant, citizen = city
    other = make_tenant("docs-other")
    client.force_login(citizen.user)
    document_id = upload(client, tenant.slug, samples.pdf()).json()["id"]
    url = client.post(f"/api/v1/t/{tenant.slug}/documents/{document_id}/link").json()["url"]
    token = url.rstrip("/").rsplit("/", 1)[-1]
    assert client.get(url.replace(tenant.slug, other.slug)).status_code == 404
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert client.get(f"/api/v1/t/{tenant.slug}/documents/download/{tampered}").status_code == 404


def test_another_citizen_cannot_see_or_link_a_document(client, city):
    tenant, citizen = city
    client.force_login(citizen.user)
    document_id = upload(client, tenant.slug, samples.pdf()).json()["id"]
    neighbour = make_citizen(tenant)
    client.force_login(neighbour.user)
    assert client.get(f"/api/v1/t/{tenant.slug}/documents/{document_id}").status_code == 404
    assert client.post(f"/api/v1/t/{tenant.slug}/documents/{document_id}/link").status_code == 404
    assert client.delete(f"/api/v1/t/{tenant.slug}/documents/{document_id}").status_code == 404
    assert client.get(f"/api/v1/t/{tenant.slug}/documents?owner={citizen.pk}").status_code == 403


def test_staff_with_documents_read_see_a_persons_wallet(client, city):
    tenant, citizen = city
    client.force_login(citizen.user)
    document_id = upload(client, tenant.slug, samples.pdf()).json()["id"]
    caseworker = make_member(tenant, roles=("caseworker",))
    enable_totp(caseworker.user)
    client.force_login(caseworker.user)
    listed = client.get(f"/api/v1/t/{tenant.slug}/documents?owner={citizen.pk}")
    assert [d["id"] for d in listed.json()] == [document_id]
    assert client.post(f"/api/v1/t/{tenant.slug}/documents/{document_id}/link").status_code == 201


def test_an_agency_uploads_for_a_person_only_with_the_permission(client, city):
    tenant, citizen = city
    _client, weak = make_api_key(tenant, [perms.DOCUMENTS_READ])
    _client, strong = make_api_key(tenant, [perms.APPLICATIONS_SUBMIT_ON_BEHALF])
    data = {"file": SimpleUploadedFile("a.txt", b"hello\n", content_type="text/plain"), "owner": str(citizen.pk)}
    assert client.post(f"/api/v1/t/{tenant.slug}/documents", data=data, **bearer(weak)).status_code == 403
    data["file"] = SimpleUploadedFile("a.txt", b"hello\n", content_type="text/plain")
    created = client.post(f"/api/v1/t/{tenant.slug}/documents", data=data, **bearer(strong))
    assert created.status_code == 201 and created.json()["owner_id"] == str(citizen.pk)


def test_owners_delete_drafts_but_not_issued_documents(client, city):
    tenant, citizen = city
    with tenant_context(tenant):
        issued = services.store_issued(SYSTEM, tenant, citizen, content=samples.pdf(), title="许可证")
    client.force_login(citizen.user)
    draft_id = upload(client, tenant.slug, samples.pdf()).json()["id"]
    assert client.delete(f"/api/v1/t/{tenant.slug}/documents/{draft_id}").status_code == 204
    refused = client.delete(f"/api/v1/t/{tenant.slug}/documents/{issued.pk}")
    assert refused.status_code == 409 and refused.json()["code"] == "document_in_use"
    assert [d["id"] for d in client.get(f"/api/v1/t/{tenant.slug}/documents").json()] == [str(issued.pk)]


def test_retention_and_limits_are_tenant_settings(client, city):
    tenant, _citizen = city
    admin = make_member(tenant, kind="admin", roles=("tenant_admin",))
    enable_totp(admin.user)
    client.force_login(admin.user)
    types = {t["code"]: t for t in client.get(f"/api/v1/t/{tenant.slug}/document-types").json()}
    assert types["photo"]["retention_days"] == 365 and not types["photo"]["overridden"]
    changed = client.put(f"/api/v1/t/{tenant.slug}/document-types", data={"code": "photo", "retention_days": 90},
                         content_type="application/json")
    assert changed.status_code == 200 and changed.json()["retention_days"] == 90 and changed.json()["overridden"]
    unknown = client.put(f"/api/v1/t/{tenant.slug}/document-types", data={"code": "nope", "retention_days": 9},
                         content_type="application/json")
    assert unknown.status_code == 422 and unknown.json()["details"][0]["field"] == "doc_type"
    limit = client.put(f"/api/v1/t/{tenant.slug}/document-storage", data={"max_upload_bytes": 1234},
                       content_type="application/json")
    assert limit.status_code == 200 and limit.json()["max_upload_bytes"] == 1234


def test_the_wallet_page_lists_uploads_and_downloads(client, city):
    tenant, citizen = city
    client.force_login(citizen.user)
    page = client.post(f"/{tenant.slug}/documents/", data={
        "file": SimpleUploadedFile("证明.txt", "居住证明\n".encode(), content_type="text/plain"),
        "title": "居住证明", "doc_type": "supporting_document",
    })
    assert page.status_code == 302
    listing = client.get(f"/{tenant.slug}/documents/")
    assert "居住证明" in listing.content.decode()
    with tenant_context(tenant):
        from smartgov.documents import selectors

        (document,) = selectors.wallet(tenant, citizen)
    redirect = client.get(f"/{tenant.slug}/documents/{document.pk}/download")
    assert redirect.status_code == 302
    assert client.get(redirect["Location"]).content == "居住证明\n".encode()
    refused = client.post(f"/{tenant.slug}/documents/", data={
        "file": SimpleUploadedFile("x.pdf", samples.ELF, content_type="application/pdf"), "doc_type": "other",
    })
    assert refused.status_code == 422


def test_the_wallet_page_speaks_both_languages(client, city):
    tenant, citizen = city
    client.force_login(citizen.user)
    assert "我的材料" in client.get(f"/{tenant.slug}/documents/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    client.cookies["django_language"] = "en"
    assert "My documents" in client.get(f"/{tenant.slug}/documents/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
