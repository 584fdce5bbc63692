"""The one place the filing side asks for tax figures: an adapter over the rules core.

Filing, reconciliation and VAT services call only these functions, with their own records' figures
in integer fen, and get back figures plus an explanation trace in the rules core's shape
(``{"rule", "title", "figures": [{"key", "value", "unit", "label", "formula"}, ...]}``) that pages
render as-is. Every figure is the rules core's (``smartgov.tax.rules``): wages (scalar and
vectorised), per-payment withholding, VAT, a portal declaration's yearly amount and the annual
reconciliation. What is left here is translation: the platform's records (payroll columns, the
portal's declaration details, the reconciliation's result vocabulary) into the rules core's inputs
and back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np

from smartgov.kit.errors import InvalidInput
from smartgov.kit.money import parse_amount
from smartgov.tax import rules

if TYPE_CHECKING:
    from smartgov.tax.selectors import EmployerFigures


def private_pension_cap(year: int) -> int:
    """The yearly cap of other deductions a payroll may apply (the private pension's, a dated parameter)."""
    return int(rules.param("iit.other.private_pension_cap", date(year, 1, 1)).value)


def basic_deduction_month(period: str) -> int:
    return int(rules.param("iit.basic_deduction_monthly", rules.parse_period(period).start).value)


@dataclass(frozen=True)
class Cumulative:
    """Year-to-date figures with one withholding agent, this month included (fen)."""

    period: str
    income: int
    months: int
    special: int  # social insurance and housing fund
    special_additional: int
    other: int
    withheld_before: int

    def ytd(self) -> rules.WagesYearToDate:
        return rules.WagesYearToDate(
            period=self.period,
            months_employed=self.months,
            cumulative_income=self.income,
            cumulative_special_deductions=self.special,
            cumulative_special_additional=self.special_additional,
            cumulative_other_deductions=self.other,
            cumulative_withheld=self.withheld_before,
        )


@dataclass(frozen=True)
class WageResult:
    taxable: int
    tax: int
    withholding: int
    explanation: dict[str, Any]  # compact: what reproduces the trace (see ``expand``)


WAGE_RULE = "withhold_wages_month"
PAYMENT_RULE = "withhold_payment"


def _wage_record(c: Cumulative, taxable: int, tax: int, withholding: int) -> dict[str, Any]:
    """A stored explanation: the rule, its inputs and the figures it gave. A return line keeps this
    (a few hundred bytes, not the full trace's 6 KB); ``expand`` recomputes the full trace from it
    through the rules core, whose parameters are dated, so the same inputs give the same trace."""
    ytd = c.ytd()
    return {
        "rule": WAGE_RULE,
        "period": c.period,
        "inputs": {
            "months_employed": ytd.months_employed,
            "cumulative_income": ytd.cumulative_income,
            "cumulative_special_deductions": ytd.cumulative_special_deductions,
            "cumulative_special_additional": ytd.cumulative_special_additional,
            "cumulative_other_deductions": ytd.cumulative_other_deductions,
            "cumulative_withheld": ytd.cumulative_withheld,
        },
        "figures": {"cumulative_taxable": taxable, "cumulative_tax": tax, "withholding": withholding},
    }


def wage_withholding(c: Cumulative) -> WageResult:
    """Cumulative withholding on wages (the rules core's scalar path)."""
    result = rules.withhold_wages_month(c.ytd())
    record = _wage_record(c, result.cumulative_taxable, result.cumulative_tax, result.withholding)
    return WageResult(result.cumulative_taxable, result.cumulative_tax, result.withholding, record)


def wage_withholding_many(period: str, cumulative: list[Cumulative]) -> list[WageResult]:
    """The rules core's vectorised path (numpy int64) for a large payroll: the same figures as the
    scalar path (the rules core's property test), without a per-row computation."""

    def column(name: str) -> np.ndarray:
        return np.fromiter((getattr(c, name) for c in cumulative), dtype=np.int64, count=len(cumulative))

    zero = np.zeros(len(cumulative), dtype=np.int64)
    population = rules.Population(
        months_employed=column("months"),
        cumulative_income=column("income"),
        cumulative_exempt_income=zero,
        cumulative_special_deductions=column("special"),
        cumulative_special_additional=column("special_additional"),
        cumulative_other_deductions=column("other"),
        cumulative_reliefs=zero,
        cumulative_withheld=column("withheld_before"),
    )
    result = rules.withhold_population(population, period)
    taxable, tax, withholding = (
        a.tolist() for a in (result.cumulative_taxable, result.cumulative_tax, result.withholding)
    )
    return [
        WageResult(taxable[i], tax[i], withholding[i], _wage_record(c, taxable[i], tax[i], withholding[i]))
        for i, c in enumerate(cumulative)
    ]


def expand(record: dict[str, Any]) -> dict[str, Any]:
    """The full trace (rules core's shape) of a stored explanation; a record that already is a full
    trace (reconciliation, VAT, deductions) is returned as it is. If the recomputed figures differ
    from the stored ones (they never should), the trace says so rather than hiding it."""
    if not isinstance(record, dict) or "inputs" not in record:
        return record
    if record.get("rule") == WAGE_RULE:
        again = rules.withhold_wages_month(rules.WagesYearToDate(period=record["period"], **record["inputs"]))
        got = {
            "cumulative_taxable": again.cumulative_taxable,
            "cumulative_tax": again.cumulative_tax,
            "withholding": again.withholding,
        }
    elif record.get("rule") == PAYMENT_RULE:
        inputs = record["inputs"]
        again_p = rules.withhold_payment(inputs["kind"], inputs["payment"], record["period"])
        trace = again_p.trace.as_dict()
        got = {"withholding": again_p.withholding}
        return {**trace, "stored": record["figures"], "consistent": got == record["figures"]}
    else:
        return record
    return {**again.trace.as_dict(), "stored": record["figures"], "consistent": got == record["figures"]}


# Payroll columns → the rules core's names of the income kinds.
PAYMENT_KINDS = {"labour": "labour_remuneration", "authors": "author_remuneration", "royalties": "royalties"}


def payment_withholding(kind: str, payment: int, period: str) -> tuple[int, dict[str, Any]]:
    """Per-payment withholding on labour remuneration, author's remuneration and royalties, with
    its compact stored explanation."""
    if payment <= 0:
        return 0, {}
    result = rules.withhold_payment(PAYMENT_KINDS[kind], payment, period)
    record = {
        "rule": PAYMENT_RULE,
        "period": period,
        "inputs": {"kind": PAYMENT_KINDS[kind], "payment": payment},
        "figures": {"withholding": result.withholding},
    }
    return result.withholding, record


@dataclass(frozen=True)
class AnnualResult:
    income: int  # comprehensive income amount (综合所得收入额)
    deductions: int
    taxable: int
    tax: int
    prepaid: int
    balance: int
    result: str  # refund / due / exempt / nil
    explanation: dict[str, Any]  # the rules core's trace


def _result(r: rules.Reconciliation) -> str:
    """The stored vocabulary: 'exempt' is tax due that the law does not require the worker to file for."""
    if r.outcome == "refund":
        return "refund"
    if r.outcome == "settled":
        return "nil"
    return "due" if r.filing_required else "exempt"


def annual_return(
    year: int, employers: Sequence[EmployerFigures], declarations: Sequence[rules.Declaration]
) -> rules.AnnualReturn:
    """The rules core's input from the employers' returns for the year and the worker's declarations.

    A return line carries one withholding for everything on it (wages and per-payment withholding),
    so each employer's ``withheld`` is that total and its payments carry none of their own; the
    payroll's other-deductions column is the private pension (the payroll checks it against that cap)."""
    declared = rules.annual_declarations(year, declarations)
    return rules.AnnualReturn(
        year=year,
        employers=[
            rules.EmployerIncome(
                employer=e.uscc,
                wages=e.wages,
                withheld=e.withheld,
                special_deductions=e.special,
                special_additional=e.special_additional,
                other_deductions=rules.OtherDeductions(private_pension=e.other),
            )
            for e in employers
        ],
        payments=[
            rules.PaymentIncome(kind=PAYMENT_KINDS[column], amount=getattr(e, column))
            for e in employers
            for column in PAYMENT_KINDS
            if getattr(e, column)
        ],
        special_additional=declared.special_additional,
        serious_illness_expense=declared.serious_illness_expense,
        other_deductions=declared.other_deductions,
    )


def annual_reconciliation(
    year: int, employers: Sequence[EmployerFigures], declarations: Sequence[rules.Declaration] = ()
) -> AnnualResult:
    """The worker's annual reconciliation, every figure by the rules core's ``annual_reconciliation``."""
    r = rules.annual_reconciliation(annual_return(year, employers, declarations))
    return AnnualResult(
        income=r.comprehensive_income,
        deductions=r.deductions,
        taxable=r.taxable,
        tax=r.total_tax,
        prepaid=r.prepaid,
        balance=r.balance,
        result=_result(r),
        explanation=r.trace.as_dict(),
    )


# --- small-scale VAT ----------------------------------------------------------------------------


@dataclass(frozen=True)
class VatResult:
    vat: int
    urban_construction: int
    education: int
    local_education: int
    total: int
    explanation: dict[str, Any]


_LOCATIONS = {"urban": "urban", "county": "county_town", "other": "other"}


def small_scale_vat(*, period: str, sales: int, special_invoice_sales: int, location: str) -> VatResult:
    """Small-scale VAT for a period (YYYY-MM or YYYY-Qn) on tax-exclusive sales, by the rules core."""
    result = rules.vat_small_scale_return(
        rules.VatSales(
            period=period.replace("-Q", "Q"),
            sales_ordinary=sales - special_invoice_sales,
            sales_special_invoice=special_invoice_sales,
            prices_include_tax=False,
            location=_LOCATIONS[location],
        )
    )
    return VatResult(
        result.vat,
        result.urban_maintenance,
        result.education,
        result.local_education,
        result.total_payable,
        result.trace.as_dict(),
    )


# --- declarations of deductions ----------------------------------------------------------------

# The portal's city tiers (1, 2, 3 as the form offers them) → the rules core's names.
CITY_TIERS = {"1": "major", "2": "large", "3": "other"}


def _int(details: dict[str, Any], name: str, default: int) -> int:
    value = details.get(name, default)
    try:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput.for_field(name, f"{name} must be a whole number.") from None


def _fen(details: dict[str, Any], name: str) -> int:
    try:
        return parse_amount(details.get(name, 0))
    except (TypeError, ValueError):
        raise InvalidInput.for_field(name, f"{name} must be an amount in yuan.") from None


def _flag(details: dict[str, Any], name: str, default: bool) -> bool:
    value = details.get(name, default)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def declaration(kind: str, year: int, details: dict[str, Any]) -> rules.Declaration:
    """The rules core's declaration from the portal's details (amounts in yuan, tiers 1–3)."""
    tier = details.get("city_tier")
    return rules.Declaration(
        kind=kind,
        year=year,
        months=_int(details, "months", 12),
        children=_int(details, "children", 1),
        share_percent=_int(details, "share_percent", 100),
        certificate=_flag(details, "certificate", False),
        city_tier=CITY_TIERS.get(str(tier), str(tier)) if tier not in (None, "") else None,
        only_child=_flag(details, "only_child", True),
        monthly_share=_fen(details, "monthly_share"),
        out_of_pocket=_fen(details, "out_of_pocket"),
        contributions=_fen(details, "contributions"),
    )


def deduction_amount(kind: str, year: int, details: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """The yearly amount (fen) of one declared deduction within its legal cap, and its trace, by the
    rules core. Raises ``InvalidInput`` naming the field for a malformed or over-cap declaration."""
    result = rules.declaration_amount(declaration(kind, year, details))
    return result.amount, result.trace.as_dict()
