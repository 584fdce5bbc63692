"""Tenants (for the platform operator) and departments (for tenant administrators)."""

from django.http import HttpRequest
from ninja import Router, Status

from smartgov.accounts import permissions as perms
from smartgov.api.auth import platform_auth, principal, tenant_auth, tenant_of
from smartgov.tenancy import selectors, services
from smartgov.tenancy.models import Tenant
from smartgov.tenancy.schemas import (
    DepartmentIn,
    DepartmentOut,
    DepartmentRenameIn,
    StatusChangeIn,
    TenantHealthOut,
    TenantIn,
    TenantOut,
)

platform = Router(tags=["platform: tenants"], auth=platform_auth)
router = Router(tags=["departments"], auth=tenant_auth)


@platform.get("/tenants", response=list[TenantOut], summary="List tenants")
def list_tenants(request: HttpRequest, status: str | None = None) -> list[Tenant]:
    """Every tenant on the platform, optionally filtered by status (active, suspended, archived)."""
    principal(request).require(perms.PLATFORM_TENANTS)
    return list(selectors.tenants(status))


@platform.post("/tenants", response={201: TenantOut}, summary="Create a tenant")
def create_tenant(request: HttpRequest, payload: TenantIn) -> Status[Tenant]:
    """Provision a government: a data key of its own, the built-in roles, an audit chain."""
    caller = principal(request)
    caller.require(perms.PLATFORM_TENANTS)
    spec = services.TenantSpec(
        slug=payload.slug,
        name_zh=payload.name_zh,
        name_en=payload.name_en,
        kind=payload.kind,
        reference_prefix=payload.reference_prefix,
        parent_slug=payload.parent,
        crypto_profile=payload.crypto_profile,
        quota_users=payload.quota_users,
        quota_storage_bytes=payload.quota_storage_bytes,
    )
    return Status(201, services.create_tenant(caller.actor, spec))


@platform.get("/tenants/{slug}", response=TenantOut, summary="Get a tenant")
def get_tenant(request: HttpRequest, slug: str) -> Tenant:
    principal(request).require(perms.PLATFORM_TENANTS)
    return selectors.tenant_by_slug(slug)


@platform.get("/tenants/{slug}/health", response=TenantHealthOut, summary="A tenant's health and quotas")
def tenant_health(request: HttpRequest, slug: str) -> selectors.TenantHealth:
    """Counts only (members against quota, audit events, last activity): never personal data."""
    principal(request).require(perms.PLATFORM_TENANTS)
    return selectors.tenant_health(selectors.tenant_by_slug(slug))


@platform.post("/tenants/{slug}/suspend", response=TenantOut, summary="Suspend a tenant")
def suspend_tenant(request: HttpRequest, slug: str, payload: StatusChangeIn) -> Tenant:
    """A suspended tenant answers 403 `tenant_suspended` everywhere; its data is kept."""
    caller = principal(request)
    caller.require(perms.PLATFORM_TENANTS)
    return services.suspend_tenant(caller.actor, selectors.tenant_by_slug(slug), payload.reason)


@platform.post("/tenants/{slug}/reactivate", response=TenantOut, summary="Reactivate a suspended tenant")
def reactivate_tenant(request: HttpRequest, slug: str, payload: StatusChangeIn) -> Tenant:
    caller = principal(request)
    caller.require(perms.PLATFORM_TENANTS)
    return services.reactivate_tenant(caller.actor, selectors.tenant_by_slug(slug), payload.reason)


@platform.post("/tenants/{slug}/archive", response=TenantOut, summary="Archive a tenant")
def archive_tenant(request: HttpRequest, slug: str, payload: StatusChangeIn) -> Tenant:
    """Archived tenants are out of service for good (404) but keep their data and audit trail."""
    caller = principal(request)
    caller.require(perms.PLATFORM_TENANTS)
    return services.archive_tenant(caller.actor, selectors.tenant_by_slug(slug), payload.reason)


@router.get("/t/{tenant}/departments", response=list[DepartmentOut], summary="List departments")
def list_departments(request: HttpRequest, tenant: str) -> object:
    principal(request).require(perms.DEPARTMENTS_READ)
    # Plain rows, not model instances: a hot list (bench/api_overhead.py) spends most of its time
    # building objects (and the query) only to serialise them again.
    return selectors.department_rows(tenant_of(request))


@router.post("/t/{tenant}/departments", response={201: DepartmentOut}, summary="Create a department")
def create_department(request: HttpRequest, tenant: str, payload: DepartmentIn) -> object:
    caller = principal(request)
    caller.require(perms.TENANT_MANAGE)
    return Status(201, services.create_department(
        caller.actor, tenant_of(request), payload.code, payload.name_zh, payload.name_en
    ))


@router.get("/t/{tenant}/departments/{department_id}", response=DepartmentOut, summary="Get a department")
def get_department(request: HttpRequest, tenant: str, department_id: str) -> object:
    principal(request).require(perms.DEPARTMENTS_READ)
    return selectors.department(tenant_of(request), department_id)


@router.put("/t/{tenant}/departments/{department_id}", response=DepartmentOut, summary="Rename a department")
def rename_department(
    request: HttpRequest, tenant: str, department_id: str, payload: DepartmentRenameIn
) -> object:
    caller = principal(request)
    caller.require(perms.TENANT_MANAGE)
    department = selectors.department(tenant_of(request), department_id)
    return services.rename_department(
        caller.actor, tenant_of(request), department, payload.name_zh, payload.name_en
    )
