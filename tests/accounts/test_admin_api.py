"""A tenant administrator manages departments, members, roles and API clients; each write is audited."""

import json

import pytest

from smartgov.accounts import permissions as perms
from smartgov.accounts.models import Membership
from smartgov.audit.models import AuditEvent
from smartgov.tenancy.context import tenant_context
from tests.builders import PASSWORD, bearer, enable_totp, make_api_key, make_member, make_tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    tenant = make_tenant("admin-city")
    _c, key = make_api_key(tenant, [perms.TENANT_MANAGE, perms.PEOPLE_READ, perms.DEPARTMENTS_READ])
    return tenant, bearer(key)


def send(client, method, url, headers, body=None):
    kwargs = {"data": json.dumps(body), "content_type": "application/json"} if body is not None else {}
    return getattr(client, method)(f"/api/v1/t/admin-city/{url}", **kwargs, **headers)


def actions(tenant):
    with tenant_context(tenant):
        return list(AuditEvent.objects.filter(tenant=tenant).order_by("seq").values_list("action", flat=True))


def test_departments_are_created_listed_renamed_and_audited(client, admin):
    tenant, headers = admin
    tax = {"code": "tax-bureau", "name_zh": "税务局", "name_en": "Tax"}
    created = send(client, "post", "departments", headers, tax)
    assert created.status_code == 201
    dept = created.json()
    again = send(client, "post", "departments", headers, tax)
    assert again.status_code == 409 and again.json()["code"] == "department_exists"
    bad = send(client, "post", "departments", headers, {"code": "Tax Bureau!", "name_zh": "x", "name_en": "x"})
    assert bad.status_code == 422 and bad.json()["details"][0]["field"] == "code"
    new_names = {"name_zh": "税务局（新）", "name_en": "Tax bureau"}
    renamed = send(client, "put", f"departments/{dept['id']}", headers, new_names)
    assert renamed.json()["name_en"] == "Tax bureau"
    assert send(client, "get", f"departments/{dept['id']}", headers).json()["name_zh"] == "税务局（新）"
    assert [d["code"] for d in send(client, "get", "departments", headers).json()] == ["tax-bureau"]
    assert actions(tenant)[-2:] == ["department.create", "department.rename"]


def test_members_are_added_with_roles_changed_and_deactivated(client, admin):
    tenant, headers = admin
    send(client, "post", "departments", headers, {"code": "civil", "name_zh": "民政", "name_en": "Civil"})
    added = send(client, "post", "members", headers, {
        "email": "Clerk@Example.org", "kind": "staff", "full_name": "王伟", "department": "civil",
        "roles": ["caseworker"], "password": PASSWORD,
    })
    assert added.status_code == 201, added.content
    member = added.json()
    assert member["email"] == "clerk@example.org" and member["department"] == "civil"
    assert member["roles"] == ["caseworker"]
    duplicate = send(client, "post", "members", headers, {"email": "clerk@example.org", "kind": "staff"})
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "member_exists"
    unknown_role = send(client, "post", "members", headers, {"email": "x@example.org", "kind": "staff",
                                                               "roles": ["wizard"]})
    assert unknown_role.status_code == 422 and unknown_role.json()["details"][0]["field"] == "roles"
    bad_kind = send(client, "post", "members", headers, {"email": "y@example.org", "kind": "emperor"})
    assert bad_kind.status_code == 422 and bad_kind.json()["details"][0]["field"] == "kind"
    bad_email = send(client, "post", "members", headers, {"email": "not-an-email", "kind": "staff"})
    assert bad_email.status_code == 422 and bad_email.json()["details"][0]["field"] == "email"
    roles = send(client, "put", f"members/{member['id']}/roles", headers, {"roles": ["supervisor", "auditor"]})
    assert roles.json()["roles"] == ["auditor", "supervisor"]
    gone = send(client, "post", f"members/{member['id']}/deactivate", headers)
    assert gone.json()["is_active"] is False
    assert actions(tenant)[-4:] == ["department.create", "membership.create", "membership.roles",
                                    "membership.deactivate"]


def test_a_deactivated_member_loses_access(client, admin):
    tenant, headers = admin
    member = make_member(tenant, "staff", roles=("caseworker",))
    enable_totp(member.user)
    client.force_login(member.user)
    assert client.get("/api/v1/t/admin-city/departments").status_code == 200
    send(client, "post", f"members/{member.pk}/deactivate", headers)
    assert client.get("/api/v1/t/admin-city/departments").status_code == 404


def test_roles_are_listed_and_created_with_known_permissions_only(client, admin):
    tenant, headers = admin
    builtin = {r["code"] for r in send(client, "get", "roles", headers).json()}
    assert {"tenant_admin", "caseworker", "auditor"} <= builtin
    made = send(client, "post", "roles", headers, {"code": "reader", "name_zh": "读者", "name_en": "Reader",
                                                     "permissions": [perms.PEOPLE_READ]})
    assert made.status_code == 201 and made.json()["is_builtin"] is False
    unknown = send(client, "post", "roles", headers, {"code": "god", "name_zh": "神", "name_en": "God",
                                                        "permissions": ["everything", perms.PLATFORM_TENANTS]})
    assert unknown.status_code == 422 and unknown.json()["details"][0]["field"] == "permissions"
    exists = send(client, "post", "roles", headers, {"code": "reader", "name_zh": "读者", "name_en": "Reader",
                                                       "permissions": []})
    assert exists.status_code == 409
    assert "role.create" in actions(tenant)


def test_an_admin_with_a_session_and_mfa_uses_the_same_api(client):
    tenant = make_tenant("admin-city")
    admin = make_member(tenant, Membership.Kind.ADMIN, roles=("tenant_admin",))
    enable_totp(admin.user)
    client.force_login(admin.user)
    created = client.post("/api/v1/t/admin-city/api-clients", data=json.dumps({"name": "gis", "permissions": []}),
                          content_type="application/json")
    assert created.status_code == 201
    with tenant_context(tenant):
        event = AuditEvent.objects.filter(tenant=tenant, action="api_client.create").get()
    assert event.actor_type == "user" and event.actor_id == str(admin.user.pk)


def test_the_admin_pages_manage_departments_people_and_keys(client):
    tenant = make_tenant("admin-city")
    admin = make_member(tenant, Membership.Kind.ADMIN, roles=("tenant_admin",))
    enable_totp(admin.user)
    client.force_login(admin.user)
    assert client.get("/admin-city/manage/").status_code == 200
    made = client.post("/admin-city/manage/departments", {"code": "water", "name_zh": "水务", "name_en": "Water"})
    assert made.status_code == 302
    added = client.post("/admin-city/manage/people", {"email": "new@example.org", "full_name": "李娜", "kind": "staff",
                                                      "department": "water", "roles": ["caseworker"],
                                                      "password": PASSWORD})
    assert added.status_code == 302
    page = client.post("/admin-city/manage/api-clients", {"name": "billing system",
                                                          "permissions": [perms.DEPARTMENTS_READ]})
    key = page.context["new_key"]
    assert key.startswith("sgk_") and key in page.content.decode()
    assert key not in client.get("/admin-city/manage/api-clients").content.decode()
    assert client.get("/api/v1/t/admin-city/departments", **bearer(key)).status_code == 200
    audit = client.get("/admin-city/manage/audit?action=membership").content.decode()
    assert "membership.create" in audit and "department.create" not in audit
    csv = client.get("/admin-city/manage/audit.csv?action=department").content.decode()
    assert "department.create" in csv and "membership.create" not in csv


def test_staff_without_tenant_manage_cannot_use_the_admin_pages(client):
    tenant = make_tenant("admin-city")
    clerk = make_member(tenant, "staff", roles=("caseworker",))
    enable_totp(clerk.user)
    client.force_login(clerk.user)
    assert client.get("/admin-city/manage/people").status_code == 403
    outsider = make_member(make_tenant("elsewhere"), "admin", roles=("tenant_admin",))
    enable_totp(outsider.user)
    client.force_login(outsider.user)
    assert client.get("/admin-city/manage/people").status_code == 404
