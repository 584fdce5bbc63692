"""Builders: small functions that make the data a test needs, visibly, in the test itself."""

from __future__ import annotations

import itertools
import random

from smartgov.accounts import services as accounts
from smartgov.accounts.models import ApiClient, Membership
from smartgov.audit.services import Actor
from smartgov.kit import identity
from smartgov.tenancy import services as tenancy
from smartgov.tenancy.context import tenant_context
from smartgov.tenancy.models import Department, Tenant

SYSTEM = Actor.system("tests")
PASSWORD = "correct-horse-battery-staple"
_counter = itertools.count(1)
_rng = random.Random(7)


def make_tenant(
    slug: str | None = None, *, kind: str = "city", crypto_profile: str = "intl", parent: str | None = None
) -> Tenant:
    n = next(_counter)
    slug = slug or f"city{n}"
    prefix = "".join(c for c in slug.upper() if c.isalpha())[:4] or "T"
    spec = tenancy.TenantSpec(
        slug=slug,
        name_zh=f"测试{n}",
        name_en=f"Test {n}",
        kind=kind,
        reference_prefix=(prefix + "XX")[: max(2, len(prefix))],
        crypto_profile=crypto_profile,
        parent_slug=parent,
    )
    return tenancy.create_tenant(SYSTEM, spec)


def make_department(tenant: Tenant, code: str = "civil-affairs") -> Department:
    with tenant_context(tenant):
        return tenancy.create_department(SYSTEM, tenant, code, "民政局", "Civil affairs")


def make_member(
    tenant: Tenant, kind: str = Membership.Kind.STAFF, roles: tuple[str, ...] = (), email: str | None = None
) -> Membership:
    email = email or f"person{next(_counter)}@{tenant.slug}.test"
    with tenant_context(tenant):
        return accounts.add_member(
            SYSTEM, tenant, email=email, kind=kind, full_name="测试人员", password=PASSWORD, role_codes=roles
        )


def make_citizen(tenant: Tenant, id_number: str | None = None) -> Membership:
    membership = make_member(tenant, Membership.Kind.CITIZEN)
    with tenant_context(tenant):
        accounts.set_profile(
            SYSTEM,
            tenant,
            membership,
            full_name="张三",
            id_number=id_number or identity.fake_resident_id(_rng),
            phone="13812345678",
        )
    return membership


def make_api_key(tenant: Tenant | None, permissions: list[str]) -> tuple[ApiClient, str]:
    with tenant_context(tenant):
        return accounts.create_api_client(SYSTEM, tenant, "test system", permissions)


def bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def enable_totp(user: object) -> str:
    """Set up TOTP for a person, as they would on the MFA page; returns the secret (for pyotp)."""
    import base64
    import os

    from allauth.mfa.totp.internal.auth import TOTP

    secret = base64.b32encode(os.urandom(20)).decode()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str) -> str:
    """The current TOTP code, taken with at least 3 s left in its 30 s step: allauth accepts no
    neighbouring step, so a code read just before the step turns would fail by the time it is sent."""
    import time

    import pyotp

    while 30 - time.time() % 30 < 3:
        time.sleep(0.5)
    return pyotp.TOTP(secret).now()
