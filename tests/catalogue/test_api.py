"""The catalogue API: browsing, admin writes, 4xx naming fields, and tenant isolation."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from smartgov.accounts import permissions as perms
from smartgov.api.v1 import api
from smartgov.catalogue import services
from smartgov.catalogue import workflow as wf
from smartgov.tenancy.context import tenant_context
from tests.builders import SYSTEM, bearer, make_api_key, make_department, make_tenant

from .builders import FIELDS, make_service

pytestmark = pytest.mark.django_db
BASE = "/api/v1/t/{}/catalogue"


@pytest.fixture
def city():
    tenant = make_tenant()
    department = make_department(tenant, "market-regulation")
    _client, admin = make_api_key(tenant, [perms.CATALOGUE_MANAGE])
    _client, reader = make_api_key(tenant, [perms.DEPARTMENTS_READ])
    return tenant, department, admin, reader


def send(client, method, url, key, body=None):
    kwargs = {"data": json.dumps(body), "content_type": "application/json"} if body is not None else {}
    return getattr(client, method)(url, **kwargs, **bearer(key))


def test_an_administrator_builds_and_publishes_a_service(client, city):
    tenant, _dept, admin, reader = city
    base = BASE.format(tenant.slug)
    created = send(client, "post", f"{base}/services", admin, {
        "code": "food-licence", "name_zh": "食品经营许可证", "name_en": "Food business licence",
        "department": "market-regulation", "fee_kind": "none", "time_limit_days": 10, "delivery_mode": "one_visit",
        "required_documents": [{"name_zh": "健康证明", "name_en": "Health certificates"}]})
    assert created.status_code == 201, created.content
    service = created.json()
    assert (service["status"], service["time_limit_days"], service["department_name_en"]) == (
        "draft", 10, "Civil affairs")
    url = f"{base}/services/{service['id']}"
    # Readers cannot see the draft; the administrator can.
    assert send(client, "get", url, reader).status_code == 404
    assert send(client, "get", f"{base}/services", reader).json() == []
    source = wf.dump(wf.template("market-regulation", 10))
    saved = send(client, "put", f"{url}/draft", admin, {"form_fields": FIELDS, "workflow": source})
    assert saved.status_code == 200, saved.content
    assert saved.json()["workflow_source"] == source
    published = send(client, "post", f"{url}/publish", admin)
    assert published.status_code == 200 and published.json()["is_current"]
    detail = send(client, "get", url, reader).json()
    assert detail["status"] == "published" and detail["version_number"] == 1
    assert detail["form_schema"]["properties"]["legal_rep_id"]["format"] == "cn-resident-id"
    assert detail["form_ui"]["fields"]["branch_address"]["show_if"] == {"field": "has_branch", "equals": "yes"}
    found = send(client, "get", f"{base}/services?query=食品", reader).json()
    assert [s["code"] for s in found] == ["food-licence"]
    check = send(client, "post", f"{base}/versions/{detail['version_id']}/check", reader,
                 {"data": {"company": "x", "legal_rep_id": "11010519491231002X"}})
    assert check.json() == {"valid": False, "errors": [
        {"field": "company", "message": "must be at least 2 characters", "code": "min_length"}]}
    # A second version leaves the first one readable by id.
    send(client, "put", f"{url}/draft", admin, {"time_limit_days": 8})
    send(client, "post", f"{url}/publish", admin)
    versions = send(client, "get", f"{url}/versions", admin).json()
    assert [(v["number"], v["is_current"]) for v in versions] == [(2, True), (1, False)]
    assert send(client, "get", f"{base}/versions/{detail['version_id']}", reader).json()["time_limit_days"] == 10
    retired = send(client, "post", f"{url}/retire", admin, {"reason": "merged"})
    assert retired.json()["status"] == "retired"
    assert send(client, "get", url, reader).status_code == 404


def test_errors_are_4xx_naming_the_field(client, city):
    tenant, dept, admin, reader = city
    base = BASE.format(tenant.slug)
    service = make_service(tenant, dept, publish=False)
    url = f"{base}/services/{service.pk}"
    with tenant_context(tenant):
        empty = services.create_service(SYSTEM, tenant, code="empty", name_zh="空", name_en="Empty", department=dept)
    cases = [
        ("post", f"{base}/services", {"code": "x y", "name_zh": "a", "name_en": "a", "department": "market-regulation"},
         422, "code"),
        ("post", f"{base}/services", {"code": "ok-code", "name_zh": "a", "name_en": "a", "department": "nope"},
         422, "department"),
        ("post", f"{base}/services", {"code": "ok-code", "name_zh": "a", "name_en": "a",
                                      "department": "market-regulation", "time_limit_days": 0}, 422, "time_limit_days"),
        ("put", f"{url}/draft", {"form_fields": [{"name": "a", "type": "rainbow", "label": {"en": "A"}}]},
         422, "fields[0].type"),
        ("put", f"{url}/draft", {"workflow": "states:\n  - {id: s, kind: start}\ntransitions:\n"
                                             "  - {from: s, to: t, action: go, roles: [caseworker]}"},
         422, "workflow.transitions[0].to"),
        ("put", f"{url}/draft", {"fee_kind": "fixed", "fee_fen": 0}, 422, "fee_fen"),
        ("patch", url, {"delivery_mode": "pigeon"}, 422, "delivery_mode"),
        ("post", f"{base}/services/{empty.pk}/publish", None, 422, "form_fields"),
    ]
    for method, target, body, status, field in cases:
        response = send(client, method, target, admin, body)
        assert response.status_code == status, (target, body, response.content)
        assert field in [d["field"] for d in response.json()["details"]], response.json()
    assert send(client, "post", f"{base}/services", reader, {"code": "a", "name_zh": "a", "name_en": "a",
                                                             "department": "x"}).status_code == 403
    assert send(client, "post", f"{base}/services", admin, {"code": service.code, "name_zh": "a", "name_en": "a",
                                                            "department": "market-regulation"}).status_code == 409
    assert send(client, "get", f"{base}/services/not-a-uuid", admin).status_code == 404


def test_certificate_validity_through_the_api(client, city):
    tenant, _dept, admin, reader = city
    base = BASE.format(tenant.slug)
    created = send(client, "post", f"{base}/services", admin, {
        "code": "residence-permit", "name_zh": "居住证", "name_en": "Residence permit",
        "department": "market-regulation", "certificate_validity_months": 12})
    assert created.status_code == 201, created.content
    assert created.json()["certificate_validity_months"] == 12
    url = f"{base}/services/{created.json()['id']}"
    draft = send(client, "put", f"{url}/draft", admin, {"form_fields": FIELDS})
    assert draft.json()["certificate_validity_months"] == 12  # left out: unchanged
    draft = send(client, "put", f"{url}/draft", admin, {"certificate_validity_months": None})
    assert draft.status_code == 200 and draft.json()["certificate_validity_months"] is None  # null: no expiry
    assert send(client, "post", f"{url}/publish", admin).status_code == 200
    shown = send(client, "get", url, reader).json()
    assert "certificate_validity_months" in shown and shown["certificate_validity_months"] is None
    send(client, "put", f"{url}/draft", admin, {"certificate_validity_months": 60})
    versions = send(client, "get", f"{url}/versions", admin).json()
    assert [(v["number"], v["certificate_validity_months"]) for v in versions] == [(2, 60), (1, None)]
    for bad in (0, 601, "five years"):
        refused = send(client, "put", f"{url}/draft", admin, {"certificate_validity_months": bad})
        assert refused.status_code == 422, bad
        assert any("certificate_validity_months" in d["field"] for d in refused.json()["details"]), refused.json()
    # The API's description says what the number means and what null means.
    spec = api.get_openapi_schema()["components"]["schemas"]
    described = spec["DraftIn"]["properties"]["certificate_validity_months"]
    assert "null" in described["description"] and "months" in described["description"]
    assert "certificate_validity_months" in spec["ServiceDetailOut"]["properties"]


def test_workflow_check_and_calendar(client, city):
    tenant, _dept, admin, reader = city
    base = BASE.format(tenant.slug)
    bad = send(client, "post", f"{base}/workflows/check", admin, {"source": "states: [oops"}).json()
    assert not bad["valid"] and "not valid YAML" in bad["problems"][0]["message"]
    good = send(client, "post", f"{base}/workflows/check", admin,
                {"source": wf.template("market-regulation", 5)}).json()
    assert good["valid"] and good["definition"]["states"][0]["id"] == "submitted"
    # sound in itself, but this tenant has no tax department and no "inspector" role
    foreign = wf.template("tax", 5)
    foreign["transitions"][0]["roles"] = ["inspector"]
    checked = send(client, "post", f"{base}/workflows/check", admin, {"source": foreign}).json()
    assert [p["field"] for p in checked["problems"]] == ["states[1].department", "transitions[0].roles[0]"]
    year = send(client, "get", f"{base}/calendar?year=2026", reader).json()
    assert {"date": "2026-02-14", "is_working_day": True, "name": "春节 Spring Festival",
            "source": "official"} in year["days"]
    edited = send(client, "put", f"{base}/calendar", admin, {"changes": [
        {"date": "2026-02-14", "is_working_day": False, "note": "本市不调休"},
        {"date": "2026-07-01", "is_working_day": False, "note": "建市纪念日"}]})
    assert edited.status_code == 200
    days = {d["date"]: d for d in edited.json()["days"]}
    assert days["2026-02-14"]["source"] == "tenant" and not days["2026-02-14"]["is_working_day"]
    due = send(client, "get", f"{base}/calendar/deadline?start=2026-06-30&working_days=1", reader).json()
    assert due["deadline"] == "2026-07-02"
    send(client, "put", f"{base}/calendar", admin, {"changes": [{"date": "2026-07-01", "is_working_day": None}]})
    due = send(client, "get", f"{base}/calendar/deadline?start=2026-06-30&working_days=1", reader).json()
    assert due["deadline"] == "2026-07-01"
    assert send(client, "put", f"{base}/calendar", reader, {"changes": []}).status_code == 403
    assert send(client, "get", f"{base}/calendar?year=1800", reader).status_code == 422


# The bodies and ids the architecture isolation walk needs for these operations (the lead copies
# them into tests/architecture/test_isolation_walk.py); here they walk the catalogue's routes.
CATALOGUE_BODIES = {
    "ServiceIn": {"code": "walk", "name_zh": "巡查", "name_en": "Walk", "department": "tax"},
    "ServicePatchIn": {"name_en": "Walked"},
    "DraftIn": {"time_limit_days": 5},
    "RetireIn": {"reason": "walk"},
    "SubmissionIn": {"data": {}},
    "WorkflowCheckIn": {"source": "states: []"},
    "CalendarEditIn": {"changes": []},
}


def test_another_tenants_services_and_versions_are_404(client):
    a, b = make_tenant(), make_tenant()
    ids = {}
    keys = {}
    for tenant in (a, b):
        department = make_department(tenant, "tax")
        service = make_service(tenant, department)
        ids[tenant.slug] = {"service_id": service.pk, "version_id": service.current_version_id}
        keys[tenant.slug] = make_api_key(tenant, list(perms.CATALOGUE))[1]
    schema = api.get_openapi_schema()
    walked = 0
    for path, methods in schema["paths"].items():
        if "/catalogue/" not in path:
            continue
        for method, operation in methods.items():
            body = None
            if operation.get("requestBody"):
                ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
                body = CATALOGUE_BODIES[ref]

            def url(slug, id_slug, path=path):
                return re.sub(r"\{(\w+)\}", lambda m: slug if m.group(1) == "tenant" else str(ids[id_slug][m.group(1)]),
                              path)

            response = send(client, method, url(b.slug, b.slug), keys[a.slug], body)
            assert response.status_code == 404 and response.json()["code"] == "tenant_not_found", path
            if re.search(r"\{(?!tenant\})\w+\}", path):
                response = send(client, method, url(a.slug, b.slug), keys[a.slug], body)
                assert response.status_code == 404, f"{method} {path}: {response.status_code}"
            walked += 1
    assert walked == 16


def test_listing_costs_the_same_queries_for_three_services_or_twelve(client, city, django_assert_max_num_queries):
    tenant, dept, admin, _reader = city
    for i in range(3):
        make_service(tenant, dept, f"svc-{i}", publish=i % 2 == 0)
    url = f"{BASE.format(tenant.slug)}/services"
    with CaptureQueriesContext(connection) as few:
        assert len(send(client, "get", url, admin).json()) == 3
    for i in range(3, 12):
        make_service(tenant, dept, f"svc-{i}", publish=i % 2 == 0)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(send(client, "get", url, admin).json()) == 12
