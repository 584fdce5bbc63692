"""PostgreSQL row-level security for every tenant-owned table: the second guard.

Applied after every ``migrate`` (idempotently), so a new tenant-owned model is covered the moment
its table exists. The policy compares the row's tenant with ``app.tenant_id``, which
``tenancy.context`` sets per transaction; with no tenant set the setting is empty, NULLIF makes it
NULL, and no tenant row matches. ``FORCE`` makes the policy bind the table owner too; the owner
(which runs migrations) gets its own explicit maintenance policy, while the app role, which owns
nothing and has NOBYPASSRLS, gets only the tenant policy.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connections
from django.db.models import Model

CURRENT_TENANT_SQL = "NULLIF(current_setting('app.tenant_id', true), '')::uuid"


def tenant_owned_models() -> list[type[Model]]:
    """Every concrete model with a ``tenant`` foreign key to the Tenant table."""
    from smartgov.tenancy.models import Tenant

    found = []
    for model in apps.get_models():
        field = next((f for f in model._meta.concrete_fields if f.name == "tenant"), None)
        if field is not None and field.related_model is Tenant and not model._meta.proxy:
            found.append(model)
    return found


def rls_protected_models() -> list[type[Model]]:
    """Tenant-owned models minus the few documented exemptions (``rls_exempt_reason``)."""
    return [m for m in tenant_owned_models() if not getattr(m, "rls_exempt_reason", "")]


def policy_statements(table: str) -> list[str]:
    condition = f"tenant_id IS NOT DISTINCT FROM {CURRENT_TENANT_SQL}"
    return [
        f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
        f'DROP POLICY IF EXISTS tenant_isolation ON "{table}"',
        f'CREATE POLICY tenant_isolation ON "{table}" USING ({condition}) WITH CHECK ({condition})',
        f'DROP POLICY IF EXISTS owner_maintenance ON "{table}"',
        f'CREATE POLICY owner_maintenance ON "{table}" TO CURRENT_USER USING (true) WITH CHECK (true)',
    ]


def apply(using: str = "default") -> list[str]:
    """Enable, force and (re)create the policies on every tenant-owned table; return the tables."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    existing = set(connection.introspection.table_names())
    tables = [m._meta.db_table for m in rls_protected_models() if m._meta.db_table in existing]
    with connection.cursor() as cursor:
        for table in tables:
            for statement in policy_statements(table):
                cursor.execute(statement)
    return tables


def grant_app_role(role: str, using: str = "default") -> None:
    """Give the app role data rights (never ownership) on every table; audit rows stay append-only."""
    connection = connections[using]
    if connection.vendor != "postgresql" or not role:
        return
    quoted = connection.ops.quote_name(role)
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {quoted}")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
        cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_auditevent FROM {quoted}")


def _connected_as_owner(using: str) -> bool:
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT tableowner = current_user FROM pg_tables WHERE tablename = 'tenancy_tenant'")
        row = cursor.fetchone()
    return bool(row and row[0])


def apply_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    if sender.name != "smartgov.tenancy":  # post_migrate fires once per app; once is enough
        return
    if connections[using].vendor != "postgresql" or not _connected_as_owner(using):
        return  # e.g. a test flush as the app role, which may not (and need not) alter tables
    apply(using)
    grant_app_role(getattr(settings, "DB_APP_ROLE", ""), using)
