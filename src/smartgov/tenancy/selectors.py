"""Reads of tenants and departments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from smartgov.kit.errors import NotFound
from smartgov.kit.memo import TtlCache
from smartgov.tenancy.models import Department, Tenant

# Every tenant-scoped request looks its tenant up by slug. A status change (suspend, archive) is
# seen at once by the process that made it and within this many seconds by the others.
TENANT_CACHE_SECONDS = 5
_by_slug: TtlCache[str, Tenant] = TtlCache(TENANT_CACHE_SECONDS)
# Slugs that name no tenant: a portal-looking path (/accounts/...) would otherwise ask on every
# request. Kept apart, so that many of them (a scan) never push real tenants out.
_no_tenant: TtlCache[str, bool] = TtlCache(TENANT_CACHE_SECONDS)


def tenant_for_request(slug: str) -> Tenant | None:
    """The tenant a path names, or None; cached briefly, misses too (a tenant created since is
    seen at once by the process that created it, within TENANT_CACHE_SECONDS by the others)."""
    found = _by_slug.get(slug)
    if found is None and not _no_tenant.get(slug):
        found = Tenant.objects.filter(slug=slug).first()
        if found is None:
            _no_tenant.put(slug, True)
        else:
            _by_slug.put(slug, found)
    return found


def forget_tenant(slug: str) -> None:
    """A tenant was saved or deleted: forget the slug now and, as a lookup in another thread may
    cache the row as it was before the commit, once the transaction commits."""
    for cache in (_by_slug, _no_tenant):
        cache.discard(slug)
    transaction.on_commit(lambda: [cache.discard(slug) for cache in (_by_slug, _no_tenant)])


def tenant_by_slug(slug: str) -> Tenant:
    try:
        return Tenant.objects.get(slug=slug)
    except Tenant.DoesNotExist:
        raise NotFound(_("No tenant %(slug)s.") % {"slug": slug}, code="tenant_not_found") from None


def tenants(status: str | None = None) -> QuerySet[Tenant]:
    qs = Tenant.objects.select_related("parent").order_by("slug")
    return qs.filter(status=status) if status else qs


def departments(tenant: Tenant) -> QuerySet[Department]:
    return Department.objects.filter(tenant=tenant).order_by("code")


_ROW_FIELDS = ("id", "code", "name_zh", "name_en")
_row_sql: dict[tuple[str, str], str] = {}


def department_rows(tenant: Tenant, using: str = "default") -> list[dict[str, object]]:
    """``departments(tenant)`` as plain rows (id, code, name_zh, name_en) for a hot list (the API's
    department list, bench/api_overhead.py): the same query, tenant filter and order, but its SQL is
    compiled by the ORM once per database and run directly, with no per-row converters. The id is as
    the driver gives it (a UUID; its 32-digit hex on SQLite): the response schema makes it a UUID."""
    connection = connections[using]
    key = (using, connection.vendor)
    sql = _row_sql.get(key)
    if sql is None:
        sql, params = departments(tenant).values_list(*_ROW_FIELDS).query.get_compiler(using).as_sql()
        if len(params) != 1:  # the tenant, and nothing that could differ between calls
            raise RuntimeError(f"department_rows expects one query parameter, got {params!r}")
        _row_sql[key] = sql
    tenant_key = Department._meta.get_field("tenant").get_db_prep_value(tenant.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [tenant_key])
        return [dict(zip(_ROW_FIELDS, row, strict=True)) for row in cursor.fetchall()]


def department(tenant: Tenant, department_id: UUID | str) -> Department:
    try:
        return Department.objects.get(tenant=tenant, pk=department_id)
    except (Department.DoesNotExist, ValueError, ValidationError):
        raise NotFound(_("No such department.")) from None


def department_by_code(tenant: Tenant, code: str) -> Department:
    try:
        return Department.objects.get(tenant=tenant, code=code)
    except Department.DoesNotExist:
        raise NotFound(_("No department %(code)s.") % {"code": code}) from None


@dataclass(frozen=True)
class TenantHealth:
    slug: str
    status: str
    members: int
    quota_users: int
    audit_events: int
    last_activity: datetime | None


def tenant_health(tenant: Tenant) -> TenantHealth:
    """What the operator sees of a tenant: counts only, never a person's data. Runs inside the
    tenant's own scope so row-level security lets the counts through."""
    from smartgov.accounts import selectors as accounts
    from smartgov.audit import selectors as audit
    from smartgov.tenancy.context import tenant_context

    with tenant_context(tenant):
        events, last = audit.chain_summary(tenant)
        return TenantHealth(
            slug=tenant.slug,
            status=tenant.status,
            members=accounts.active_member_count(tenant),
            quota_users=tenant.quota_users,
            audit_events=events,
            last_activity=last,
        )
