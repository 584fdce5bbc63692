"""A 500 is a bug: walk every operation in the OpenAPI document with hostile input (malformed and
mistyped bodies, junk ids and query values) and require a 4xx JSON error every time."""

import json
import re

import pytest

from smartgov.accounts import permissions as perms
from smartgov.api.v1 import api
from tests.builders import bearer, make_api_key, make_tenant

pytestmark = pytest.mark.django_db

BODIES = [
    "{",
    "[]",
    '"x"',
    json.dumps({"code": {"nested": True}, "name_zh": 1, "permissions": "all", "roles": [1, None], "field": []}),
    json.dumps({"slug": "x" * 500, "email": "@", "kind": None, "quota_users": -5, "full_name": ["a"]}),
    json.dumps({"id_number": 123, "uscc": "Z" * 18, "phone": {"a": 1}}),
]
IDS = ["zzz", "0", "-1", "0190e0e0-0000-7000-8000-000000000000", "1" * 64, "%E4%B8%AD"]
QUERIES = ["limit=x&offset=-3", "since=never&until=2026-13-45", "kind=%FF%FE", "status=" + "s" * 300]


def operations():
    for path, methods in api.get_openapi_schema()["paths"].items():
        for method in methods:
            yield method, path


@pytest.fixture
def keys():
    tenant = make_tenant("fuzz")
    _c, tenant_key = make_api_key(tenant, list(perms.CATALOGUE))
    _c, platform_key = make_api_key(None, [perms.PLATFORM_TENANTS])
    return bearer(tenant_key), bearer(platform_key)


def check(response, label):
    assert 400 <= response.status_code < 500, f"{label}: {response.status_code} {response.content[:200]!r}"
    if response["Content-Type"].startswith("application/json"):
        assert set(response.json()) == {"code", "message", "details"}, label


@pytest.mark.parametrize("method,path", list(operations()))
def test_hostile_input_never_gets_a_500(client, keys, method, path):
    tenant_headers, platform_headers = keys
    headers = platform_headers if path.startswith("/api/v1/platform") else tenant_headers
    send = getattr(client, method)
    for the_id in IDS:
        url = re.sub(r"\{(\w+)\}", lambda m, v=the_id: "fuzz" if m.group(1) == "tenant" else v, path)
        if method in ("post", "put", "patch"):
            for body in BODIES:
                response = send(url, data=body, content_type="application/json", **headers)
                if response.status_code < 400:
                    continue  # a lenient operation may accept junk it ignores; never a 500
                check(response, f"{method.upper()} {url} {body[:30]}")
        else:
            for query in QUERIES:
                response = send(f"{url}?{query}", **headers)
                if response.status_code < 400:
                    continue
                check(response, f"{method.upper()} {url}?{query}")
