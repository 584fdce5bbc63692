"""Hot paths keep their query counts: an API-key list call is one query once the tenant and the
key are warm (plus, on PostgreSQL, the transaction that sets the tenant for row-level security)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from smartgov.accounts import permissions as perms
from smartgov.kit import memo
from smartgov.tenancy.context import tenant_context
from tests.builders import SYSTEM, bearer, make_api_key, make_tenant

pytestmark = pytest.mark.django_db


def test_listing_departments_with_a_key_is_one_query_when_warm(client):
    from smartgov.tenancy import services

    tenant = make_tenant("hot")
    with tenant_context(tenant):
        for i in range(50):
            services.create_department(SYSTEM, tenant, f"d{i:02d}", "部门", "Department")
    _c, key = make_api_key(tenant, [perms.DEPARTMENTS_READ])
    assert client.get("/api/v1/t/hot/departments", **bearer(key)).status_code == 200  # warms the caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/t/hot/departments", **bearer(key))
    assert len(response.json()) == 50
    data_queries = [q["sql"] for q in queries.captured_queries
                    if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE", "SELECT SET_CONFIG"))]
    assert len(data_queries) == 1, data_queries
    assert "tenancy_department" in data_queries[0]


def test_the_ttl_cache_forgets_after_its_time(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(memo.time, "monotonic", lambda: now[0])
    cache: memo.TtlCache[str, int] = memo.TtlCache(5)
    cache.put("a", 1)
    assert cache.get("a") == 1
    now[0] += 4.9
    assert cache.get("a") == 1
    now[0] += 0.2
    assert cache.get("a") is None
    cache.put("b", 2)
    cache.discard("b")
    assert cache.get("b") is None


def test_a_revoked_key_is_refused_at_once_even_when_cached(client):
    from smartgov.accounts import services

    tenant = make_tenant("hot")
    api_client, key = make_api_key(tenant, [perms.DEPARTMENTS_READ])
    assert client.get("/api/v1/t/hot/departments", **bearer(key)).status_code == 200
    with tenant_context(tenant):
        services.revoke_api_client(SYSTEM, tenant, api_client)
    assert client.get("/api/v1/t/hot/departments", **bearer(key)).status_code == 401


def test_a_path_naming_no_tenant_asks_the_database_once_and_a_new_tenant_is_seen_at_once(client):
    """``/accounts/...`` or a mistyped slug looks like a portal path: the miss is kept too, so such
    requests do not each look for a tenant; creating the tenant forgets it in this process."""
    assert client.get("/nocity/services/").status_code == 404
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/nocity/services/").status_code == 404
    assert not [q for q in queries.captured_queries if "tenancy_tenant" in q["sql"]]
    make_tenant("nocity")
    assert client.get("/api/v1/t/nocity/catalogue/services").status_code != 404


def test_a_miss_cached_while_the_tenant_was_being_created_is_forgotten_at_commit(django_capture_on_commit_callbacks):
    from smartgov.tenancy import selectors

    with django_capture_on_commit_callbacks(execute=True):
        tenant = make_tenant("latecity")
        # Another thread of this process looked the slug up before the creating transaction committed.
        selectors._no_tenant.put("latecity", True)
    assert selectors.tenant_for_request("latecity") == tenant


def test_forget_discards_now_and_again_at_commit(django_capture_on_commit_callbacks):
    cache: memo.TtlCache[str, int] = memo.TtlCache(5)
    cache.put("a", 1)
    with django_capture_on_commit_callbacks(execute=True):
        cache.forget("a")
        assert cache.get("a") is None
        cache.put("a", 2)  # another thread read the row as it was before the commit
    assert cache.get("a") is None
