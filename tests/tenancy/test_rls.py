"""The second guard: PostgreSQL row-level security, tested as the app role on real connections."""

import pytest
from django.conf import settings

from smartgov.tenancy import rls
from tests.builders import make_citizen, make_department, make_tenant
from tests.dbtools import app_role_connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_tenants():
    if not settings.DB_APP_ROLE:
        pytest.fail("set SMARTGOV_DB_APP_ROLE so row-level security is tested as the app role")
    a, b = make_tenant("rls-a"), make_tenant("rls-b")
    for t in (a, b):
        make_department(t, "tax")
        make_citizen(t)
    return a, b


def test_no_tenant_set_sees_no_tenant_rows(two_tenants):
    with app_role_connection() as conn:
        for model in rls.rls_protected_models():
            table = model._meta.db_table
            rows = conn.execute(f'SELECT count(*) FROM "{table}" WHERE tenant_id IS NOT NULL').fetchone()[0]
            assert rows == 0, f"{table} shows {rows} tenant rows with no tenant set"


def test_a_tenant_sees_only_its_own_rows(two_tenants):
    a, _b = two_tenants
    with app_role_connection(str(a.pk)) as conn:
        tenants_seen = {r[0] for r in conn.execute("SELECT DISTINCT tenant_id FROM tenancy_department")}
        assert tenants_seen == {a.pk}
        profiles = {r[0] for r in conn.execute("SELECT DISTINCT tenant_id FROM accounts_profile")}
        assert profiles == {a.pk}


def test_writing_a_row_for_another_tenant_is_refused(two_tenants):
    import psycopg

    a, b = two_tenants
    with app_role_connection(str(a.pk)) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(
            "INSERT INTO tenancy_department (id, tenant_id, code, name_zh, name_en, created_at) "
            "VALUES (gen_random_uuid(), %s, 'sneaky', 'x', 'x', now())",
            [str(b.pk)],
        )


def test_updates_cannot_reach_another_tenants_rows(two_tenants):
    a, b = two_tenants
    with app_role_connection(str(a.pk)) as conn:
        changed = conn.execute(
            "UPDATE tenancy_department SET name_en = 'hijacked' WHERE tenant_id = %s", [str(b.pk)]
        ).rowcount
        assert changed == 0


def test_the_app_role_cannot_touch_audit_rows(two_tenants):
    import psycopg

    a, _ = two_tenants
    with app_role_connection(str(a.pk)) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("DELETE FROM audit_auditevent")
