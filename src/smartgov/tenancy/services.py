"""Every write about tenants and departments: the operator's and the tenant administrator's."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from smartgov.audit.services import Actor, record
from smartgov.kit import clock
from smartgov.kit.errors import Conflict, InvalidInput
from smartgov.tenancy import keys
from smartgov.tenancy.context import tenant_context
from smartgov.tenancy.models import Department, Tenant

_SLUG = re.compile(r"^[a-z][a-z0-9-]{1,39}$")
# Paths a tenant slug must never shadow (portal pages live under /{tenant}/).
RESERVED_SLUGS = {
    "api",
    "admin",
    "accounts",
    "static",
    "media",
    "operator",
    "healthz",
    "readyz",
    "metrics",
    "i18n",
    "verify",
    "platform",
}


@dataclass(frozen=True)
class TenantSpec:
    slug: str
    name_zh: str
    name_en: str
    kind: str
    reference_prefix: str
    parent_slug: str | None = None
    crypto_profile: str = Tenant.CryptoProfile.INTL
    time_zone: str = "Asia/Shanghai"
    quota_users: int = 100_000
    quota_storage_bytes: int = 50 * 1024**3
    is_demo: bool = False


def _validate(spec: TenantSpec) -> None:
    if not _SLUG.match(spec.slug) or spec.slug in RESERVED_SLUGS:
        raise InvalidInput.for_field(
            "slug", _("slug must be 2-40 lowercase letters, digits or '-', not reserved")
        )
    if spec.kind not in Tenant.Kind.values:
        raise InvalidInput.for_field(
            "kind", _("kind must be one of %(kinds)s") % {"kinds": ", ".join(Tenant.Kind.values)}
        )
    if spec.crypto_profile not in Tenant.CryptoProfile.values:
        raise InvalidInput.for_field("crypto_profile", _("crypto_profile must be intl or gm"))
    if not re.match(r"^[A-Z]{2,6}$", spec.reference_prefix):
        raise InvalidInput.for_field("reference_prefix", _("reference_prefix must be 2-6 capital letters"))
    if not spec.name_zh.strip() or not spec.name_en.strip():
        raise InvalidInput.for_field("name_zh", _("both names are required"))


@transaction.atomic
def create_tenant(actor: Actor, spec: TenantSpec) -> Tenant:
    """Provision a government: its own data key, built-in roles, and an audit chain."""
    from smartgov.accounts.services import ensure_builtin_roles

    _validate(spec)
    if Tenant.objects.filter(slug=spec.slug).exists():
        raise Conflict(_("Tenant %(slug)s exists already.") % {"slug": spec.slug}, code="tenant_exists")
    parent = None
    if spec.parent_slug:
        parent = Tenant.objects.filter(slug=spec.parent_slug).first()
        if parent is None:
            raise InvalidInput.for_field(
                "parent", _("No tenant %(slug)s to be the parent.") % {"slug": spec.parent_slug}
            )
    tenant = Tenant.objects.create(
        slug=spec.slug,
        name_zh=spec.name_zh,
        name_en=spec.name_en,
        kind=spec.kind,
        parent=parent,
        crypto_profile=spec.crypto_profile,
        time_zone=spec.time_zone,
        reference_prefix=spec.reference_prefix,
        wrapped_data_key=keys.new_wrapped_data_key(spec.crypto_profile),
        quota_users=spec.quota_users,
        quota_storage_bytes=spec.quota_storage_bytes,
        is_demo=spec.is_demo,
        created_at=clock.now(),
    )
    changes = {
        "slug": spec.slug,
        "kind": spec.kind,
        "parent": spec.parent_slug,
        "crypto_profile": spec.crypto_profile,
    }
    record(actor=actor, tenant=None, action="tenant.create", obj=tenant, changes=changes)
    with tenant_context(tenant):
        ensure_builtin_roles(tenant)
        record(actor=actor, tenant=tenant, action="tenant.create", obj=tenant, changes=changes)
    return tenant


def _set_status(actor: Actor, tenant: Tenant, status: str, reason: str) -> Tenant:
    if tenant.status == Tenant.Status.ARCHIVED:
        raise Conflict(_("An archived tenant cannot change status."), code="tenant_archived")
    before = tenant.status
    tenant.status = status
    tenant.save(update_fields=["status"])
    changes = {"status": [before, status], "reason": reason}
    record(actor=actor, tenant=None, action=f"tenant.{status}", obj=tenant, changes=changes)
    with tenant_context(tenant):
        record(actor=actor, tenant=tenant, action=f"tenant.{status}", obj=tenant, changes=changes)
    return tenant


@transaction.atomic
def suspend_tenant(actor: Actor, tenant: Tenant, reason: str = "") -> Tenant:
    """Suspended tenants answer 403 ``tenant_suspended`` everywhere; data stays intact."""
    return _set_status(actor, tenant, Tenant.Status.SUSPENDED, reason)


@transaction.atomic
def reactivate_tenant(actor: Actor, tenant: Tenant, reason: str = "") -> Tenant:
    return _set_status(actor, tenant, Tenant.Status.ACTIVE, reason)


@transaction.atomic
def archive_tenant(actor: Actor, tenant: Tenant, reason: str = "") -> Tenant:
    """Archived tenants disappear from service (404) but keep their data and audit trail."""
    return _set_status(actor, tenant, Tenant.Status.ARCHIVED, reason)


@transaction.atomic
def create_department(actor: Actor, tenant: Tenant, code: str, name_zh: str, name_en: str) -> Department:
    if not re.match(r"^[a-z][a-z0-9-]{0,39}$", code):
        raise InvalidInput.for_field("code", _("code must be lowercase letters, digits or '-'"))
    if Department.objects.filter(tenant=tenant, code=code).exists():
        raise Conflict(_("Department %(code)s exists already.") % {"code": code}, code="department_exists")
    department = Department.objects.create(
        tenant=tenant, code=code, name_zh=name_zh, name_en=name_en, created_at=clock.now()
    )
    record(
        actor=actor,
        tenant=tenant,
        action="department.create",
        obj=department,
        changes={"code": code, "name_zh": name_zh, "name_en": name_en},
    )
    return department


@transaction.atomic
def rename_department(
    actor: Actor, tenant: Tenant, department: Department, name_zh: str, name_en: str
) -> Department:
    before = [department.name_zh, department.name_en]
    department.name_zh, department.name_en = name_zh, name_en
    department.save(update_fields=["name_zh", "name_en"])
    record(
        actor=actor,
        tenant=tenant,
        action="department.rename",
        obj=department,
        changes={"names": [before, [name_zh, name_en]]},
    )
    return department
