"""Walk EVERY operation in the OpenAPI document with tenant A's credentials against tenant B's
objects: each must answer 404, exactly like a missing object (or 403 on platform routes, which a
tenant credential may never use). A new operation with a path parameter or body this walk does not
know fails the test until it is taught, so no route escapes the walk.

Each domain app teaches the walk in its own ``tests/<app>/isolation.py``: ``BODIES`` (a valid body
per request schema) and, optionally, ``objects(tenant) -> {path parameter: id}`` making the objects
its paths name."""

import importlib
import json
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from smartgov.accounts import permissions as perms
from smartgov.api.v1 import api
from smartgov.tenancy.context import tenant_context
from tests.builders import bearer, make_api_key, make_citizen, make_department, make_tenant

pytestmark = pytest.mark.django_db

# A valid body for each request schema, so a refusal cannot come from validation instead of isolation.
CORE_BODIES = {
    "TenantIn": {
        "slug": "newcity",
        "name_zh": "新城",
        "name_en": "New City",
        "kind": "city",
        "reference_prefix": "NC",
    },
    "StatusChangeIn": {"reason": "walk"},
    "DepartmentIn": {"code": "walk", "name_zh": "巡查", "name_en": "Walk"},
    "DepartmentRenameIn": {"name_zh": "改名", "name_en": "Renamed"},
    "MemberIn": {"email": "walker@example.org", "kind": "staff"},
    "RolesIn": {"roles": ["caseworker"]},
    "ProfileIn": {"full_name": "李四", "id_number": "11010519491231002X"},
    "RevealIn": {"field": "id_number"},
    "RoleIn": {"code": "walker", "name_zh": "巡查", "name_en": "Walker", "permissions": ["people.read"]},
    "ApiClientIn": {"name": "walker", "permissions": ["people.read"]},
}
APP_TEACHERS = [
    importlib.import_module(f"tests.{path.parent.name}.isolation")
    for path in sorted(Path(__file__).parent.parent.glob("*/isolation.py"))
]
BODIES = dict(CORE_BODIES)
for teacher in APP_TEACHERS:
    BODIES.update(teacher.BODIES)


@pytest.fixture
def world():
    a, b = make_tenant("walk-a"), make_tenant("walk-b")
    objects = {}
    for tenant in (a, b):
        department = make_department(tenant, "tax")
        citizen = make_citizen(tenant)
        client, key = make_api_key(tenant, list(perms.CATALOGUE))
        objects[tenant.slug] = {
            "department_id": department.pk,
            "member_id": citizen.pk,
            "client_id": client.pk,
            "key": key,
        }
        for teacher in APP_TEACHERS:
            if hasattr(teacher, "objects"):
                objects[tenant.slug].update(teacher.objects(tenant))
    return a, b, objects


def request_kwargs(operation):
    """A valid body for the operation: JSON, or a multipart form carrying a small text file."""
    body = operation.get("requestBody")
    if not body:
        return {}
    if "multipart/form-data" in body["content"]:
        return {"data": {"file": SimpleUploadedFile("walk.txt", b"walk\n", content_type="text/plain")}}
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert ref in BODIES, f"teach the isolation walk a valid {ref} body"
    return {"data": json.dumps(BODIES[ref]), "content_type": "application/json"}


def fill(path, tenant_slug, ids, platform_slug):
    def value(match):
        name = match.group(1)
        if name == "tenant":
            return tenant_slug
        if name == "slug":
            return platform_slug
        assert name in ids, f"teach the isolation walk how to find another tenant's {name}"
        return str(ids[name])

    return re.sub(r"\{(\w+)\}", value, path)


def test_every_operation_refuses_another_tenants_objects(client, world):
    _a, _b, objects = world
    a_key = objects["walk-a"]["key"]
    schema = api.get_openapi_schema()
    walked = 0
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            send = getattr(client, method)
            name = f"{method.upper()} {path}"
            # Public operations (signed links) take no credential to refuse: their secret is in the path.
            public = not operation.get("security")
            if "{tenant}" in path:
                # A's key on B's tenant path, with B's object ids: the tenant itself is not there for A.
                if not public:
                    url = fill(path, "walk-b", objects["walk-b"], "walk-b")
                    response = send(url, **request_kwargs(operation), **bearer(a_key))
                    assert response.status_code == 404, f"{name} on B's tenant: {response.status_code}"
                    assert response.json()["code"] == "tenant_not_found"
                # A's key on A's tenant path, with B's object ids: the object is not there for A.
                if re.search(r"\{(?!tenant\})\w+\}", path):
                    url = fill(path, "walk-a", objects["walk-b"], "walk-b")
                    response = send(url, **request_kwargs(operation), **bearer(a_key))
                    assert response.status_code == 404, f"{name} with B's ids: {response.status_code}"
            else:
                url = fill(path, "walk-a", objects["walk-b"], "walk-b")
                response = send(url, **request_kwargs(operation), **bearer(a_key))
                assert response.status_code == 403, f"{name} with a tenant key: {response.status_code}"
            walked += 1
    assert walked == sum(len(m) for m in schema["paths"].values()) and walked > 10


def test_lists_never_show_another_tenants_rows(client, world):
    _a, b, objects = world
    a_key = objects["walk-a"]["key"]
    # Ids only: a path value such as year=2025 would match any date in A's lists.
    b_ids = {str(v) for k, v in objects["walk-b"].items() if k != "key" and not isinstance(v, int)}
    with tenant_context(b):
        b_ids |= {str(b.pk)}
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        if "{tenant}" in path and "get" in methods and not re.search(r"\{(?!tenant\})\w+\}", path):
            response = client.get(path.replace("{tenant}", "walk-a"), **bearer(a_key))
            assert response.status_code == 200, path
            text = response.content.decode()
            leaked = [i for i in b_ids if i in text]
            assert leaked == [], f"GET {path} shows tenant B's ids {leaked}"
