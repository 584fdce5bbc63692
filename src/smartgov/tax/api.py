"""Tax: withholding returns, annual reconciliation, small-scale VAT, and the calculation endpoint.

The ``/tax/calculate/...`` operations are stateless: inputs in, figures and their explanation out,
nothing stored, nothing audited. Any authenticated caller of the tenant may use them (an API key of
the tenant with any permission, or a signed-in member: staff, employer or citizen): they reveal
nothing but the published rules, and payroll software should not need a filing permission to
preview a figure. They stay tenant-scoped so a tenant's keys, rate limits and metrics apply.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from smartgov.api.auth import tenant_auth
from smartgov.tax import rules
from smartgov.tax.schemas import (
    Audience,
    Lang,
    ReconciliationIn,
    ReconciliationOut,
    SpecialAdditionalIn,
    VatIn,
    VatOut,
    WagesMonthIn,
    WagesWithholdingOut,
    WagesYearIn,
    WagesYearOut,
    WithholdingPaymentIn,
    WithholdingPaymentOut,
)

router = Router(tags=["tax"], auth=tenant_auth)


class ExplainQuery(Schema):
    lang: Lang = "zh-Hans"
    audience: Audience = "taxpayer"


def _explained(result: rules.Explained, q: ExplainQuery, **figures: Any) -> dict[str, Any]:
    return {"explanation": result.explain(q.lang, q.audience), "trace": result.trace.as_dict(), **figures}


def _wages_out(r: rules.WagesWithholding, q: ExplainQuery) -> dict[str, Any]:
    return _explained(
        r,
        q,
        period=r.period,
        withholding=r.withholding,
        cumulative_taxable=r.cumulative_taxable,
        cumulative_tax=r.cumulative_tax,
    )


def _special_additional(s: SpecialAdditionalIn, months: int) -> rules.SpecialAdditional:
    return rules.SpecialAdditional(months=months, **s.model_dump())


@router.post(
    "/t/{tenant}/tax/calculate/wages-month",
    response=WagesWithholdingOut,
    summary="Calculate one month's withholding on wages (cumulative method)",
)
def calculate_wages_month(
    request: HttpRequest, tenant: str, payload: WagesMonthIn, q: Query[ExplainQuery]
) -> dict[str, Any]:
    """From the year-to-date figures at one employer: the tax to withhold this month, with every
    figure explained. Amounts in fen. Nothing is stored."""
    return _wages_out(rules.withhold_wages_month(rules.WagesYearToDate(**payload.model_dump())), q)


@router.post(
    "/t/{tenant}/tax/calculate/wages-year",
    response=WagesYearOut,
    summary="Calculate the withholding for consecutive payroll months",
)
def calculate_wages_year(
    request: HttpRequest, tenant: str, payload: WagesYearIn, q: Query[ExplainQuery]
) -> dict[str, Any]:
    """Monthly payroll lines at one employer (e.g. July–December for someone who joined in July);
    each month's declared deductions are checked against their legal caps."""
    months = [
        rules.WagesMonth(
            month=m.month,
            income=m.income,
            exempt_income=m.exempt_income,
            special_deductions=m.special_deductions,
            special_additional=_special_additional(m.special_additional, 1),
            other_deductions=rules.OtherDeductions(**m.other_deductions.model_dump()),
            reliefs=m.reliefs,
        )
        for m in payload.months
    ]
    result = rules.withhold_wages_year(payload.year, months, basic_deduction_rule=payload.basic_deduction_rule)
    return _explained(result, q, months=[_wages_out(m, q) for m in result.months], total_withheld=result.total_withheld)


@router.post(
    "/t/{tenant}/tax/calculate/payment",
    response=WithholdingPaymentOut,
    summary="Calculate withholding on labour remuneration, author's remuneration or royalties",
)
def calculate_payment(
    request: HttpRequest, tenant: str, payload: WithholdingPaymentIn, q: Query[ExplainQuery]
) -> dict[str, Any]:
    """Per payment, by the prepayment rules (800 / 20 % expense, the labour table, 20 % otherwise)."""
    r = rules.withhold_payment(payload.kind, payload.payment, payload.period)
    return _explained(r, q, kind=r.kind, payment=r.payment, income_amount=r.income_amount, withholding=r.withholding)


@router.post(
    "/t/{tenant}/tax/calculate/reconciliation",
    response=ReconciliationOut,
    summary="Calculate an annual reconciliation of comprehensive income",
)
def calculate_reconciliation(
    request: HttpRequest, tenant: str, payload: ReconciliationIn, q: Query[ExplainQuery]
) -> dict[str, Any]:
    """Every employer's and payer's income, deductions and withholding for a year: the tax, the
    refund or amount due, and whether the taxpayer must file."""
    r = rules.annual_reconciliation(
        rules.AnnualReturn(
            year=payload.year,
            employers=[
                rules.EmployerIncome(
                    **e.model_dump(exclude={"other_deductions"}),
                    other_deductions=rules.OtherDeductions(**e.other_deductions.model_dump()),
                )
                for e in payload.employers
            ],
            payments=[rules.PaymentIncome(**p.model_dump()) for p in payload.payments],
            bonus=rules.Bonus(**payload.bonus.model_dump()) if payload.bonus else None,
            bonus_method=payload.bonus_method,
            special_additional=_special_additional(payload.special_additional, 12),
            serious_illness_expense=payload.serious_illness_expense,
            other_deductions=rules.OtherDeductions(**payload.other_deductions.model_dump()),
            reliefs=payload.reliefs,
        )
    )
    return _explained(
        r,
        q,
        year=r.year,
        gross_income=r.gross_income,
        comprehensive_income=r.comprehensive_income,
        deductions=r.deductions,
        taxable=r.taxable,
        total_tax=r.total_tax,
        prepaid=r.prepaid,
        balance=r.balance,
        outcome=r.outcome,
        filing_required=r.filing_required,
        reason=r.reason,
    )


@router.post(
    "/t/{tenant}/tax/calculate/vat",
    response=VatOut,
    summary="Calculate a small-scale VAT return with its surcharges",
)
def calculate_vat(request: HttpRequest, tenant: str, payload: VatIn, q: Query[ExplainQuery]) -> dict[str, Any]:
    """Monthly (YYYY-MM) or quarterly (YYYYQn): exemption threshold, reduced rate, surcharges and
    their halving, as in force for the period."""
    r = rules.vat_small_scale_return(rules.VatSales(**payload.model_dump()))
    return _explained(
        r,
        q,
        period=r.period,
        sales_total=r.sales_total,
        below_threshold=r.below_threshold,
        vat=r.vat,
        vat_relief=r.vat_relief,
        urban_maintenance=r.urban_maintenance,
        education=r.education,
        local_education=r.local_education,
        surcharges=r.surcharges,
        total_payable=r.total_payable,
    )


from smartgov.tax.filing_api import router as filing_router  # noqa: E402

router.add_router("", filing_router)
