"""The platform operator creates, lists, suspends and archives tenants, by command line, API and
console, and never sees citizens' personal data."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from smartgov.accounts import permissions as perms
from smartgov.accounts.models import User
from smartgov.audit.models import AuditEvent
from smartgov.tenancy.models import Tenant
from tests.builders import PASSWORD, bearer, enable_totp, make_api_key, make_citizen, make_tenant

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"


def operator_client(client):
    operator = User.objects.create_user("ops@example.org", PASSWORD, is_operator=True)
    enable_totp(operator)
    client.force_login(operator)
    return operator


def run(*args):
    out = io.StringIO()
    call_command("tenant", *args, stdout=out)
    return out.getvalue()


def test_the_command_line_creates_lists_suspends_and_archives():
    run("create", "zj", "--name-zh", "浙江", "--name-en", "Zhejiang", "--kind", "province", "--prefix", "ZJ")
    assert "created hz" in run("create", "hz", "--name-zh", "杭州", "--name-en", "Hangzhou", "--kind", "city",
                               "--prefix", "HZ", "--parent", "zj", "--crypto", "gm")
    hz = Tenant.objects.get(slug="hz")
    assert hz.parent.slug == "zj" and hz.crypto_profile == "gm" and hz.status == "active"
    listing = run("list")
    assert "hz" in listing and "zj" in listing
    assert run("suspend", "hz", "--reason", "unpaid") == "hz: suspended\n"
    assert "hz" not in run("list", "--status", "active")
    assert run("reactivate", "hz") == "hz: active\n"
    assert run("archive", "hz") == "hz: archived\n"
    with pytest.raises(CommandError, match="tenant_archived"):
        run("reactivate", "hz")
    with pytest.raises(CommandError, match="tenant_exists"):
        run("create", "zj", "--name-zh", "x", "--name-en", "x", "--kind", "city", "--prefix", "ZJ")
    with pytest.raises(CommandError, match="invalid_input"):
        run("create", "admin", "--name-zh", "x", "--name-en", "x", "--kind", "city", "--prefix", "AD")
    platform_actions = set(AuditEvent.objects.filter(chain_key="platform").values_list("action", flat=True))
    assert {"tenant.create", "tenant.suspended", "tenant.active", "tenant.archived"} <= platform_actions


def test_the_api_manages_tenants_with_a_platform_key(client):
    _c, key = make_api_key(None, [perms.PLATFORM_TENANTS])
    body = {"slug": "ls", "name_zh": "丽水", "name_en": "Lishui", "kind": "city", "reference_prefix": "LS",
            "crypto_profile": "gm"}
    created = client.post("/api/v1/platform/tenants", data=json.dumps(body), content_type="application/json",
                          **bearer(key))
    assert created.status_code == 201 and created.json()["crypto_profile"] == "gm"
    again = client.post("/api/v1/platform/tenants", data=json.dumps(body), content_type="application/json",
                        **bearer(key))
    assert again.status_code == 409 and again.json()["code"] == "tenant_exists"
    bad = client.post("/api/v1/platform/tenants", data=json.dumps({**body, "slug": "x2", "kind": "galaxy"}),
                      content_type="application/json", **bearer(key))
    assert bad.status_code == 422 and bad.json()["details"][0]["field"] == "kind"
    assert [t["slug"] for t in client.get("/api/v1/platform/tenants", **bearer(key)).json()] == ["ls"]
    suspended = client.post("/api/v1/platform/tenants/ls/suspend", data=json.dumps({"reason": "test"}),
                            content_type="application/json", **bearer(key))
    assert suspended.json()["status"] == "suspended"
    assert client.get("/api/v1/platform/tenants?status=suspended", **bearer(key)).json()[0]["slug"] == "ls"
    health = client.get("/api/v1/platform/tenants/ls/health", **bearer(key)).json()
    assert health["status"] == "suspended" and health["audit_events"] >= 2
    assert client.get("/api/v1/platform/tenants/nowhere", **bearer(key)).status_code == 404


def test_suspended_and_archived_tenants_stop_serving(client):
    tenant = make_tenant("stop")
    _c, key = make_api_key(tenant, list(perms.CATALOGUE))
    run("suspend", "stop")
    assert client.get("/api/v1/t/stop/departments", **bearer(key)).json()["code"] == "tenant_suspended"
    assert client.get("/stop/").status_code == 403
    run("archive", "stop")
    assert client.get("/api/v1/t/stop/departments", **bearer(key)).status_code == 404
    assert client.get("/stop/").status_code == 404


def test_the_console_lists_creates_and_suspends(client):
    make_tenant("console-a")
    operator_client(client)
    page = client.get("/operator/")
    assert page.status_code == 200 and 'data-tenant="console-a"' in page.content.decode()
    created = client.post("/operator/tenants/new", {"slug": "console-b", "name_zh": "乙", "name_en": "B",
                                                     "kind": "city", "reference_prefix": "CB", "crypto_profile": "intl",
                                                     "quota_users": 1000})
    assert created.status_code == 302 and Tenant.objects.get(slug="console-b").quota_users == 1000
    client.post("/operator/tenants/console-b/status", {"action": "suspend", "reason": "test"})
    assert Tenant.objects.get(slug="console-b").status == "suspended"


def test_the_console_is_for_operators_only(client):
    tenant = make_tenant("console-a")
    from tests.builders import make_member

    admin = make_member(tenant, "admin", roles=("tenant_admin",))
    enable_totp(admin.user)
    client.force_login(admin.user)
    assert client.get("/operator/").status_code == 403
    assert client.post("/operator/tenants/console-a/status", {"action": "archive"}).status_code == 403
    assert Tenant.objects.get(slug="console-a").status == "active"


def test_the_operator_never_sees_citizens_personal_data(client):
    tenant = make_tenant("private")
    citizen = make_citizen(tenant, id_number=ID_NUMBER)
    operator_client(client)
    console = client.get("/operator/").content.decode()
    for secret in [ID_NUMBER, "1101**********002X", citizen.user.email, "张三", "138****5678"]:
        assert secret not in console
    # The operator is not a member of the tenant: its people and personal data are not there for them.
    for path in ["members", f"members/{citizen.pk}", "audit/events"]:
        assert client.get(f"/api/v1/t/private/{path}").status_code == 404
    reveal = client.post(f"/api/v1/t/private/members/{citizen.pk}/reveal", data=json.dumps({"field": "id_number"}),
                         content_type="application/json")
    assert reveal.status_code in (403, 404)
    assert client.get("/private/manage/people").status_code == 404
    health = client.get("/api/v1/platform/tenants/private/health").json()
    assert set(health) == {"slug", "status", "members", "quota_users", "audit_events", "last_activity"}
