"""Small-scale VAT returns: filed in the portal or through the API, the tax billed."""

from __future__ import annotations

import re
from datetime import date

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from smartgov.audit.services import Actor, record
from smartgov.kit import clock
from smartgov.kit.errors import Conflict, InvalidInput
from smartgov.tax import computation
from smartgov.tax.models import LIVE, ReturnStatus, Taxpayer, VatReturn
from smartgov.tax.services.common import bill_return, due_date_after, next_reference
from smartgov.tenancy.models import Tenant

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def vat_period(taxpayer: Taxpayer, period: str) -> tuple[date, int, int, int]:
    """(first day, months, year, last month) of a VAT period in the taxpayer's periodicity."""
    period = (period or "").strip().upper()
    quarterly = taxpayer.vat_periodicity == Taxpayer.VatPeriodicity.QUARTER
    match = (_QUARTER if quarterly else _MONTH).match(period)
    if match is None:
        example = "2026-Q1" if quarterly else "2026-03"
        raise InvalidInput.for_field(
            "period",
            _("This taxpayer files %(p)s returns: a period looks like %(e)s.")
            % {"p": taxpayer.vat_periodicity, "e": example},
            code="malformed_period",
        )
    year = int(match.group(1))
    first_month = (int(match.group(2)) - 1) * 3 + 1 if quarterly else int(match.group(2))
    months = 3 if quarterly else 1
    last_month = first_month + months - 1
    today = clock.local_now().date()
    if (year, last_month) >= (today.year, today.month):
        raise InvalidInput.for_field("period", _("A period is filed after it ends."), code="future_period")
    if year < 2019:
        raise InvalidInput.for_field("period", _("Returns from 2019 on are filed here."), code="period_unsupported")
    return date(year, first_month, 1), months, year, last_month


@transaction.atomic
def file_vat_return(
    actor: Actor,
    tenant: Tenant,
    taxpayer: Taxpayer,
    *,
    period: str,
    sales: int,
    special_invoice_sales: int = 0,
    amend: bool = False,
) -> VatReturn:
    if not taxpayer.is_small_scale_vat:
        raise InvalidInput.for_field("taxpayer", _("This taxpayer is not registered for small-scale VAT."))
    _first_day, _months, year, last_month = vat_period(taxpayer, period)
    period = period.strip().upper()
    if sales < 0:
        raise InvalidInput.for_field("sales", _("Sales cannot be negative."), code="negative_amount")
    if not 0 <= special_invoice_sales <= sales:
        raise InvalidInput.for_field(
            "special_invoice_sales",
            _("Special-invoice sales are part of sales: between 0 and sales."),
        )
    live = (
        VatReturn.objects.select_for_update()
        .filter(tenant=tenant, taxpayer=taxpayer, period=period, status__in=LIVE)
        .first()
    )
    if live is not None and not amend:
        raise Conflict(
            _("The VAT return for %(p)s is filed already (%(r)s); file an amended return.")
            % {"p": period, "r": live.reference},
            code="period_already_filed",
        )
    if live is None and amend:
        raise Conflict(_("There is no filed VAT return for %(p)s to amend.") % {"p": period}, code="nothing_to_amend")
    result = computation.small_scale_vat(
        period=period,
        sales=sales,
        special_invoice_sales=special_invoice_sales,
        location=taxpayer.location,
    )
    if live is not None:
        live.status = ReturnStatus.SUPERSEDED
        live.save(update_fields=["status"])
    previous = live.total if live is not None else 0
    filed = VatReturn(
        tenant=tenant,
        reference=next_reference(tenant, "VAT", year),
        taxpayer=taxpayer,
        period=period,
        status=ReturnStatus.AMENDED if live is not None else ReturnStatus.FILED,
        supersedes=live,
        sales=sales,
        special_invoice_sales=special_invoice_sales,
        vat=result.vat,
        urban_construction=result.urban_construction,
        education=result.education,
        local_education=result.local_education,
        total=result.total,
        billed_amount=max(0, result.total - previous),
        explanation=result.explanation,
        filed_at=clock.now(),
    )
    try:
        with transaction.atomic():
            filed.save(force_insert=True)
    except IntegrityError:
        raise Conflict(
            _("The VAT return for %(p)s is filed already.") % {"p": period}, code="period_already_filed"
        ) from None
    bill_return(
        actor,
        tenant,
        filed,
        payer=taxpayer.membership,
        item=_("VAT and surcharges, %(p)s (%(r)s)") % {"p": period, "r": filed.reference},
        due_date=due_date_after(year, last_month),
        source_type="tax.vat_return",
    )
    record(
        actor=actor,
        tenant=tenant,
        action="tax.vat_amended" if live else "tax.vat_filed",
        obj=filed,
        changes={"taxpayer": taxpayer.uscc, "period": period, "sales": sales, "total": result.total},
    )
    return filed
