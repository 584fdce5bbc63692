"""The one place the filing side asks for tax figures: an adapter over the rules core.

Filing, reconciliation and VAT services call only these functions, with their own records' figures
in integer fen, and get back figures plus an explanation trace in the rules core's shape
(``{"rule", "title", "figures": [{"key", "value", "unit", "label", "formula"}, ...]}``) that pages
render as-is. Wages (scalar and vectorised), per-payment withholding, VAT and the annual table are
the rules core's (``smartgov.tax.rules``). Two pieces are still computed here from the records the
platform holds: the reconciliation's combination of pre-filled amounts (the rules core's
``annual_reconciliation`` takes deductions as per-kind declarations, while employers' returns carry
one applied total) and the annual amount of a portal declaration; both are the seam to move into
the rules core next.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from smartgov.tax import rules

BASIC_DEDUCTION_MONTH = 500_000
BASIC_DEDUCTION_YEAR = 6_000_000
PRIVATE_PENSION_CAP_YEAR = 1_200_000
EXEMPT_INCOME_CEILING = 12_000_000  # reconciliation: income ≤ 120,000 with tax due → no filing
EXEMPT_DUE_CEILING = 40_000  # or tax due ≤ 400
LAW_ANNUAL = "个人所得税法 第二条、第三条、第六条 (comprehensive income, table 1)"


def round_half_up(numerator: int, denominator: int) -> int:
    """Integer division rounded half away from zero: the law rounds tax to the fen this way."""
    sign = -1 if (numerator < 0) != (denominator < 0) else 1
    q, r = divmod(abs(numerator), abs(denominator))
    return sign * (q + (1 if 2 * r >= abs(denominator) else 0))


def _step(label: str, formula: str, value: int, key: str = "") -> dict[str, Any]:
    """One figure of a trace, in the rules core's shape, so pages render both alike."""
    return {
        "key": key or label.replace(" ", "_"),
        "value": value,
        "unit": "fen",
        "rule": "",
        "label": {"en": label},
        "formula": {"en": formula},
    }


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


def counted_income(wages: int, labour: int, authors: int, royalties: int) -> int:
    """Comprehensive income as the annual computation counts it (labour and royalties at 80 %,
    author's remuneration at 56 %)."""
    return (
        wages + round_half_up(labour * 80, 100) + round_half_up(authors * 56, 100) + round_half_up(royalties * 80, 100)
    )


@dataclass(frozen=True)
class AnnualResult:
    income: int
    deductions: int
    taxable: int
    tax: int
    prepaid: int
    balance: int
    result: str  # refund / due / exempt / nil
    explanation: dict[str, Any]


def annual_reconciliation(
    *,
    year: int,
    wages: int,
    labour: int,
    authors: int,
    royalties: int,
    special: int,
    special_additional: int,
    other: int,
    prepaid: int,
) -> AnnualResult:
    income = counted_income(wages, labour, authors, royalties)
    other_capped = min(other, PRIVATE_PENSION_CAP_YEAR)
    deductions = BASIC_DEDUCTION_YEAR + special + special_additional + other_capped
    taxable = max(0, income - deductions)
    tax = rules.annual_tax(taxable, year)  # the annual table in force for the year (dated parameter)
    balance = tax - prepaid
    if balance < 0:
        result = "refund"
    elif balance == 0:
        result = "nil"
    elif income <= EXEMPT_INCOME_CEILING or balance <= EXEMPT_DUE_CEILING:
        result = "exempt"
    else:
        result = "due"
    explanation = {
        "rule": "iit.annual_reconciliation",
        "title": {"zh-Hans": f"{year} 年度综合所得汇算清缴", "en": f"Annual reconciliation, {year}"},
        "law": LAW_ANNUAL + "; 汇算清缴 免于办理: 综合所得≤12万元且需补税, 或补税≤400元",
        "parameters": {
            "basic_deduction_year": BASIC_DEDUCTION_YEAR,
            "private_pension_cap": PRIVATE_PENSION_CAP_YEAR,
            "exempt_income_ceiling": EXEMPT_INCOME_CEILING,
            "exempt_due_ceiling": EXEMPT_DUE_CEILING,
            "annual_table": "iit.annual_table",
        },
        "inputs": {
            "wages": wages,
            "labour": labour,
            "authors": authors,
            "royalties": royalties,
            "special": special,
            "special_additional": special_additional,
            "other": other,
            "prepaid": prepaid,
        },
        "figures": [
            _step("comprehensive income", "wages + labour × 80 % + author's × 56 % + royalties × 80 %", income),
            _step("deductions", "60,000 + special + special additional + other (pension ≤ 12,000)", deductions),
            _step("taxable income", "income − deductions (not below 0)", taxable),
            _step("annual tax", "taxable × rate − quick deduction", tax),
            _step("balance", "annual tax − tax prepaid (> 0 due, < 0 refund)", balance),
        ],
        "result": balance,
    }
    return AnnualResult(income, deductions, taxable, tax, prepaid, balance, result, explanation)


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


# --- special additional deductions --------------------------------------------------------------


class DeductionRefused(ValueError):
    """A declaration beyond what the law allows; ``field`` names the offending detail."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _from_2023(year: int, new: int, old: int) -> int:
    return new if year >= 2023 else old


def deduction_amount(kind: str, year: int, details: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """The annual amount (fen) of one declared special additional deduction, within its legal cap
    (国发〔2018〕41号 as raised by 国发〔2023〕13号). Raises DeductionRefused beyond the cap."""
    months = int(details.get("months", 12))
    if not 1 <= months <= 12:
        raise DeductionRefused("months", "months must be 1 to 12")
    share = int(details.get("share_percent", 100))
    count = int(details.get("children", 1))
    params: dict[str, Any]
    if kind in ("child_education", "infant_care"):
        if kind == "infant_care" and year < 2022:
            raise DeductionRefused("kind", "infant care is deductible from 2022")
        if share not in (50, 100):
            raise DeductionRefused("share_percent", "parents split 100/0 or 50/50")
        if not 1 <= count <= 20:
            raise DeductionRefused("children", "children must be 1 to 20")
        monthly = _from_2023(year, 200_000, 100_000)
        amount = monthly * count * months * share // 100
        params = {"monthly_per_child": monthly, "children": count, "share_percent": share}
    elif kind == "continuing_education":
        certificate = bool(details.get("certificate"))
        amount = 360_000 if certificate else 40_000 * months
        params = {"degree_monthly": 40_000, "certificate_once": 360_000, "certificate": certificate}
    elif kind == "housing_loan":
        amount = 100_000 * months
        params = {"monthly": 100_000}
    elif kind == "housing_rent":
        tiers = {"1": 150_000, "2": 110_000, "3": 80_000}
        tier = str(details.get("city_tier", ""))
        if tier not in tiers:
            raise DeductionRefused("city_tier", "city_tier must be 1, 2 or 3")
        amount = tiers[tier] * months
        params = {"monthly": tiers[tier], "city_tier": tier}
    elif kind == "elderly_support":
        whole = _from_2023(year, 300_000, 200_000)
        sibling_cap = _from_2023(year, 150_000, 100_000)
        only_child = bool(details.get("only_child", True))
        monthly = whole
        if not only_child:
            try:
                monthly = money_fen(details.get("monthly_share", ""))
            except ValueError:
                raise DeductionRefused("monthly_share", "monthly_share must be an amount in yuan") from None
            if not 0 < monthly <= sibling_cap:
                raise DeductionRefused("monthly_share", f"a sibling's share is at most {sibling_cap // 100} a month")
        amount = monthly * months
        params = {"monthly": monthly, "only_child": only_child, "sibling_cap": sibling_cap}
    elif kind == "serious_illness":
        try:
            expenses = money_fen(details.get("out_of_pocket", ""))
        except ValueError:
            raise DeductionRefused("out_of_pocket", "out_of_pocket must be an amount in yuan") from None
        amount = min(max(0, expenses - 1_500_000), 8_000_000)
        params = {"floor": 1_500_000, "cap": 8_000_000, "out_of_pocket": expenses}
    elif kind == "private_pension":
        try:
            paid = money_fen(details.get("contributions", ""))
        except ValueError:
            raise DeductionRefused("contributions", "contributions must be an amount in yuan") from None
        if paid > PRIVATE_PENSION_CAP_YEAR:
            raise DeductionRefused("contributions", "private pension is deductible up to 12,000 a year")
        amount = paid
        params = {"cap": PRIVATE_PENSION_CAP_YEAR}
    else:
        raise DeductionRefused("kind", f"unknown deduction kind {kind}")
    explanation = {
        "rule": f"iit.deduction.{kind}",
        "title": {"zh-Hans": "专项附加扣除", "en": f"Special additional deduction: {kind}"},
        "law": "国发〔2018〕41号; 国发〔2023〕13号",
        "parameters": params,
        "inputs": {"year": year, **{k: v for k, v in details.items()}},
        "figures": [_step("annual amount", "monthly amount × months × share (within the cap)", amount)],
        "result": amount,
    }
    return amount, explanation


def money_fen(value: Any) -> int:
    from smartgov.kit.money import parse_amount

    return parse_amount(str(value))
