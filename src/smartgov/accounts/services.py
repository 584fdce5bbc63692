"""Every write about people, roles and API clients: one function per use case, audited."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils.translation import gettext as _

from smartgov.accounts import permissions as perms
from smartgov.accounts.models import ApiClient, Membership, Profile, Role, User
from smartgov.audit.services import Actor, record
from smartgov.kit import clock, identity
from smartgov.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from smartgov.kit.memo import TtlCache
from smartgov.tenancy import keys
from smartgov.tenancy.models import Department, Tenant

API_KEY_PREFIX = "sgk_"
LAST_USED_RESOLUTION = timedelta(minutes=1)  # don't turn every API read into a write


@dataclass(frozen=True)
class Principal:
    """Who is calling, resolved once per request: a person (through a session) or an API client."""

    actor: Actor
    tenant_id: str | None  # the tenant the credential belongs to; None: platform-wide
    permissions: frozenset[str] = field(default_factory=frozenset)
    user: User | None = None
    membership: Membership | None = None
    is_operator: bool = False

    def has(self, permission: str) -> bool:
        return permission in self.permissions

    def require(self, permission: str) -> None:
        if permission not in self.permissions:
            raise Forbidden(
                _("Missing permission %(perm)s.") % {"perm": permission}, code="permission_denied"
            )


def actor_for(user: User) -> Actor:
    return Actor("user", str(user.pk), user.email)


# --- roles -----------------------------------------------------------------------------------


def ensure_builtin_roles(tenant: Tenant) -> dict[str, Role]:
    roles = {}
    for code, (name_zh, name_en, permissions) in perms.BUILTIN_ROLES.items():
        role, _ = Role.objects.update_or_create(
            tenant=tenant,
            code=code,
            defaults={"name_zh": name_zh, "name_en": name_en, "permissions": permissions, "is_builtin": True},
        )
        roles[code] = role
    return roles


@transaction.atomic
def create_role(
    actor: Actor, tenant: Tenant, code: str, name_zh: str, name_en: str, permissions: list[str]
) -> Role:
    bad = perms.unknown(permissions)
    if bad:
        raise InvalidInput.for_field(
            "permissions", _("Unknown permissions: %(perms)s") % {"perms": ", ".join(bad)}
        )
    if Role.objects.filter(tenant=tenant, code=code).exists():
        raise Conflict(_("Role %(code)s exists already.") % {"code": code}, code="role_exists")
    role = Role.objects.create(
        tenant=tenant, code=code, name_zh=name_zh, name_en=name_en, permissions=permissions
    )
    record(actor=actor, tenant=tenant, action="role.create", obj=role, changes={"permissions": permissions})
    return role


# --- people ----------------------------------------------------------------------------------


def _roles_by_code(tenant: Tenant, codes: Iterable[str]) -> list[Role]:
    codes = list(codes)
    found = list(Role.objects.filter(tenant=tenant, code__in=codes))
    missing = set(codes) - {r.code for r in found}
    if missing:
        raise InvalidInput.for_field(
            "roles", _("Unknown roles: %(roles)s") % {"roles": ", ".join(sorted(missing))}
        )
    return found


@transaction.atomic
def add_member(
    actor: Actor,
    tenant: Tenant,
    *,
    email: str,
    kind: str,
    full_name: str = "",
    password: str | None = None,
    department: Department | None = None,
    role_codes: Iterable[str] = (),
) -> Membership:
    """Give a person (created when new) a standing in the tenant: staff, admin, citizen, business."""
    if kind not in Membership.Kind.values:
        raise InvalidInput.for_field(
            "kind", _("kind must be one of %(kinds)s") % {"kinds": ", ".join(Membership.Kind.values)}
        )
    email = email.strip().lower()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, password, full_name=full_name)
    if Membership.objects.filter(tenant=tenant, user=user).exists():
        raise Conflict(_("%(email)s is a member already.") % {"email": email}, code="member_exists")
    membership = Membership.objects.create(
        tenant=tenant, user=user, kind=kind, department=department, created_at=clock.now()
    )
    roles = _roles_by_code(tenant, role_codes)
    membership.roles.set(roles)
    changed = []
    if user.home_tenant_id is None:
        user.home_tenant = tenant
        changed.append("home_tenant")
    if membership.is_staff_kind and not user.requires_mfa:
        user.requires_mfa = True
        changed.append("requires_mfa")
    if changed:
        user.save(update_fields=changed)
    record(
        actor=actor,
        tenant=tenant,
        action="membership.create",
        obj=membership,
        changes={"user": str(user.pk), "kind": kind, "roles": sorted(r.code for r in roles)},
    )
    return membership


def join_as_citizen(user: User, tenant_slug: str) -> Membership | None:
    """Self-registration on a tenant's portal: the new person becomes one of its citizens."""
    from smartgov.tenancy.context import tenant_context
    from smartgov.tenancy.selectors import tenant_by_slug

    tenant = tenant_by_slug(tenant_slug)
    with tenant_context(tenant):
        if Membership.objects.filter(tenant=tenant, user=user).exists():
            return None
        return add_member(actor_for(user), tenant, email=user.email, kind=Membership.Kind.CITIZEN)


@transaction.atomic
def set_member_roles(
    actor: Actor, tenant: Tenant, membership: Membership, role_codes: Iterable[str]
) -> Membership:
    roles = _roles_by_code(tenant, role_codes)
    before = sorted(membership.roles.values_list("code", flat=True))
    membership.roles.set(roles)
    record(
        actor=actor,
        tenant=tenant,
        action="membership.roles",
        obj=membership,
        changes={"roles": [before, sorted(r.code for r in roles)]},
    )
    return membership


@transaction.atomic
def deactivate_member(actor: Actor, tenant: Tenant, membership: Membership) -> Membership:
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    record(actor=actor, tenant=tenant, action="membership.deactivate", obj=membership)
    return membership


def _check_id_number(value: str) -> str:
    value = identity.normalise(value)
    problem = identity.resident_id_problem(value)
    if problem:
        raise InvalidInput.for_field(
            "id_number", f"Resident identity number {problem}.", code="invalid_id_number"
        )
    return value


def _check_uscc(value: str) -> str:
    value = identity.normalise(value)
    problem = identity.uscc_problem(value)
    if problem:
        raise InvalidInput.for_field("uscc", f"Unified social credit code {problem}.", code="invalid_uscc")
    return value


@transaction.atomic
def set_profile(
    actor: Actor,
    tenant: Tenant,
    membership: Membership,
    *,
    full_name: str,
    id_number: str = "",
    phone: str = "",
    company_name: str = "",
    uscc: str = "",
) -> Profile:
    """Store a citizen's or business's personal data, validated and encrypted with the tenant key."""
    profile = Profile.objects.filter(tenant=tenant, membership=membership).first() or Profile(
        tenant=tenant, membership=membership
    )
    profile.full_name = full_name
    if id_number:
        id_number = _check_id_number(id_number)
        profile.id_number_cipher = keys.encrypt(tenant, id_number, "profile.id_number")
        profile.id_number_index = keys.blind_index(tenant, id_number)
        profile.id_number_masked = identity.mask(id_number)
    if phone:
        phone = phone.strip()
        profile.phone_cipher = keys.encrypt(tenant, phone, "profile.phone")
        profile.phone_masked = identity.mask_phone(phone)
    if uscc:
        profile.uscc = _check_uscc(uscc)
    profile.company_name = company_name
    profile.updated_at = clock.now()
    profile.save()
    record(
        actor=actor,
        tenant=tenant,
        action="profile.set",
        obj=profile,
        changes={
            "full_name": full_name,
            "id_number": profile.id_number_masked,
            "phone": profile.phone_masked,
            "uscc": profile.uscc,
        },
    )
    return profile


@transaction.atomic
def reveal_personal_data(actor: Actor, tenant: Tenant, profile: Profile, field_name: str) -> str:
    """Decrypt one personal-data field for someone allowed to see it; every reveal is audited."""
    ciphers = {"id_number": profile.id_number_cipher, "phone": profile.phone_cipher}
    if field_name not in ciphers:
        raise InvalidInput.for_field("field", _("field must be id_number or phone"))
    if not ciphers[field_name]:
        raise NotFound(_("No %(field)s on this profile.") % {"field": field_name})
    value = keys.decrypt(tenant, ciphers[field_name], f"profile.{field_name}")
    record(
        actor=actor, tenant=tenant, action="personal_data.reveal", obj=profile, changes={"field": field_name}
    )
    return value


# --- API clients -----------------------------------------------------------------------------


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_api_client(
    actor: Actor, tenant: Tenant | None, name: str, permissions: list[str], created_by: User | None = None
) -> tuple[ApiClient, str]:
    """Create a client and return it with its key, which is never shown again."""
    allowed = [perms.PLATFORM_TENANTS] if tenant is None else list(perms.CATALOGUE)
    bad = [p for p in permissions if p not in allowed]
    if bad:
        raise InvalidInput.for_field(
            "permissions", _("Permissions not grantable here: %(perms)s") % {"perms": ", ".join(bad)}
        )
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    client = ApiClient.objects.create(
        tenant=tenant,
        name=name,
        key_prefix=prefix,
        key_hash=_hash_secret(secret),
        permissions=permissions,
        created_by=created_by,
        created_at=clock.now(),
    )
    record(
        actor=actor,
        tenant=tenant,
        action="api_client.create",
        obj=client,
        changes={"name": name, "permissions": permissions},
    )
    return client, f"{API_KEY_PREFIX}{prefix}_{secret}"


@transaction.atomic
def revoke_api_client(actor: Actor, tenant: Tenant | None, client: ApiClient) -> ApiClient:
    if client.revoked_at is None:
        client.revoked_at = clock.now()
        client.save(update_fields=["revoked_at"])
        record(actor=actor, tenant=tenant, action="api_client.revoke", obj=client)
    return client


# Every API call presents its key. A revocation is seen at once by the process that made it and
# within this many seconds by the others.
API_KEY_CACHE_SECONDS = 5
_clients_by_prefix: TtlCache[str, ApiClient] = TtlCache(API_KEY_CACHE_SECONDS)


def forget_api_client(prefix: str) -> None:
    _clients_by_prefix.discard(prefix)


def authenticate_api_key(raw: str) -> ApiClient | None:
    """The live client a presented key belongs to, or None. Constant-time comparison."""
    if not raw.startswith(API_KEY_PREFIX) or raw.count("_") < 2:
        return None
    prefix, _, secret = raw[len(API_KEY_PREFIX) :].partition("_")
    client = _clients_by_prefix.get(prefix)
    if client is None:
        # Only the columns authentication needs, and no join: the tenant is compared by id.
        client = (
            ApiClient.objects.only(
                "id", "tenant_id", "name", "key_prefix", "key_hash", "permissions", "revoked_at", "last_used_at"
            )
            .filter(key_prefix=prefix)
            .first()
        )
        if client is None:
            return None
        _clients_by_prefix.put(prefix, client)
    if client.is_revoked:
        return None
    if not hmac.compare_digest(client.key_hash, _hash_secret(secret)):
        return None
    now = clock.now()
    if client.last_used_at is None or now - client.last_used_at > LAST_USED_RESOLUTION:
        _touch(client, now)
        client.last_used_at = now
    return client


def _touch(client: ApiClient, now: datetime) -> None:
    """Note when the key was used, never waiting for it: the row stays locked until the request
    commits, so while another request is noting it (every worker does once a minute), skip."""
    row = ApiClient.objects.filter(pk=client.pk)
    if connection.in_atomic_block and connection.features.has_select_for_update_skip_locked:
        free = list(row.select_for_update(skip_locked=True).values_list("pk", flat=True))
        row = ApiClient.objects.filter(pk__in=free)
    row.update(last_used_at=now)


def principal_for_client(client: ApiClient) -> Principal:
    return Principal(
        actor=Actor("api_client", str(client.pk), client.name),
        tenant_id=str(client.tenant_id) if client.tenant_id else None,
        permissions=frozenset(client.permissions),
    )


def principal_for_user(user: User, tenant: Tenant | None) -> Principal | None:
    """A signed-in person's standing: in ``tenant`` (None if not an active member), or on the platform."""
    if tenant is None:
        if not user.is_operator:
            return None
        return Principal(
            actor_for(user), None, frozenset({perms.PLATFORM_TENANTS}), user=user, is_operator=True
        )
    membership = Membership.objects.filter(tenant=tenant, user=user, is_active=True).first()
    if membership is None:
        return None
    granted: set[str] = set()
    for role in membership.roles.all():
        granted.update(role.permissions)
    return Principal(actor_for(user), str(tenant.pk), frozenset(granted), user=user, membership=membership)
