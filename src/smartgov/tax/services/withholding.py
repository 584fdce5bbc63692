"""Registering withholding agents and filing their monthly withholding returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from smartgov.audit.services import Actor, record
from smartgov.kit import clock, identity
from smartgov.kit.errors import Conflict, InvalidInput
from smartgov.tax import computation, payroll, selectors
from smartgov.tax.models import (
    LIVE,
    DeductionDeclaration,
    ReturnStatus,
    Taxpayer,
    WithholdingLine,
    WithholdingReturn,
)
from smartgov.tax.services.common import bill_return, due_date_after, month_period, next_reference
from smartgov.tenancy import keys
from smartgov.tenancy.models import Tenant

VECTOR_THRESHOLD = 200  # payrolls at least this long go through the vectorised path
ID_PURPOSE = "tax.withholding_line.id_number"


class PayrollRejected(InvalidInput):
    """The payroll has bad rows: nothing was filed; ``details`` lists every (row, column, reason)."""

    code = "payroll_rejected"


@transaction.atomic
def register_taxpayer(
    actor: Actor,
    tenant: Tenant,
    membership: Any,
    *,
    withholding_agent: bool = True,
    small_scale_vat: bool = False,
    vat_periodicity: str = "quarter",
    location: str = "urban",
) -> Taxpayer:
    """Register a business member (with its USCC on its profile) with the tax bureau."""
    if membership.kind != "business":
        raise InvalidInput.for_field("membership", _("Only businesses register as taxpayers."))
    profile = getattr(membership, "profile", None)
    uscc = getattr(profile, "uscc", "") if profile is not None else ""
    if profile is None or not uscc or identity.uscc_problem(uscc):
        raise InvalidInput.for_field("uscc", _("The business needs a valid unified social credit code on its profile."))
    if vat_periodicity not in Taxpayer.VatPeriodicity.values:
        raise InvalidInput.for_field("vat_periodicity", _("vat_periodicity is quarter or month"))
    if location not in Taxpayer.Location.values:
        raise InvalidInput.for_field("location", _("location is urban, county or other"))
    if Taxpayer.objects.filter(tenant=tenant, uscc=uscc).exists():
        raise Conflict(_("This business is registered already."), code="taxpayer_exists")
    taxpayer = Taxpayer.objects.create(
        tenant=tenant,
        membership=membership,
        uscc=uscc,
        name=profile.company_name or profile.full_name,
        is_withholding_agent=withholding_agent,
        is_small_scale_vat=small_scale_vat,
        vat_periodicity=vat_periodicity,
        location=location,
        registered_at=clock.now(),
    )
    record(
        actor=actor,
        tenant=tenant,
        action="tax.taxpayer_registered",
        obj=taxpayer,
        changes={"uscc": uscc, "withholding_agent": withholding_agent, "small_scale_vat": small_scale_vat},
    )
    return taxpayer


@dataclass
class _Prior:
    income: int = 0
    special: int = 0
    additional: int = 0
    other: int = 0
    withheld: int = 0
    months: int = 0


def _prior_figures(tenant: Tenant, agent: Taxpayer, year: int, month: int) -> dict[str, _Prior]:
    """Year-to-date figures of every employee on this agent's live returns before ``month``: one
    grouped query, whatever the payroll's length."""
    rows = (
        WithholdingLine.objects.filter(
            tenant=tenant,
            withholding_return__agent=agent,
            withholding_return__year=year,
            withholding_return__month__lt=month,
            withholding_return__status__in=LIVE,
        )
        .values("id_number_index")
        .annotate(
            income=Sum("wages"),
            special=Sum("social_insurance"),
            additional=Sum("special_additional"),
            other=Sum("other_deductions"),
            withheld=Sum("wage_withholding"),
            months=Count("id"),
        )
    )
    return {
        r["id_number_index"]: _Prior(r["income"], r["special"], r["additional"], r["other"], r["withheld"], r["months"])
        for r in rows
    }


def _declared_caps(tenant: Tenant, year: int, indexes: list[str]) -> dict[str, int]:
    """For employees who declared their special additional deductions on the platform: the annual
    total they declared, which an employer's figures may not exceed."""
    by_member = {m.pk: index for index, m in selectors.members_by_id_index(tenant, indexes).items()}
    if not by_member:
        return {}
    totals = (
        DeductionDeclaration.objects.filter(
            tenant=tenant, year=year, worker_id__in=list(by_member), withdrawn_at__isnull=True
        )
        .exclude(kind__in=["serious_illness", "private_pension"])  # settled at reconciliation only
        .values("worker_id")
        .annotate(total=Sum("annual_amount"))
    )
    return {by_member[t["worker_id"]]: t["total"] for t in totals}


def _check_caps(
    year: int, rows: list[payroll.PayrollRow], indexes: list[str], prior: dict[str, _Prior], caps: dict[str, int]
) -> list[payroll.Problem]:
    problems = []
    pension_cap = computation.private_pension_cap(year)
    for row, index in zip(rows, indexes, strict=True):
        before = prior.get(index, _Prior())
        if before.other + row.amounts["other_deductions"] > pension_cap:
            problems.append(
                payroll.Problem(
                    row.row,
                    "other_deductions",
                    _("beyond the legal cap of %(cap)s a year (private pension)") % {"cap": f"{pension_cap // 100:,}"},
                )
            )
        cap = caps.get(index)
        if cap is not None and before.additional + row.amounts["special_additional"] > cap:
            problems.append(
                payroll.Problem(
                    row.row,
                    "special_additional",
                    _("beyond the %(cap)s the employee declared for the year") % {"cap": f"{cap / 100:,.2f}"},
                )
            )
    return problems


def _compute(
    period: str, rows: list[payroll.PayrollRow], indexes: list[str], prior: dict[str, _Prior]
) -> list[dict[str, Any]]:
    """Each employee's cumulative figures and the month's withholding, scalar or vectorised."""
    befores = [prior.get(index, _Prior()) for index in indexes]
    cumulative = [
        computation.Cumulative(
            period=period,
            income=b.income + r.amounts["wages"],
            months=b.months + 1,
            special=b.special + r.amounts["social_insurance"],
            special_additional=b.additional + r.amounts["special_additional"],
            other=b.other + r.amounts["other_deductions"],
            withheld_before=b.withheld,
        )
        for r, b in zip(rows, befores, strict=True)
    ]
    if len(rows) >= VECTOR_THRESHOLD:
        wage = computation.wage_withholding_many(period, cumulative)
    else:
        wage = [computation.wage_withholding(c) for c in cumulative]
    out = []
    for r, c, w in zip(rows, cumulative, wage, strict=True):
        other_tax = 0
        traces: dict[str, Any] = {"wages": w.explanation}
        for kind in ("labour", "authors", "royalties"):
            if r.amounts[kind]:
                tax_k, trace_k = computation.payment_withholding(kind, r.amounts[kind], period)
                other_tax += tax_k
                traces[kind] = trace_k
        out.append(
            {
                "months_employed": c.months,
                "ytd_income": c.income,
                "ytd_deductions": c.income - w.taxable if w.taxable else min(c.income, _deductions(c)),
                "ytd_taxable": w.taxable,
                "ytd_tax": w.tax,
                "ytd_withheld_before": c.withheld_before,
                "wage_withholding": w.withholding,
                "other_withholding": other_tax,
                "withholding": w.withholding + other_tax,
                "explanation": traces,
            }
        )
    return out


def _deductions(c: computation.Cumulative) -> int:
    return computation.basic_deduction_month(c.period) * c.months + c.special + c.special_additional + c.other


@transaction.atomic
def file_withholding_return(
    actor: Actor, tenant: Tenant, agent: Taxpayer, *, period: str, data: bytes, filename: str, amend: bool = False
) -> WithholdingReturn:
    """Check the payroll, compute every employee's withholding with the cumulative method, file the
    return and bill its total. Bad rows: ``PayrollRejected`` listing all of them, nothing filed.
    A period already filed: 409 unless ``amend``, which supersedes the live return."""
    year, month = month_period(period)
    if not agent.is_withholding_agent:
        raise InvalidInput.for_field("agent", _("This taxpayer is not registered as a withholding agent."))
    live = (
        WithholdingReturn.objects.select_for_update()
        .filter(tenant=tenant, agent=agent, period=period, status__in=LIVE)
        .first()
    )
    if live is not None and not amend:
        raise Conflict(
            _("The return for %(period)s is filed already (%(ref)s); file an amended return to correct it.")
            % {"period": period, "ref": live.reference},
            code="period_already_filed",
        )
    if live is None and amend:
        raise Conflict(
            _("There is no filed return for %(period)s to amend.") % {"period": period}, code="nothing_to_amend"
        )
    sheet = payroll.read(data, filename, period=period)
    indexes = [keys.blind_index(tenant, row.id_number) for row in sheet.rows]
    prior = _prior_figures(tenant, agent, year, month)
    problems = sheet.problems + _check_caps(year, sheet.rows, indexes, prior, _declared_caps(tenant, year, indexes))
    if problems:
        raise _rejected(sorted(problems, key=lambda p: (p.row, p.column)))
    figures = _compute(period, sheet.rows, indexes, prior)

    if live is not None:
        live.status = ReturnStatus.SUPERSEDED
        live.save(update_fields=["status"])
    total = sum(f["withholding"] for f in figures)
    previous_total = live.total_withholding if live is not None else 0
    filed = WithholdingReturn(
        tenant=tenant,
        reference=next_reference(tenant, "WH", year),
        agent=agent,
        period=period,
        year=year,
        month=month,
        status=ReturnStatus.AMENDED if live is not None else ReturnStatus.FILED,
        supersedes=live,
        employee_count=len(sheet.rows),
        total_income=sum(sum(r.amounts[k] for k in payroll.INCOME_KINDS) for r in sheet.rows),
        total_withholding=total,
        billed_amount=max(0, total - previous_total),
        overpaid=max(0, previous_total - total),
        source_name=filename[:200],
        filed_by=actor.label[:200],
        filed_at=clock.now(),
    )
    try:
        with transaction.atomic():
            filed.save(force_insert=True)
    except IntegrityError:  # a concurrent filing of the same period won the race
        raise Conflict(
            _("The return for %(period)s is filed already.") % {"period": period}, code="period_already_filed"
        ) from None
    WithholdingLine.objects.bulk_create(
        [
            WithholdingLine(
                tenant=tenant,
                withholding_return=filed,
                row=row.row,
                id_number_cipher=keys.encrypt(tenant, row.id_number, ID_PURPOSE),
                id_number_index=index,
                id_number_masked=identity.mask(row.id_number),
                name=row.name,
                **{k: row.amounts[k] for k in payroll.AMOUNT_COLUMNS},
                **figure,
            )
            for row, index, figure in zip(sheet.rows, indexes, figures, strict=True)
        ],
        batch_size=1000,
    )
    bill_return(
        actor,
        tenant,
        filed,
        payer=agent.membership,
        item=_("Individual income tax withheld, %(period)s (%(ref)s)") % {"period": period, "ref": filed.reference},
        due_date=due_date_after(year, month),
        source_type="tax.withholding_return",
    )
    record(
        actor=actor,
        tenant=tenant,
        action="tax.withholding_amended" if live is not None else "tax.withholding_filed",
        obj=filed,
        changes={
            "agent": agent.uscc,
            "period": period,
            "employees": filed.employee_count,
            "total_withholding": total,
            "billed": filed.billed_amount,
            "supersedes": live.reference if live is not None else None,
        },
    )
    return filed


def _rejected(problems: list[payroll.Problem]) -> PayrollRejected:
    return PayrollRejected(
        _("The payroll has %(n)d problem(s); nothing was filed.") % {"n": len(problems)},
        details=[p.as_dict() for p in problems],
    )
