"""The cases API: applying (idempotent, fields named on refusal, on behalf only with the permission),
the staff task flow, decisions, certificates and their public verification, isolation."""

from __future__ import annotations

import json
import uuid

import pytest

from smartgov.accounts import permissions as perms
from smartgov.cases.models import Application, Certificate
from smartgov.tenancy.context import tenant_context
from tests.builders import bearer, make_api_key
from tests.cases.builders import answers, make_world

pytestmark = pytest.mark.django_db


def url(world, path=""):
    return f"/api/v1/t/{world.tenant.slug}/{path}"


def post(client, path, body, **headers):
    return client.post(path, data=json.dumps(body), content_type="application/json", **headers)


def apply_body(world, **overrides):
    return {"service_id": str(world.service.pk), "data": answers(world, **overrides)}


def as_user(client, member):
    client.force_login(member.user)
    return client


def test_a_citizen_applies_idempotently(client):
    world = make_world()
    as_user(client, world.citizen)
    first = post(client, url(world, "applications"), apply_body(world), HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["status"] == "submitted" and body["reference"].startswith(world.tenant.reference_prefix)
    assert body["form_data"]["phone"] == "138****5678"  # personal data masked in answers
    again = post(client, url(world, "applications"), apply_body(world), HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201 and again.json()["id"] == body["id"]
    clash = post(client, url(world, "applications"), apply_body(world, shop_name="别的店"), HTTP_IDEMPOTENCY_KEY="k-1")
    assert clash.status_code == 409 and clash.json()["code"] == "idempotency_key_reused"
    missing = post(client, url(world, "applications"), apply_body(world))
    assert missing.status_code == 400 and missing.json()["code"] == "idempotency_key_required"
    with tenant_context(world.tenant):
        assert Application.objects.filter(tenant=world.tenant).count() == 1
    mine = client.get(url(world, "applications")).json()
    assert [a["id"] for a in mine] == [body["id"]]


def test_bad_input_is_a_422_naming_each_field(client):
    world = make_world()
    as_user(client, world.citizen)
    response = post(
        client,
        url(world, "applications"),
        apply_body(world, shop_name="x", area="big", lease="nope"),
        HTTP_IDEMPOTENCY_KEY="bad-1",
    )
    assert response.status_code == 422
    fields = {d["field"] for d in response.json()["details"]}
    assert {"data.shop_name", "data.area", "data.lease"} <= fields
    # A refused request is not stored: the same key works once corrected.
    fixed = post(client, url(world, "applications"), apply_body(world), HTTP_IDEMPOTENCY_KEY="bad-1")
    assert fixed.status_code == 201
    unknown = post(
        client, url(world, "applications"), {"service_id": str(uuid.uuid4()), "data": {}}, HTTP_IDEMPOTENCY_KEY="bad-2"
    )
    assert unknown.status_code == 404
    malformed = post(client, url(world, "applications"), {"service_id": "not-a-uuid"}, HTTP_IDEMPOTENCY_KEY="bad-3")
    assert malformed.status_code == 422 and malformed.json()["details"][0]["field"] == "service_id"


def test_agencies_submit_on_behalf_only_with_the_permission(client):
    world = make_world()
    _client, allowed = make_api_key(world.tenant, [perms.APPLICATIONS_SUBMIT_ON_BEHALF])
    _client, plain = make_api_key(world.tenant, [perms.DOCUMENTS_READ])
    body = {**apply_body(world), "applicant_id": str(world.citizen.pk)}
    refused = post(client, url(world, "applications"), body, HTTP_IDEMPOTENCY_KEY="a-1", **bearer(plain))
    assert refused.status_code == 403
    no_applicant = post(
        client, url(world, "applications"), apply_body(world), HTTP_IDEMPOTENCY_KEY="a-2", **bearer(allowed)
    )
    assert no_applicant.status_code == 403
    done = post(client, url(world, "applications"), body, HTTP_IDEMPOTENCY_KEY="a-3", **bearer(allowed))
    assert done.status_code == 201, done.content
    assert done.json()["submitted_by_agency"]
    seen = client.get(url(world, f"applications/{done.json()['id']}"), **bearer(allowed))
    assert seen.status_code == 200
    assert client.get(url(world, f"applications/{done.json()['id']}"), **bearer(plain)).status_code == 404


def test_staff_flow_through_the_api_to_a_verifiable_certificate(client):
    world = make_world()
    as_user(client, world.citizen)
    app = post(client, url(world, "applications"), apply_body(world), HTTP_IDEMPOTENCY_KEY="s-1").json()
    client.logout()
    as_user(client, world.caseworker)
    tasks = client.get(url(world, "tasks")).json()
    assert [t["reference"] for t in tasks] == [app["reference"]] and tasks[0]["sla"] in {"due", "due_soon"}
    task_id = tasks[0]["id"]
    assert post(client, url(world, f"tasks/{task_id}/claim"), {}).status_code == 200
    step = post(client, url(world, f"tasks/{task_id}/complete"), {"action": "accept"})
    assert step.status_code == 200 and step.json()["state"] == "review"
    actions = client.get(url(world, f"applications/{app['id']}/actions")).json()
    assert {a["action"] for a in actions} >= {"approve", "reject", "request_correction"}
    no_reason = post(client, url(world, f"applications/{app['id']}/decision"), {"outcome": "approve", "reason": ""})
    assert no_reason.status_code == 422 and no_reason.json()["details"][0]["field"] == "reason"
    decided = post(client, url(world, f"applications/{app['id']}/decision"), {"outcome": "approve", "reason": "齐全"})
    assert decided.status_code == 200, decided.content
    cert_id = client.get(url(world, f"applications/{app['id']}")).json()["certificate_id"]
    client.logout()
    as_user(client, world.citizen)
    cert = client.get(url(world, f"certificates/{cert_id}")).json()
    assert cert["status"] == "valid" and cert["algorithm"] == "ed25519"
    pdf = client.get(url(world, f"certificates/{cert_id}/pdf"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    client.logout()
    verdict = client.get(url(world, f"verify/{cert_id}"))
    assert verdict.status_code == 200 and verdict.json()["status"] == "valid" and verdict.json()["signature_ok"]
    as_user(client, world.caseworker)
    assert post(client, url(world, f"certificates/{cert_id}/revoke"), {"reason": "x"}).status_code == 403
    client.logout()
    as_user(client, world.supervisor)
    missing_reason = post(client, url(world, f"certificates/{cert_id}/revoke"), {"reason": ""})
    assert missing_reason.status_code == 422
    revoked = post(client, url(world, f"certificates/{cert_id}/revoke"), {"reason": "以欺骗手段取得"})
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    client.logout()
    verdict = client.get(url(world, f"verify/{cert_id}")).json()
    assert verdict["status"] == "revoked" and verdict["revoked_reason"] == "以欺骗手段取得"


def test_correction_and_amend_through_the_api(client):
    world = make_world()
    as_user(client, world.citizen)
    app = post(client, url(world, "applications"), apply_body(world), HTTP_IDEMPOTENCY_KEY="c-1").json()
    client.logout()
    as_user(client, world.caseworker)
    task_id = client.get(url(world, "tasks")).json()[0]["id"]
    post(client, url(world, f"tasks/{task_id}/complete"), {"action": "accept"})
    task_id = client.get(url(world, "tasks")).json()[0]["id"]
    no_items = post(client, url(world, f"tasks/{task_id}/complete"), {"action": "request_correction", "reason": "x"})
    assert no_items.status_code == 422 and no_items.json()["details"][0]["field"] == "items"
    asked = post(
        client,
        url(world, f"tasks/{task_id}/complete"),
        {"action": "request_correction", "reason": "面积有误", "items": ["area"]},
    )
    assert asked.status_code == 200 and asked.json()["status"] == "awaiting_correction"
    client.logout()
    as_user(client, world.citizen)
    wrong = post(client, url(world, f"applications/{app['id']}/amend"), {"data": {"shop_name": "新名"}})
    assert wrong.status_code == 422 and wrong.json()["details"][0]["field"] == "data.shop_name"
    ok = post(client, url(world, f"applications/{app['id']}/amend"), {"data": {"area": 60}})
    assert ok.status_code == 200 and ok.json()["status"] == "in_progress" and ok.json()["form_data"]["area"] == 60


def test_another_tenants_application_and_certificate_are_404(client):
    a, b = make_world(), make_world()
    as_user(client, b.citizen)
    b_app = post(client, url(b, "applications"), apply_body(b), HTTP_IDEMPOTENCY_KEY="i-1").json()
    client.logout()
    _c, a_key = make_api_key(a.tenant, list(perms.CATALOGUE))
    assert client.get(url(a, f"applications/{b_app['id']}"), **bearer(a_key)).status_code == 404
    assert client.get(url(b, f"applications/{b_app['id']}"), **bearer(a_key)).status_code == 404
    assert client.get(url(a, f"verify/{uuid.uuid4()}")).status_code == 404
    # Another citizen of the same tenant: 404, never 403.
    from tests.builders import make_citizen

    stranger = make_citizen(b.tenant)
    as_user(client, stranger)
    assert client.get(url(b, f"applications/{b_app['id']}")).status_code == 404
    assert post(client, url(b, f"applications/{b_app['id']}/withdraw"), {}).status_code == 404


def test_statistics_need_supervision(client):
    world = make_world()
    as_user(client, world.caseworker)
    assert client.get(url(world, "statistics/cases")).status_code == 403
    client.logout()
    as_user(client, world.supervisor)
    assert client.get(url(world, "statistics/cases")).json() == {"services": [], "departments": []}


def test_openapi_describes_every_cases_operation(client):
    schema = client.get("/api/v1/openapi.json").json()
    ops = [
        op
        for path, methods in schema["paths"].items()
        if "/applications" in path or "/tasks" in path or "/certificates" in path or "/verify/" in path
        for op in methods.values()
    ]
    assert len(ops) >= 15
    assert all(op.get("summary") and op.get("description") for op in ops)
    assert Certificate  # the model the certificate endpoints serve


def test_draft_autosave_then_submit_with_a_key(client):
    world = make_world()
    as_user(client, world.citizen)
    draft = post(client, url(world, "applications"), {"service_id": str(world.service.pk), "submit": False})
    assert draft.status_code == 201 and draft.json()["status"] == "draft" and draft.json()["reference"] == ""
    app_id = draft.json()["id"]
    assert draft.json()["form_data"]["full_name"] == "张三"  # pre-filled
    saved = post(client, url(world, f"applications/{app_id}/draft"), {"data": {"shop_name": "x"}})
    assert saved.status_code == 200 and saved.json()["form_data"]["shop_name"] == "x"  # kept as typed
    refused = post(client, url(world, f"applications/{app_id}/submit"), {"data": {}}, HTTP_IDEMPOTENCY_KEY="d-1")
    assert refused.status_code == 422
    assert {d["field"] for d in refused.json()["details"]} >= {"data.shop_name", "data.lease"}
    done = post(
        client, url(world, f"applications/{app_id}/submit"), {"data": answers(world)}, HTTP_IDEMPOTENCY_KEY="d-1"
    )
    assert done.status_code == 201 and done.json()["status"] == "submitted"
    replay = post(
        client, url(world, f"applications/{app_id}/submit"), {"data": answers(world)}, HTTP_IDEMPOTENCY_KEY="d-1"
    )
    assert replay.status_code == 201 and replay.json()["reference"] == done.json()["reference"]
    again = post(client, url(world, f"applications/{app_id}/submit"), {"data": {}}, HTTP_IDEMPOTENCY_KEY="d-2")
    assert again.status_code == 409 and again.json()["code"] == "not_a_draft"


PDF = b"%PDF-1.4\n" + b"x" * 2048 + b"\n%%EOF\n"


def with_files(client, world, application, files, key, **headers):
    parts = {"application": json.dumps(application, ensure_ascii=False), **files}
    return client.post(url(world, "applications/with-files"), parts, HTTP_IDEMPOTENCY_KEY=key, **headers)


def pdf(name, content=PDF):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, "application/pdf")


def test_an_agency_applies_with_the_file_in_one_request(client):
    from smartgov.documents.models import Document

    world = make_world()
    _client, key = make_api_key(world.tenant, [perms.APPLICATIONS_SUBMIT_ON_BEHALF])
    application = {"service_id": str(world.service.pk), "applicant_id": str(world.citizen.pk),
                   "data": {"shop_name": "老王面馆", "area": 42}}
    done = with_files(client, world, application, {"lease": pdf("租赁合同.pdf")}, "wf-1", **bearer(key))
    assert done.status_code == 201, done.content
    body = done.json()
    assert body["status"] == "submitted" and body["submitted_by_agency"]
    with tenant_context(world.tenant):
        app = Application.objects.get(pk=body["id"])
        lease = Document.objects.get(pk=app.form_data["lease"])
        assert (lease.owner_id, lease.status, lease.file_name) == (world.citizen.pk, "filed", "租赁合同.pdf")
        assert [a.document_id for a in app.attachments.all()] == [lease.pk]
    # A retry with the same key and file answers as the first time; another file under the key is a 409.
    again = with_files(client, world, application, {"lease": pdf("租赁合同.pdf")}, "wf-1", **bearer(key))
    assert again.status_code == 201 and again.json()["id"] == body["id"]
    other = with_files(client, world, application, {"lease": pdf("租赁合同.pdf", PDF + b" ")}, "wf-1", **bearer(key))
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"


def test_one_request_files_the_upload_once_and_counts_it_against_the_quota_once(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from smartgov.audit.models import AuditEvent
    from smartgov.documents import selectors as documents
    from smartgov.documents.models import Document

    world = make_world()
    _client, key = make_api_key(world.tenant, [perms.APPLICATIONS_SUBMIT_ON_BEHALF])
    application = {"service_id": str(world.service.pk), "applicant_id": str(world.citizen.pk),
                   "data": {"shop_name": "老王面馆", "area": 42}}
    with tenant_context(world.tenant):
        used = documents.storage_usage(world.tenant).used_bytes
    with CaptureQueriesContext(connection) as queries:
        done = with_files(client, world, application, {"lease": pdf("租赁合同.pdf")}, "wf-once", **bearer(key))
    assert done.status_code == 201, done.content
    body = done.json()
    with tenant_context(world.tenant):
        app = Application.objects.get(pk=body["id"])
        lease = Document.objects.get(pk=app.form_data["lease"])
        assert lease.status == "filed" and lease.filed_at is not None
        assert documents.storage_usage(world.tenant).used_bytes == used + lease.stored_bytes
        events = AuditEvent.objects.filter(object_id=str(lease.pk))
        assert [(e.action, e.changes["status"]) for e in events] == [("document.upload", "filed")]
        (attachment,) = app.attachments.all()
        assert not attachment.from_wallet  # filed on arrival, but brought with this application
        written = [{"requirement": a.requirement, "document_id": str(a.document_id), "name": a.name,
                    "from_wallet": a.from_wallet} for a in app.attachments.all()]
        assert body["attachments"] == written  # the answer is built from what was written
        assert (app.status, app.reference) == ("submitted", body["reference"])
    # The upload is not read back or updated, nor the application updated after its insert.
    statements = [q["sql"] for q in queries.captured_queries]
    assert not [q for q in statements if q.startswith("SELECT") and 'FROM "documents_document"' in q]
    assert not [q for q in statements if q.startswith(('UPDATE "documents_document"', 'UPDATE "cases_application"'))]
    assert not [q for q in statements if q.startswith("SELECT") and 'FROM "cases_attachment"' in q]


def test_a_refused_application_with_files_keeps_none_of_them(client):
    from smartgov.documents import selectors as documents
    from smartgov.documents.models import Document

    world = make_world()
    as_user(client, world.citizen)
    with tenant_context(world.tenant):
        before = Document.objects.filter(tenant=world.tenant).count()
        used = documents.storage_usage(world.tenant).used_bytes
    bad = with_files(client, world, {"service_id": str(world.service.pk), "data": {"shop_name": "x", "area": 42}},
                     {"lease": pdf("lease.pdf")}, "wf-bad")
    assert bad.status_code == 422 and "data.shop_name" in {d["field"] for d in bad.json()["details"]}
    program = pdf("lease.pdf", b"MZ\x90\x00 program")
    not_a_pdf = with_files(client, world, apply_body(world), {"lease": program}, "wf-exe")
    assert not_a_pdf.status_code == 422
    malformed = client.post(url(world, "applications/with-files"), {"application": "{not json"},
                            HTTP_IDEMPOTENCY_KEY="wf-json")
    assert malformed.status_code == 400 and malformed.json()["code"] == "malformed_json"
    assert malformed.json()["details"][0]["field"] == "application"
    missing = client.post(url(world, "applications/with-files"), {}, HTTP_IDEMPOTENCY_KEY="wf-none")
    assert missing.status_code == 422 and missing.json()["details"][0]["field"] == "application"
    with tenant_context(world.tenant):
        assert Document.objects.filter(tenant=world.tenant).count() == before
        assert documents.storage_usage(world.tenant).used_bytes == used
        assert not Application.objects.filter(tenant=world.tenant).exclude(status="draft").exists()


def test_files_over_the_quota_refuse_the_whole_application(client):
    from smartgov.documents.models import Document

    world = make_world()
    as_user(client, world.citizen)
    world.tenant.quota_storage_bytes = 1000  # less than is used already plus one more file
    world.tenant.save(update_fields=["quota_storage_bytes"])
    with tenant_context(world.tenant):
        before = Document.objects.filter(tenant=world.tenant).count()
    body = {"service_id": str(world.service.pk), "data": {"shop_name": "老王面馆", "area": 42}}
    full = with_files(client, world, body, {"lease": pdf("lease.pdf")}, "wf-quota")
    assert full.status_code == 409 and full.json()["code"] == "storage_quota_exceeded"
    with tenant_context(world.tenant):
        assert Document.objects.filter(tenant=world.tenant).count() == before
        assert not Application.objects.filter(tenant=world.tenant).exclude(status="draft").exists()


def test_the_api_takes_the_number_before_the_submission_so_a_refusal_leaves_a_gap(client):
    """Concurrent API submissions must not queue on the tenant's counter for their whole
    transaction: the number is taken first, in a short transaction of its own."""
    world = make_world()
    as_user(client, world.citizen)
    refused = post(client, url(world, "applications"), apply_body(world, area="big"), HTTP_IDEMPOTENCY_KEY="gap-1")
    assert refused.status_code == 422
    first = post(client, url(world, "applications"), apply_body(world), HTTP_IDEMPOTENCY_KEY="gap-2")
    second = post(client, url(world, "applications"), apply_body(world), HTTP_IDEMPOTENCY_KEY="gap-3")
    numbers = [int(r.json()["reference"].rsplit("-", 1)[1]) for r in (first, second)]
    assert numbers[1] == numbers[0] + 1 and numbers[0] >= 2  # the refused request's number is not reused
