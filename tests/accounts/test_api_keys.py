"""API keys: shown once, stored hashed, scoped to one tenant and its permissions, revocable, last use
recorded; platform keys for tenant administration only."""

import hashlib
import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command

from smartgov.accounts import permissions as perms
from smartgov.accounts import services
from smartgov.accounts.models import ApiClient
from smartgov.audit.models import AuditEvent
from smartgov.kit import clock
from smartgov.tenancy.context import tenant_context
from tests.builders import SYSTEM, bearer, enable_totp, make_api_key, make_member, make_tenant

pytestmark = pytest.mark.django_db


def test_the_key_is_returned_once_and_only_its_hash_is_stored():
    tenant = make_tenant("keys")
    client, key = make_api_key(tenant, [perms.DEPARTMENTS_READ])
    assert key.startswith("sgk_")
    secret = key.split("_", 2)[2]
    with tenant_context(tenant):
        row = ApiClient.objects.get(pk=client.pk)
    assert row.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = json.dumps([getattr(row, f.attname) for f in row._meta.fields], default=str)
    assert secret not in stored and key not in stored


def test_the_api_shows_the_key_at_creation_and_never_again(client):
    tenant = make_tenant("keys")
    _admin_client, admin_key = make_api_key(tenant, [perms.TENANT_MANAGE])
    body = json.dumps({"name": "tax system", "permissions": [perms.DEPARTMENTS_READ]})
    created = client.post(
        "/api/v1/t/keys/api-clients", data=body, content_type="application/json", **bearer(admin_key)
    )
    assert created.status_code == 201
    new_key = created.json()["key"]
    assert client.get("/api/v1/t/keys/departments", **bearer(new_key)).status_code == 200
    listing = client.get("/api/v1/t/keys/api-clients", **bearer(admin_key))
    assert new_key not in listing.content.decode()
    assert all("key" not in c for c in listing.json())
    assert {c["name"] for c in listing.json()} == {"test system", "tax system"}


def test_a_key_works_only_within_its_permissions(client):
    tenant = make_tenant("keys")
    _c, key = make_api_key(tenant, [perms.DEPARTMENTS_READ])
    assert client.get("/api/v1/t/keys/departments", **bearer(key)).status_code == 200
    assert client.get("/api/v1/t/keys/members", **bearer(key)).status_code == 403
    body = json.dumps({"code": "new", "name_zh": "新", "name_en": "New"})
    refused = client.post("/api/v1/t/keys/departments", data=body, content_type="application/json", **bearer(key))
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"


def test_a_key_belongs_to_one_tenant(client):
    make_tenant("keys")
    other = make_tenant("other")
    _c, key = make_api_key(other, list(perms.CATALOGUE))
    response = client.get("/api/v1/t/keys/departments", **bearer(key))
    assert response.status_code == 404 and response.json()["code"] == "tenant_not_found"


def test_a_revoked_key_stops_working_and_the_revocation_is_audited(client):
    tenant = make_tenant("keys")
    api_client, key = make_api_key(tenant, [perms.DEPARTMENTS_READ])
    _admin, admin_key = make_api_key(tenant, [perms.TENANT_MANAGE])
    assert client.get("/api/v1/t/keys/departments", **bearer(key)).status_code == 200
    revoked = client.post(f"/api/v1/t/keys/api-clients/{api_client.pk}/revoke", **bearer(admin_key))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert client.get("/api/v1/t/keys/departments", **bearer(key)).status_code == 401
    with tenant_context(tenant):
        events = AuditEvent.objects.filter(tenant=tenant, action="api_client.revoke", object_id=str(api_client.pk))
        assert events.exists()


def test_last_use_is_recorded_without_a_write_per_request(client):
    tenant = make_tenant("keys")
    api_client, key = make_api_key(tenant, [perms.DEPARTMENTS_READ])
    assert api_client.last_used_at is None
    start = clock.now()
    with clock.frozen_at(start):
        client.get("/api/v1/t/keys/departments", **bearer(key))
    with tenant_context(tenant):
        api_client.refresh_from_db()
    assert api_client.last_used_at == start
    with clock.frozen_at(start + timedelta(seconds=10)):
        client.get("/api/v1/t/keys/departments", **bearer(key))
    with tenant_context(tenant):
        api_client.refresh_from_db()
    assert api_client.last_used_at == start  # within the resolution: no write
    later = start + services.LAST_USED_RESOLUTION + timedelta(seconds=1)
    with clock.frozen_at(later):
        client.get("/api/v1/t/keys/departments", **bearer(key))
    with tenant_context(tenant):
        api_client.refresh_from_db()
    assert api_client.last_used_at == later


def test_a_tenant_key_cannot_carry_platform_permissions():
    tenant = make_tenant("keys")
    from smartgov.kit.errors import InvalidInput

    with tenant_context(tenant), pytest.raises(InvalidInput) as refused:
        services.create_api_client(SYSTEM, tenant, "sneaky", [perms.PLATFORM_TENANTS])
    assert refused.value.details[0]["field"] == "permissions"
    with tenant_context(None), pytest.raises(InvalidInput):
        services.create_api_client(SYSTEM, None, "sneaky", [perms.TENANT_MANAGE])


def test_platform_keys_manage_tenants_and_never_reach_into_one(client):
    tenant = make_tenant("keys")
    _c, platform_key = make_api_key(None, [perms.PLATFORM_TENANTS])
    assert client.get("/api/v1/platform/tenants", **bearer(platform_key)).status_code == 200
    inside = client.get(f"/api/v1/t/{tenant.slug}/departments", **bearer(platform_key))
    assert inside.status_code == 404 and inside.json()["code"] == "tenant_not_found"
    _c, tenant_key = make_api_key(tenant, list(perms.CATALOGUE))
    assert client.get("/api/v1/platform/tenants", **bearer(tenant_key)).status_code == 403


def test_the_apikey_command_prints_a_working_key_once(client):
    make_tenant("keys")
    out = io.StringIO()
    call_command("apikey", "create", "--tenant", "keys", "--name", "cli", "--permission", perms.DEPARTMENTS_READ,
                 stdout=out)
    key = out.getvalue().split("key (shown once): ")[1].strip()
    assert client.get("/api/v1/t/keys/departments", **bearer(key)).status_code == 200


def test_a_session_member_sees_their_own_permissions(client):
    tenant = make_tenant("keys")
    member = make_member(tenant, "staff", roles=("auditor",))
    enable_totp(member.user)
    client.force_login(member.user)
    me = client.get("/api/v1/t/keys/me").json()
    assert me["actor_type"] == "user" and set(me["permissions"]) == {perms.AUDIT_READ, perms.DEPARTMENTS_READ}
