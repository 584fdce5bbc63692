"""Rules every tenant-owned model and the database roles must keep."""

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection

from smartgov.tenancy import rls
from smartgov.tenancy.models import Tenant

# The only tables allowed out of row-level security, and why (each model says so too).
RLS_EXEMPT = {"accounts.apiclient"}
# Platform-level tables that hold no tenant's data (or hold it only as counts).
NOT_TENANT_OWNED = {
    "tenancy.tenant",
    "accounts.user",
    "sessions.session",
    "contenttypes.contenttype",
    "auth.permission",
    "auth.group",
    "admin.logentry",
    "account.emailaddress",
    "account.emailconfirmation",
    "mfa.authenticator",
    "axes.accessattempt",
    "axes.accessattemptexpiration",
    "axes.accessfailurelog",
    "axes.accesslog",
    "audit.auditchainhead",
    "audit.auditevent",
}


def test_every_model_is_tenant_owned_or_declared_platform_level():
    undeclared = []
    owned = {m._meta.label_lower for m in rls.tenant_owned_models()}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label not in owned and label not in NOT_TENANT_OWNED and not model._meta.auto_created:
            undeclared.append(label)
    assert undeclared == [], f"models with no tenant key and not declared platform-level: {undeclared}"


def test_tenant_keys_point_at_the_tenant_table():
    for model in rls.tenant_owned_models():
        field = model._meta.get_field("tenant")
        assert field.related_model is Tenant, model


def test_rls_exemptions_are_few_and_explained():
    exempt = {m._meta.label_lower for m in rls.tenant_owned_models() if getattr(m, "rls_exempt_reason", "")}
    assert exempt == RLS_EXEMPT


@pytest.mark.postgres
@pytest.mark.django_db
def test_every_tenant_table_has_forced_rls_and_a_policy():
    with connection.cursor() as cursor:
        for model in rls.rls_protected_models():
            table = model._meta.db_table
            cursor.execute(
                "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = %s", [table]
            )
            enabled, forced = cursor.fetchone()
            assert enabled and forced, f"{table}: RLS enabled={enabled} forced={forced}"
            cursor.execute(
                "SELECT qual FROM pg_policies WHERE tablename = %s AND policyname = 'tenant_isolation'",
                [table],
            )
            (qual,) = cursor.fetchone()
            assert "app.tenant_id" in qual


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_app_role_is_neither_superuser_owner_nor_bypassrls():
    role = settings.DB_APP_ROLE
    assert role, "SMARTGOV_DB_APP_ROLE must name the app role on PostgreSQL"
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
        superuser, bypass = cursor.fetchone()
        assert not superuser and not bypass
        cursor.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = %s", [role]
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == role, "the suite must run as the app role"
