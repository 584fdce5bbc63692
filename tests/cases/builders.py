"""A small world for case tests: a city, a department, a published service whose form asks for
the applicant's name, identity number, phone and a document, a caseworker, a supervisor and a
citizen with a profile and a document in the wallet. Made visibly, through the apps' services."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from smartgov.accounts.models import Membership
from smartgov.catalogue import services as catalogue
from smartgov.catalogue.models import Service
from smartgov.documents import services as documents
from smartgov.tenancy.context import tenant_context
from smartgov.tenancy.models import Department, Tenant
from tests.builders import SYSTEM, enable_totp, make_citizen, make_member, make_tenant

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
_n = itertools.count(1)

FIELDS: list[dict[str, Any]] = [
    {"name": "full_name", "type": "text", "label": {"zh": "姓名", "en": "Name"}, "required": True},
    {"name": "id_number", "type": "identity_number", "label": {"zh": "身份证号", "en": "ID number"}, "required": True},
    {"name": "phone", "type": "phone", "label": {"zh": "手机", "en": "Phone"}, "required": True},
    {
        "name": "shop_name",
        "type": "text",
        "label": {"zh": "店名", "en": "Shop name"},
        "required": True,
        "min_length": 2,
    },
    {"name": "area", "type": "number", "label": {"zh": "面积", "en": "Area"}, "minimum": 1},
    {"name": "lease", "type": "file", "label": {"zh": "租赁合同", "en": "Lease"}, "required": True},
]


def _choice(value: str, zh: str, en: str) -> dict[str, Any]:
    return {"value": value, "label": {"zh": zh, "en": en}}


# A form with a repeating group whose fields are of every kind a group may hold.
OWNERS_FIELDS: list[dict[str, Any]] = [
    {"name": "shop_name", "type": "text", "label": {"zh": "店名", "en": "Shop name"}, "required": True},
    {
        "name": "owners",
        "type": "group",
        "label": {"zh": "股东", "en": "Shareholders"},
        "required": True,
        "max_items": 3,
        "fields": [
            {"name": "holder", "type": "text", "label": {"zh": "姓名", "en": "Name"}, "required": True},
            {"name": "share", "type": "number", "label": {"zh": "持股比例", "en": "Share"}, "required": True,
             "minimum": 1, "maximum": 100},
            {"name": "paid_in", "type": "money", "label": {"zh": "实缴出资", "en": "Paid in"}},
            {"name": "since", "type": "date", "label": {"zh": "入股日期", "en": "Since"}},
            {"name": "role", "type": "choice", "label": {"zh": "职务", "en": "Role"},
             "choices": [_choice("chair", "董事长", "Chair"), _choice("member", "董事", "Director")]},
            {"name": "duties", "type": "multi_choice", "label": {"zh": "分管", "en": "Duties"},
             "choices": [_choice("finance", "财务", "Finance"), _choice("legal", "法务", "Legal")]},
            {"name": "mobile", "type": "phone", "label": {"zh": "手机", "en": "Mobile"}},
            {"name": "id_number", "type": "identity_number", "label": {"zh": "身份证号", "en": "ID number"}},
        ],
    },
]

# The same with the group's two essential fields only (what the browser walk fills in).
TWO_FIELD_OWNERS: list[dict[str, Any]] = [
    OWNERS_FIELDS[0],
    {**OWNERS_FIELDS[1], "fields": OWNERS_FIELDS[1]["fields"][:2]},
]


YES_NO = [_choice("yes", "是", "Yes"), _choice("no", "否", "No")]
# A form with fields shown only if another answer says so, at the top level and inside a group.
BRANCH_FIELDS: list[dict[str, Any]] = [
    {"name": "shop_name", "type": "text", "label": {"zh": "店名", "en": "Shop name"}, "required": True},
    {"name": "has_branch", "type": "choice", "label": {"zh": "有分店", "en": "Has a branch"}, "required": True,
     "choices": YES_NO},
    {"name": "branch_address", "type": "text", "label": {"zh": "分店地址", "en": "Branch address"},
     "required": True, "show_if": {"field": "has_branch", "equals": "yes"}},
    {"name": "branch_lease", "type": "file", "label": {"zh": "分店租赁合同", "en": "Branch lease"},
     "show_if": {"field": "has_branch", "equals": "yes"}},
    {"name": "staff", "type": "number", "label": {"zh": "员工数", "en": "Staff"}},
    {"name": "canteen_permit", "type": "text", "label": {"zh": "食堂许可", "en": "Canteen permit"},
     "show_if": {"field": "staff", "in": [50, 100]}},
    {"name": "partners", "type": "group", "label": {"zh": "合伙人", "en": "Partners"}, "fields": [
        {"name": "name", "type": "text", "label": {"zh": "姓名", "en": "Name"}, "required": True},
        {"name": "role", "type": "choice", "label": {"zh": "身份", "en": "Role"}, "choices": [
            _choice("investor", "出资人", "Investor"), _choice("manager", "经营者", "Manager")]},
        {"name": "capital", "type": "money", "label": {"zh": "出资额", "en": "Capital"},
         "show_if": {"field": "role", "equals": "investor"}},
    ]},
]


@dataclass
class World:
    tenant: Tenant
    department: Department
    service: Service
    citizen: Membership
    caseworker: Membership
    supervisor: Membership
    lease_id: Any  # a document already in the citizen's wallet
    totp: dict[str, str]  # staff e-mail -> TOTP secret (for signing in through the pages)


def make_service(
    tenant: Tenant,
    department: Department,
    code: str = "food-licence",
    *,
    workflow: dict[str, Any] | None = None,
    fee_fen: int = 0,
    time_limit_days: int = 5,
    delivery_mode: str = "online",
    certificate_validity_months: int | None = 60,
    form_fields: list[dict[str, Any]] | None = None,
) -> Service:
    with tenant_context(tenant):
        service = catalogue.create_service(
            SYSTEM,
            tenant,
            code=code,
            name_zh="食品经营许可",
            name_en="Food business licence",
            department=department,
            time_limit_days=time_limit_days,
            delivery_mode=delivery_mode,
            fee_kind="fixed" if fee_fen else "none",
            fee_fen=fee_fen,
            certificate_validity_months=certificate_validity_months,
        )
        catalogue.save_draft(SYSTEM, tenant, service, form_fields=form_fields or FIELDS, workflow=workflow)
        catalogue.publish_service(SYSTEM, tenant, service)
        service.refresh_from_db()
        return service


def upload(tenant: Tenant, owner: Membership, title: str = "租赁合同") -> Any:
    with tenant_context(tenant):
        return documents.upload(
            SYSTEM, tenant, owner, file_name="lease.pdf", content=PDF, declared_type="application/pdf", title=title
        ).pk


def make_world(slug: str | None = None, *, crypto_profile: str = "intl", **service_options: Any) -> World:
    tenant = make_tenant(slug or f"cw{next(_n)}", crypto_profile=crypto_profile)
    with tenant_context(tenant):
        from smartgov.tenancy import services as tenancy

        department = tenancy.create_department(SYSTEM, tenant, "market-regulation", "市场监管局", "Market regulation")
    service = make_service(tenant, department, **service_options)
    citizen = make_citizen(tenant)
    caseworker = make_member(tenant, roles=("caseworker",))
    supervisor = make_member(tenant, roles=("supervisor",))
    with tenant_context(tenant):
        for staff in (caseworker, supervisor):
            staff.department = department
            staff.save(update_fields=["department"])
    # Staff sessions need two-factor sign-in set up.
    totp = {staff.user.email: enable_totp(staff.user) for staff in (caseworker, supervisor)}
    lease = upload(tenant, citizen)
    return World(tenant, department, service, citizen, caseworker, supervisor, lease, totp)


def answers(world: World, **overrides: Any) -> dict[str, Any]:
    data = {"shop_name": "老王面馆", "area": 42, "lease": str(world.lease_id)}
    data.update(overrides)
    return data
