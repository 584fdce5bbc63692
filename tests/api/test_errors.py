"""The API error contract: every refusal is a 4xx JSON ``{code, message, details}``, never a 500."""

import json

import pytest

from smartgov.accounts import permissions as perms
from tests.builders import bearer, make_api_key, make_citizen, make_tenant

pytestmark = pytest.mark.django_db

MISSING_ID = "0190e0e0-0000-7000-8000-000000000000"


@pytest.fixture
def tenant_key():
    tenant = make_tenant("errs")
    _client, key = make_api_key(tenant, list(perms.CATALOGUE))
    return tenant, bearer(key)


def assert_error(response, status, code=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert isinstance(body["message"], str) and body["message"]
    if code is not None:
        assert body["code"] == code, body
    return body


def post(client, url, body, headers, content_type="application/json"):
    return client.post(url, data=body, content_type=content_type, **headers)


@pytest.mark.parametrize(
    "body",
    ["{not json", '{"code": "a",', "\ufeff{}x", "[1, 2"],
)
def test_malformed_json_is_a_400(client, tenant_key, body):
    _tenant, headers = tenant_key
    assert_error(post(client, "/api/v1/t/errs/departments", body, headers), 400, "malformed_json")


def test_a_body_that_is_not_utf8_is_a_400(client, tenant_key):
    _tenant, headers = tenant_key
    assert_error(post(client, "/api/v1/t/errs/departments", b"\xff\xfe\x00", headers), 400)


def test_wrong_types_are_a_422_naming_each_field(client, tenant_key):
    _tenant, headers = tenant_key
    body = json.dumps({"code": 5, "name_zh": [], "name_en": None})
    error = assert_error(post(client, "/api/v1/t/errs/departments", body, headers), 422, "invalid_input")
    assert {d["field"] for d in error["details"]} == {"code", "name_zh", "name_en"}


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "42", "null", "{}"])
def test_a_body_of_the_wrong_shape_is_a_422(client, tenant_key, body):
    _tenant, headers = tenant_key
    assert_error(post(client, "/api/v1/t/errs/departments", body, headers), 422, "invalid_input")


def test_too_long_values_are_a_422_naming_the_field(client, tenant_key):
    _tenant, headers = tenant_key
    body = json.dumps({"code": "ok", "name_zh": "长" * 1000, "name_en": "x"})
    error = assert_error(post(client, "/api/v1/t/errs/departments", body, headers), 422)
    assert [d["field"] for d in error["details"]] == ["name_zh"]


def test_bad_query_parameters_are_a_422(client, tenant_key):
    _tenant, headers = tenant_key
    for query, field in [("limit=abc", "limit"), ("limit=-1", "limit"), ("since=yesterday", "since")]:
        error = assert_error(client.get(f"/api/v1/t/errs/audit/events?{query}", **headers), 422)
        assert error["details"][0]["field"] == field


def test_an_oversize_body_is_a_413(client, tenant_key, settings):
    _tenant, headers = tenant_key
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"code": "big", "name_zh": "x" * 5000, "name_en": "y"})
    assert_error(post(client, "/api/v1/t/errs/departments", body, headers), 413, "body_too_large")
    form = client.post("/api/v1/t/errs/departments", data={"code": "x" * 5000}, **headers)
    assert_error(form, 413, "body_too_large")


def test_unknown_tenants_are_a_404(client, tenant_key):
    _tenant, headers = tenant_key
    for slug in ["nowhere", "UPPER", "a" * 300, "%E4%B8%AD"]:
        assert_error(client.get(f"/api/v1/t/{slug}/departments", **headers), 404, "tenant_not_found")


@pytest.mark.parametrize(
    "path",
    [
        "departments/{id}",
        "members/{id}",
        "members/{id}/profile",
        "api-clients/{id}/revoke",
    ],
)
@pytest.mark.parametrize("the_id", [MISSING_ID, "not-a-uuid", "1", "0190e0e0"])
def test_unknown_or_malformed_ids_are_a_404(client, tenant_key, path, the_id):
    _tenant, headers = tenant_key
    url = "/api/v1/t/errs/" + path.format(id=the_id)
    if path.endswith("profile"):
        response = client.put(url, data=json.dumps({"full_name": "x"}), content_type="application/json", **headers)
    elif path.endswith("revoke"):
        response = client.post(url, **headers)
    else:
        response = client.get(url, **headers)
    assert_error(response, 404, "not_found")


def test_unknown_paths_and_methods_answer_json(client, tenant_key):
    _tenant, headers = tenant_key
    assert_error(client.get("/api/v1/t/errs/no-such-thing", **headers), 404, "not_found")
    assert_error(client.get("/api/v1/nothing", **headers), 404, "not_found")
    assert_error(client.delete("/api/v1/t/errs/departments", **headers), 405, "method_not_allowed")


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer garbage", "Bearer sgk_", "Bearer sgk_abc_def", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 5000],
)
def test_bad_credentials_are_a_401(client, authorization):
    make_tenant("errs")
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    assert_error(client.get("/api/v1/t/errs/departments", **headers), 401, "unauthenticated")
    assert_error(client.get("/api/v1/platform/tenants", **headers), 401, "unauthenticated")


def test_a_right_key_with_a_wrong_secret_is_a_401(client, tenant_key):
    _tenant, headers = tenant_key
    key = headers["HTTP_AUTHORIZATION"].removeprefix("Bearer ")
    forged = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    assert_error(client.get("/api/v1/t/errs/departments", **bearer(forged)), 401, "unauthenticated")


def test_a_missing_permission_is_a_403_naming_it(client):
    tenant = make_tenant("errs")
    _client, key = make_api_key(tenant, [perms.DEPARTMENTS_READ])
    error = assert_error(client.get("/api/v1/t/errs/members", **bearer(key)), 403, "permission_denied")
    assert perms.PEOPLE_READ in error["message"]


def test_a_wrong_check_digit_is_a_422_naming_the_field(client, tenant_key):
    tenant, headers = tenant_key
    member = make_citizen(tenant)
    url = f"/api/v1/t/errs/members/{member.pk}/profile"
    bad_id = json.dumps({"full_name": "张三", "id_number": "110105194912310021"})
    error = assert_error(client.put(url, data=bad_id, content_type="application/json", **headers), 422)
    assert [d["field"] for d in error["details"]] == ["id_number"]
    assert "check character" in error["details"][0]["message"]
    bad_uscc = json.dumps({"full_name": "某公司", "uscc": "91350100M000100Y44"})
    error = assert_error(client.put(url, data=bad_uscc, content_type="application/json", **headers), 422)
    assert [d["field"] for d in error["details"]] == ["uscc"]


def test_a_session_without_csrf_token_is_refused_on_unsafe_methods(client):
    from django.test import Client

    from tests.builders import enable_totp, make_member

    tenant = make_tenant("errs")
    admin = make_member(tenant, "admin", roles=("tenant_admin",))
    enable_totp(admin.user)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin.user)
    assert strict.get("/api/v1/t/errs/departments").status_code == 200
    body = json.dumps({"code": "x1", "name_zh": "甲", "name_en": "A"})
    response = strict.post("/api/v1/t/errs/departments", data=body, content_type="application/json")
    assert_error(response, 403, "csrf_failed")


def test_a_suspended_tenant_is_a_403(client, tenant_key):
    from smartgov.tenancy import services
    from tests.builders import SYSTEM

    tenant, headers = tenant_key
    services.suspend_tenant(SYSTEM, tenant, "audit")
    assert_error(client.get("/api/v1/t/errs/departments", **headers), 403, "tenant_suspended")


def test_nul_characters_never_reach_the_database(client, tenant_key):
    _tenant, headers = tenant_key
    body = json.dumps({"code": "nul", "name_zh": "a\u0000b", "name_en": "x"})
    assert_error(post(client, "/api/v1/t/errs/departments", body, headers), 400, "bad_request")
    assert_error(client.get("/api/v1/t/errs/members?kind=a%00b", **headers), 400, "bad_request")
    assert_error(client.get("/api/v1/t/a%00b/departments", **headers), 400)
    assert_error(post(client, "/api/v1/t/errs/departments", b'{"code": "a\x00"}', headers), 400)
