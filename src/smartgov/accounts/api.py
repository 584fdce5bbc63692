"""People, roles and API clients of a tenant."""


from django.http import HttpRequest
from ninja import Router, Status

from smartgov.accounts import permissions as perms
from smartgov.accounts import selectors, services
from smartgov.accounts.schemas import (
    ApiClientCreatedOut,
    ApiClientIn,
    ApiClientOut,
    MemberIn,
    MemberOut,
    MeOut,
    ProfileIn,
    ProfileOut,
    RevealIn,
    RevealOut,
    RoleIn,
    RoleOut,
    RolesIn,
)
from smartgov.api.auth import principal, tenant_auth, tenant_of
from smartgov.kit.errors import NotFound
from smartgov.tenancy import selectors as tenancy_selectors

router = Router(tags=["people and access"], auth=tenant_auth)


@router.get("/t/{tenant}/me", response=MeOut, summary="Who am I")
def me(request: HttpRequest, tenant: str) -> dict[str, object]:
    """The caller as the platform sees it: identity and permissions in this tenant."""
    caller = principal(request)
    return {"actor_type": caller.actor.type, "actor_id": caller.actor.id, "label": caller.actor.label,
            "permissions": sorted(caller.permissions)}


@router.get("/t/{tenant}/members", response=list[MemberOut], summary="List members")
def list_members(request: HttpRequest, tenant: str, kind: str | None = None) -> object:
    """Staff, citizens and businesses of the tenant; personal data is masked."""
    principal(request).require(perms.PEOPLE_READ)
    return list(selectors.memberships(tenant_of(request), kind)[:500])


@router.post("/t/{tenant}/members", response={201: MemberOut}, summary="Add a member")
def add_member(request: HttpRequest, tenant: str, payload: MemberIn) -> object:
    caller = principal(request)
    caller.require(perms.TENANT_MANAGE)
    the_tenant = tenant_of(request)
    department = tenancy_selectors.department_by_code(the_tenant, payload.department) if payload.department else None
    membership = services.add_member(
        caller.actor, the_tenant, email=payload.email, kind=payload.kind, full_name=payload.full_name,
        password=payload.password, department=department, role_codes=payload.roles,
    )
    return Status(201, selectors.membership(the_tenant, membership.pk))


@router.get("/t/{tenant}/members/{member_id}", response=MemberOut, summary="Get a member")
def get_member(request: HttpRequest, tenant: str, member_id: str) -> object:
    principal(request).require(perms.PEOPLE_READ)
    return selectors.membership(tenant_of(request), member_id)


@router.put("/t/{tenant}/members/{member_id}/roles", response=MemberOut, summary="Set a member's roles")
def set_roles(request: HttpRequest, tenant: str, member_id: str, payload: RolesIn) -> object:
    caller = principal(request)
    caller.require(perms.TENANT_MANAGE)
    membership = selectors.membership(tenant_of(request), member_id)
    services.set_member_roles(caller.actor, tenant_of(request), membership, payload.roles)
    return selectors.membership(tenant_of(request), member_id)


@router.post("/t/{tenant}/members/{member_id}/deactivate", response=MemberOut, summary="Deactivate a member")
def deactivate(request: HttpRequest, tenant: str, member_id: str) -> object:
    caller = principal(request)
    caller.require(perms.TENANT_MANAGE)
    membership = selectors.membership(tenant_of(request), member_id)
    return services.deactivate_member(caller.actor, tenant_of(request), membership)


@router.put("/t/{tenant}/members/{member_id}/profile", response=ProfileOut, summary="Set personal data")
def set_profile(request: HttpRequest, tenant: str, member_id: str, payload: ProfileIn) -> object:
    """Identity numbers and credit codes are checked (a wrong check character is a 422 naming the
    field), then encrypted with the tenant's data key; answers carry only masked values."""
    caller = principal(request)
    caller.require(perms.TENANT_MANAGE)
    membership = selectors.membership(tenant_of(request), member_id)
    return services.set_profile(
        caller.actor, tenant_of(request), membership, full_name=payload.full_name, id_number=payload.id_number,
        phone=payload.phone, company_name=payload.company_name, uscc=payload.uscc,
    )


@router.post("/t/{tenant}/members/{member_id}/reveal", response=RevealOut, summary="Reveal personal data")
def reveal(request: HttpRequest, tenant: str, member_id: str, payload: RevealIn) -> dict[str, str]:
    """Decrypt one masked field. Needs `personal_data.reveal`; every reveal is in the audit trail."""
    caller = principal(request)
    caller.require(perms.PERSONAL_DATA_REVEAL)
    membership = selectors.membership(tenant_of(request), member_id)
    profile = getattr(membership, "profile", None)
    if profile is None:
        raise NotFound("This member has no personal data on file.")
    value = services.reveal_personal_data(caller.actor, tenant_of(request), profile, payload.field)
    return {"field": payload.field, "value": value}


@router.get("/t/{tenant}/roles", response=list[RoleOut], summary="List roles")
def list_roles(request: HttpRequest, tenant: str) -> object:
    principal(request).require(perms.TENANT_MANAGE)
    return list(selectors.roles(tenant_of(request)))


@router.post("/t/{tenant}/roles", response={201: RoleOut}, summary="Create a role")
def create_role(request: HttpRequest, tenant: str, payload: RoleIn) -> object:
    caller = principal(request)
    caller.require(perms.TENANT_MANAGE)
    return Status(201, services.create_role(caller.actor, tenant_of(request), payload.code, payload.name_zh,
                                     payload.name_en, payload.permissions))


@router.get("/t/{tenant}/api-clients", response=list[ApiClientOut], summary="List API clients")
def list_api_clients(request: HttpRequest, tenant: str) -> object:
    principal(request).require(perms.TENANT_MANAGE)
    return list(selectors.api_clients(tenant_of(request)))


@router.post("/t/{tenant}/api-clients", response={201: ApiClientCreatedOut}, summary="Create an API client")
def create_api_client(request: HttpRequest, tenant: str, payload: ApiClientIn) -> object:
    """Returns the key once; only its hash is kept. Scope it to the permissions the system needs."""
    caller = principal(request)
    caller.require(perms.TENANT_MANAGE)
    client, key = services.create_api_client(caller.actor, tenant_of(request), payload.name, payload.permissions,
                                             created_by=caller.user)
    client.key = key  # type: ignore[attr-defined]
    return Status(201, client)


@router.post("/t/{tenant}/api-clients/{client_id}/revoke", response=ApiClientOut, summary="Revoke an API client")
def revoke_api_client(request: HttpRequest, tenant: str, client_id: str) -> object:
    caller = principal(request)
    caller.require(perms.TENANT_MANAGE)
    client = selectors.api_client(tenant_of(request), client_id)
    return services.revoke_api_client(caller.actor, tenant_of(request), client)
