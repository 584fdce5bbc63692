"""What every tax service shares: references, the tax bureau (the biller), periods, due dates."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from smartgov.audit.services import Actor
from smartgov.kit import clock
from smartgov.kit.errors import InvalidInput
from smartgov.kit.ids import reference
from smartgov.tax import collection
from smartgov.tax.models import ReferenceCounter
from smartgov.tax.payroll import parse_period
from smartgov.tenancy import selectors as tenancy_selectors
from smartgov.tenancy import services as tenancy_services
from smartgov.tenancy.models import Department, Tenant

TAX_BUREAU_CODE = "tax-bureau"  # the department that bills and collects tax (as the demo world names it)
LATE_CHARGE_PPM = 500  # 0.05 % a day (Tax Collection Administration Law art. 32)
PAYMENT_DAYS = 15  # returns are due, and tax paid, by the 15th of the month after the period


def next_reference(tenant: Tenant, prefix: str, year: int) -> str:
    """``WH-2026-000001``: per tenant, prefix and year; the counter row is locked while it counts."""
    counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(
        tenant=tenant, prefix=prefix, year=year
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return reference(f"{tenant.reference_prefix}{prefix}", year, counter.last)


def tax_bureau(actor: Actor, tenant: Tenant) -> Department:
    """The tenant's tax-bureau department, created on first use."""
    found = tenancy_selectors.departments(tenant).filter(code=TAX_BUREAU_CODE).first()
    if found is not None:
        return found
    bureau = tenancy_services.create_department(actor, tenant, TAX_BUREAU_CODE, "税务局", "Tax bureau")
    # Overdue tax carries the statutory late-payment surcharge, accrued by billing's daily task.
    collection.configure_late_charges(actor, tenant, bureau, LATE_CHARGE_PPM)
    return bureau


def month_period(text: str, field: str = "period") -> tuple[int, int]:
    parsed = parse_period(text or "")
    if parsed is None:
        raise InvalidInput.for_field(field, _("A period is YYYY-MM, e.g. 2026-03."), code="malformed_period")
    year, month = parsed
    today = clock.local_now().date()
    if (year, month) > (today.year, today.month):
        raise InvalidInput.for_field(field, _("The period has not begun yet."), code="future_period")
    if year < 2019:
        raise InvalidInput.for_field(field, _("Returns from 2019 on are filed here."), code="period_unsupported")
    return year, month


def last_month() -> str:
    today = clock.local_now().date()
    return f"{today.year - 1}-12" if today.month == 1 else f"{today.year}-{today.month - 1:02d}"


def due_date_after(year: int, month: int) -> date:
    """The 15th of the following month (the statutory deadline of monthly returns); never in the past."""
    y, m = (year + 1, 1) if month == 12 else (year, month + 1)
    due = date(y, m, min(PAYMENT_DAYS, calendar.monthrange(y, m)[1]))
    today = clock.local_now().date()
    return max(due, today)


def bill_return(
    actor: Actor, tenant: Tenant, filed: Any, *, payer: Any, item: str, due_date: date, source_type: str
) -> None:
    """Bill what a filed return leaves to pay (nothing when it leaves nothing) and link the bill to it."""
    if filed.billed_amount <= 0:
        return
    bill = collection.issue_tax_bill(
        actor,
        tenant,
        bureau=tax_bureau(actor, tenant),
        payer=payer,
        item=item,
        amount=filed.billed_amount,
        due_date=due_date,
        source_type=source_type,
        source_id=str(filed.pk),
    )
    filed.bill_id, filed.bill_reference = bill.id, bill.reference
    filed.save(update_fields=["bill_id", "bill_reference"])
