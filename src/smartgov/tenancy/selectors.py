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
from smartgov.tenancy.models import Department, Tenant

# Every tenant-scoped request looks its tenant up by slug. A status change (suspend, archive) is
# seen at once by the process that made it and within this many seconds by the others.
TENANT_CACHE_SECONDS = 5
_by_slug: TtlCache[str, Tenant] = TtlCache(TENANT_CACHE_SECONDS)


def tenant_for_request(slug: str) -> Tenant | None:
    """The tenant a path names, or None; cached briefly (misses are not cached)."""
    tenant = _by_slug.get(slug)
    if tenant is None:
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is not None:
            _by_slug.put(slug, tenant)
    return tenant


def forget_tenant(slug: str) -> None:
    _by_slug.discard(slug)


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
