"""Reads of people, roles and API clients: always for one tenant."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from smartgov.accounts.models import ApiClient, Membership, Profile, Role, User
from smartgov.kit.errors import NotFound
from smartgov.kit.statements import Query
from smartgov.tenancy.models import Tenant


def memberships(tenant: Tenant, kind: str | None = None) -> QuerySet[Membership]:
    qs = (
        Membership.objects.filter(tenant=tenant)
        .select_related("user", "department", "profile")
        .prefetch_related("roles")
        .order_by("user__email")
    )
    return qs.filter(kind=kind) if kind else qs


# Every submission on a citizen's behalf reads its applicant: compiled once (kit.statements).
_MEMBER = Query(
    lambda tenant, pk: Membership.objects.select_related("user", "department", "profile").filter(
        tenant_id=tenant, pk=pk
    ),
    tenant=UUID,
    pk=UUID,
)


def membership(tenant: Tenant, membership_id: UUID | str) -> Membership:
    """One member with their user, department and profile (roles load when first asked for)."""
    try:
        found: Membership | None = _MEMBER.first(tenant=tenant.pk, pk=membership_id)
    except ValueError:  # not a UUID: names no member
        found = None
    if found is None:
        raise NotFound(_("No such member."))
    return found


def membership_of(tenant: Tenant, user: User) -> Membership | None:
    return Membership.objects.filter(tenant=tenant, user=user).first()


def profile(tenant: Tenant, profile_id: UUID | str) -> Profile:
    try:
        return Profile.objects.select_related("membership__user").get(tenant=tenant, pk=profile_id)
    except (Profile.DoesNotExist, ValueError, ValidationError):
        raise NotFound(_("No such profile.")) from None


def roles(tenant: Tenant) -> QuerySet[Role]:
    return Role.objects.filter(tenant=tenant).order_by("code")


def api_clients(tenant: Tenant | None) -> QuerySet[ApiClient]:
    return ApiClient.objects.filter(tenant=tenant).order_by("-created_at")


def api_client(tenant: Tenant | None, client_id: UUID | str) -> ApiClient:
    try:
        return ApiClient.objects.get(tenant=tenant, pk=client_id)
    except (ApiClient.DoesNotExist, ValueError, ValidationError):
        raise NotFound(_("No such API client.")) from None


def active_member_count(tenant: Tenant) -> int:
    return Membership.objects.filter(tenant=tenant, is_active=True).count()
