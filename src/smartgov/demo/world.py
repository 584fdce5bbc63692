"""The demo world: a province with two cities, a national agency, their departments, staff,
citizens and businesses with fictional but checksum-valid identity numbers.

Loading is idempotent: a second run finds the world and only rotates the demo API keys (a key is
shown once, so a fresh one is the only way to print one again)."""

from __future__ import annotations

import base64
import hashlib
import random
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP

from smartgov.accounts import selectors as accounts_selectors
from smartgov.accounts import services as accounts
from smartgov.accounts.models import Membership, User
from smartgov.audit.services import Actor
from smartgov.billing import demo as billing_demo
from smartgov.cases import demo as cases_demo
from smartgov.catalogue import demo as catalogue_demo
from smartgov.documents import demo as documents_demo
from smartgov.kit import identity
from smartgov.notices import demo as notices_demo
from smartgov.tax import demo as tax_demo
from smartgov.tenancy import selectors as tenancy_selectors
from smartgov.tenancy import services as tenancy
from smartgov.tenancy.context import tenant_context
from smartgov.tenancy.models import Tenant

PASSWORD = "smartgov-demo-2026"  # noqa: S105 - demo accounts only, printed by `smartgov demo`
API_CLIENT_NAME = "Demo integration"
# Each domain app loads its own demo records per city, in dependency order; each loader is idempotent.
DOMAIN_DEMOS = [catalogue_demo, documents_demo, notices_demo, cases_demo, billing_demo, tax_demo]
ACTOR = Actor.system("smartgov demo")

TENANTS = [
    # slug, name_zh, name_en, kind, prefix, parent, crypto profile, identity area code
    ("zhejiang", "浙江省（演示）", "Zhejiang Province (demo)", "province", "ZJ", None, "intl", "330106"),
    ("lishui", "丽水市（演示）", "Lishui City (demo)", "city", "LS", "zhejiang", "intl", "331102"),
    ("dalian", "大连市（演示）", "Dalian City (demo)", "city", "DL", "zhejiang", "gm", "210202"),
    (
        "cma",
        "中国气象局（演示）",
        "China Meteorological Administration (demo)",
        "agency",
        "QX",
        None,
        "intl",
        "110108",
    ),
]
CITY_DEPARTMENTS = [
    ("tax-bureau", "税务局", "Tax bureau"),
    ("civil-affairs", "民政局", "Civil affairs bureau"),
    ("water-utility", "自来水公司", "Water utility"),
    ("traffic-police", "交警支队", "Traffic police"),
    ("market-regulation", "市场监督管理局", "Market regulation administration"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "华",
    "建国",
]
BUSINESSES = [
    "绿谷茶业有限公司",
    "瓯江物流有限公司",
    "山海餐饮管理有限公司",
    "青瓷文化传播有限公司",
    "云和木玩制造有限公司",
]


@dataclass
class Logins:
    people: list[tuple[str, str, str]] = field(default_factory=list)  # role, email, TOTP secret or ""
    api_keys: list[tuple[str, str]] = field(default_factory=list)  # tenant slug, key


def demo_totp_secret(email: str) -> str:
    """Deterministic per demo account, so every run prints the same secret (demo only)."""
    return base64.b32encode(hashlib.sha256(b"smartgov-demo-totp:" + email.encode()).digest()[:20]).decode()


def _verified_user(email: str, full_name: str, *, operator: bool = False) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, PASSWORD, full_name=full_name, is_operator=operator)
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def _with_totp(user: User) -> str:
    secret = demo_totp_secret(user.email)
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, secret)
    return secret


def _load_city(tenant: Tenant, area: str, rng: random.Random, logins: Logins) -> None:
    departments = {
        code: tenancy.create_department(ACTOR, tenant, code, zh, en) for code, zh, en in CITY_DEPARTMENTS
    }
    staff = [
        ("admin", "tenant administrator", Membership.Kind.ADMIN, None, ["tenant_admin"]),
        ("staff", "caseworker", Membership.Kind.STAFF, "civil-affairs", ["caseworker"]),
        ("supervisor", "supervisor", Membership.Kind.STAFF, "civil-affairs", ["supervisor"]),
        ("tax", "tax officer", Membership.Kind.STAFF, "tax-bureau", ["caseworker"]),
        ("auditor", "auditor", Membership.Kind.STAFF, None, ["auditor"]),
    ]
    for local, label, kind, dept, roles in staff:
        email = f"{local}@{tenant.slug}.demo"
        user = _verified_user(email, f"{tenant.name_zh[:2]}{label}")
        accounts.add_member(
            ACTOR,
            tenant,
            email=email,
            kind=kind,
            department=departments[dept] if dept else None,
            role_codes=roles,
        )
        logins.people.append((f"{tenant.slug} {label}", email, _with_totp(user)))
    for i in range(21):
        email = f"citizen@{tenant.slug}.demo" if i == 0 else f"citizen{i:02d}@{tenant.slug}.demo"
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        user = _verified_user(email, name)
        membership = accounts.add_member(ACTOR, tenant, email=email, kind=Membership.Kind.CITIZEN)
        phone = f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"
        accounts.set_profile(
            ACTOR,
            tenant,
            membership,
            full_name=name,
            id_number=identity.fake_resident_id(rng, area),
            phone=phone,
        )
        if i == 0:
            logins.people.append((f"{tenant.slug} citizen", email, ""))
    for i, company in enumerate(BUSINESSES):
        email = f"business{i + 1}@{tenant.slug}.demo"
        _verified_user(email, company)
        membership = accounts.add_member(ACTOR, tenant, email=email, kind=Membership.Kind.BUSINESS)
        accounts.set_profile(
            ACTOR,
            tenant,
            membership,
            full_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
            company_name=company,
            uscc=identity.fake_uscc(rng, area),
        )
        if i == 0:
            logins.people.append((f"{tenant.slug} business", email, ""))


def _rotate_api_key(tenant: Tenant, logins: Logins) -> None:
    for client in accounts_selectors.api_clients(tenant).filter(
        name=API_CLIENT_NAME, revoked_at__isnull=True
    ):
        accounts.revoke_api_client(ACTOR, tenant, client)
    _client, key = accounts.create_api_client(
        ACTOR, tenant, API_CLIENT_NAME, ["people.read", "departments.read", "audit.read"]
    )
    logins.api_keys.append((tenant.slug, key))


def load() -> tuple[Logins, bool]:
    """Load the world if it is not there; return the logins and whether anything was created."""
    logins = Logins()
    created = not Tenant.objects.filter(slug="zhejiang").exists()
    operator = _verified_user("operator@smartgov.demo", "平台运维", operator=True)
    logins.people.append(("platform operator", operator.email, _with_totp(operator)))
    rng = random.Random(20261123)  # the same fictional people every time
    for slug, name_zh, name_en, kind, prefix, parent, crypto, area in TENANTS:
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            spec = tenancy.TenantSpec(
                slug=slug,
                name_zh=name_zh,
                name_en=name_en,
                kind=kind,
                reference_prefix=prefix,
                parent_slug=parent,
                crypto_profile=crypto,
                is_demo=True,
            )
            tenant = tenancy.create_tenant(ACTOR, spec)
            with tenant_context(tenant):
                if kind == "city":
                    _load_city(tenant, area, rng, logins)
                else:
                    email = f"admin@{slug}.demo"
                    user = _verified_user(email, f"{name_zh[:2]}管理员")
                    accounts.add_member(
                        ACTOR, tenant, email=email, kind=Membership.Kind.ADMIN, role_codes=["tenant_admin"]
                    )
                    logins.people.append((f"{slug} tenant administrator", email, _with_totp(user)))
        elif kind == "city":
            for local in ("admin", "staff", "supervisor", "tax", "auditor"):
                logins.people.append(
                    (f"{slug} {local}", f"{local}@{slug}.demo", demo_totp_secret(f"{local}@{slug}.demo"))
                )
            logins.people.append((f"{slug} citizen", f"citizen@{slug}.demo", ""))
        if kind == "city":
            with tenant_context(tenant):
                _rotate_api_key(tenant, logins)
                for module in DOMAIN_DEMOS:
                    module.load(tenant, random.Random(f"{slug}:{module.__name__}"))
    return logins, created


def demo_tenants() -> list[Tenant]:
    return [t for t in tenancy_selectors.tenants() if t.is_demo]
