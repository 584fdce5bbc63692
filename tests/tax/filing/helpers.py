"""Builders for the filing tests: a tenant with a registered agent, payroll files, sessions."""

from __future__ import annotations

import base64
import csv
import io
import random
from datetime import UTC, datetime

from smartgov.accounts import services as accounts
from smartgov.accounts.models import Membership
from smartgov.kit import identity
from smartgov.tax import services
from smartgov.tenancy.context import tenant_context
from tests.builders import SYSTEM, make_citizen, make_member

COLUMNS = [
    "id_number",
    "name",
    "wages",
    "labour",
    "authors",
    "royalties",
    "social_insurance",
    "special_additional",
    "other_deductions",
]
rng = random.Random(11)


def at(year: int, month: int, day: int = 10) -> datetime:
    return datetime(year, month, day, 4, tzinfo=UTC)


def make_agent(tenant, *, vat: bool = False, periodicity: str = "quarter", name: str = "测试科技有限公司"):
    business = make_member(tenant, Membership.Kind.BUSINESS)
    with tenant_context(tenant):
        accounts.set_profile(
            SYSTEM, tenant, business, full_name="法人", company_name=name, uscc=identity.fake_uscc(rng)
        )
        business.refresh_from_db()
        return services.register_taxpayer(SYSTEM, tenant, business, small_scale_vat=vat, vat_periodicity=periodicity)


def make_worker(tenant):
    worker = make_citizen(tenant)
    with tenant_context(tenant):
        worker.refresh_from_db()
        id_number = accounts.reveal_personal_data(SYSTEM, tenant, worker.profile, "id_number")
    return worker, id_number


def payroll_csv(rows: list[dict], columns: list[str] | None = None) -> bytes:
    columns = columns or COLUMNS
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode()


def employee(id_number: str, wages="30000", social="4500", additional="2000", **more) -> dict:
    return {
        "id_number": id_number,
        "name": "张三",
        "wages": wages,
        "social_insurance": social,
        "special_additional": additional,
        **more,
    }


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def file(tenant, agent, period: str, data: bytes, *, amend: bool = False):
    with tenant_context(tenant):
        return services.file_withholding_return(
            SYSTEM, tenant, agent, period=period, data=data, filename="payroll.csv", amend=amend
        )
