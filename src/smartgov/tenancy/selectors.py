"""Reads of tenants and departments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from smartgov.kit.errors import NotFound
from smartgov.kit.memo import TtlCache
from smartgov.kit.statements import Query
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
    """A tenant was saved or deleted: forget its slug (now, and once the change is committed)."""
    _by_slug.forget(slug)
    _no_tenant.forget(slug)


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
# The same query as departments(), compiled once (kit.statements): a tenant standing in for the id.
_DEPARTMENT_ROWS = Query(lambda tenant: departments(Tenant(pk=tenant)).values_list(*_ROW_FIELDS), tenant=UUID)


def department_rows(tenant: Tenant) -> list[dict[str, object]]:
    """``departments(tenant)`` as plain rows (id, code, name_zh, name_en) for a hot list (the API's
    department list, bench/api_overhead.py): no model instances."""
    return [dict(zip(_ROW_FIELDS, row, strict=True)) for row in _DEPARTMENT_ROWS.rows(tenant=tenant.pk)]


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
