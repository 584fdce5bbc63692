"""The one place the filing side asks for tax figures: an adapter over the rules core.

Filing, reconciliation and VAT services call only these functions, with their own records' figures
in integer fen, and get back figures plus an explanation trace (rule, law, parameters, inputs,
steps) that pages render as-is. The arithmetic belongs to ``smartgov.tax.rules`` (dated parameters,
scalar and vectorised paths); while that core is being built on its own branch, this module carries
the few statutory tables it needs so filing can be exercised end to end, and it is the single seam
to switch to the rules core's functions when they land.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

# Annual comprehensive-income table (IIT Law 2018, table 1), fen: (upper bound, rate %, quick deduction)
ANNUAL_TABLE: tuple[tuple[int | None, int, int], ...] = (
    (3_600_000, 3, 0),
    (14_400_000, 10, 252_000),
    (30_000_000, 20, 1_692_000),
    (42_000_000, 25, 3_192_000),
    (66_000_000, 30, 5_292_000),
    (96_000_000, 35, 8_592_000),
    (None, 45, 18_192_000),
)
# Labour remuneration withholding table (STA 2018 No.61, table 2), fen.
LABOUR_TABLE: tuple[tuple[int | None, int, int], ...] = (
    (2_000_000, 20, 0),
    (5_000_000, 30, 200_000),
    (None, 40, 700_000),
)
BASIC_DEDUCTION_MONTH = 500_000
BASIC_DEDUCTION_YEAR = 6_000_000
SMALL_PAYMENT = 400_000  # payments up to 4,000 deduct 800 as expenses, above it 20 %
SMALL_PAYMENT_EXPENSE = 80_000
PRIVATE_PENSION_CAP_YEAR = 1_200_000
EXEMPT_INCOME_CEILING = 12_000_000  # reconciliation: income ≤ 120,000 with tax due → no filing
EXEMPT_DUE_CEILING = 40_000  # or tax due ≤ 400
LAW_WITHHOLDING = "国家税务总局公告2018年第61号 第六条 (cumulative withholding)"
LAW_ANNUAL = "个人所得税法 第二条、第三条、第六条 (comprehensive income, table 1)"


def round_half_up(numerator: int, denominator: int) -> int:
    """Integer division rounded half away from zero: the law rounds tax to the fen this way."""
    sign = -1 if (numerator < 0) != (denominator < 0) else 1
    q, r = divmod(abs(numerator), abs(denominator))
    return sign * (q + (1 if 2 * r >= abs(denominator) else 0))


def _bracket(table: tuple[tuple[int | None, int, int], ...], amount: int) -> tuple[int, int, int | None]:
    for upper, rate, quick in table:
        if upper is None or amount <= upper:
            return rate, quick, upper
    raise AssertionError("tables end with an open bracket")


def table_tax(table: tuple[tuple[int | None, int, int], ...], taxable: int) -> tuple[int, dict[str, Any]]:
    if taxable <= 0:
        return 0, {"rate_percent": 0, "quick_deduction": 0}
    rate, quick, upper = _bracket(table, taxable)
    tax = max(0, round_half_up(taxable * rate, 100) - quick)
    return tax, {"rate_percent": rate, "quick_deduction": quick, "bracket_upper": upper}


def _step(label: str, formula: str, value: int) -> dict[str, Any]:
    return {"label": label, "formula": formula, "value": value}


@dataclass(frozen=True)
class Cumulative:
    """Year-to-date figures with one withholding agent, this month included (fen)."""

    income: int
    months: int
    special: int  # social insurance and housing fund
    special_additional: int
    other: int
    withheld_before: int


@dataclass(frozen=True)
class WageResult:
    deductions: int
    taxable: int
    tax: int
    withholding: int
    explanation: dict[str, Any]


def wage_withholding(c: Cumulative) -> WageResult:
    """Cumulative withholding on wages: YTD tax on YTD taxable income minus what was withheld."""
    deductions = BASIC_DEDUCTION_MONTH * c.months + c.special + c.special_additional + c.other
    taxable = max(0, c.income - deductions)
    tax, _bracket = table_tax(ANNUAL_TABLE, taxable)
    withholding = max(0, tax - c.withheld_before)
    return WageResult(deductions, taxable, tax, withholding, wage_trace(c, taxable, tax, withholding))


def wage_trace(c: Cumulative, taxable: int, tax: int, withholding: int) -> dict[str, Any]:
    """The explanation of one cumulative-withholding figure (also built for the vectorised path)."""
    basic = BASIC_DEDUCTION_MONTH * c.months
    rate, quick, upper = _bracket(ANNUAL_TABLE, taxable) if taxable > 0 else (0, 0, None)
    return {
        "rule": "iit.wages.cumulative_withholding",
        "law": LAW_WITHHOLDING,
        "parameters": {
            "basic_deduction_month": BASIC_DEDUCTION_MONTH,
            "rate_percent": rate,
            "quick_deduction": quick,
            "bracket_upper": upper,
        },
        "inputs": dict(c.__dict__),
        "steps": [
            _step("cumulative basic deduction", "5,000 × months employed", basic),
            _step(
                "cumulative taxable income",
                "income − basic − special − special additional − other (not below 0)",
                taxable,
            ),
            _step("cumulative tax", "taxable × rate − quick deduction", tax),
            _step("withholding this month", "cumulative tax − already withheld (not below 0)", withholding),
        ],
        "result": withholding,
    }


def wage_withholding_many(
    income: np.ndarray,
    months: np.ndarray,
    special: np.ndarray,
    additional: np.ndarray,
    other: np.ndarray,
    withheld_before: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The vectorised path (int64 fen) for large payrolls: (taxable, tax, withholding), equal to the
    scalar path element by element."""
    taxable = np.maximum(income - BASIC_DEDUCTION_MONTH * months - special - additional - other, 0)
    uppers = np.array([u for u, _r, _q in ANNUAL_TABLE[:-1]], dtype=np.int64)
    rates = np.array([r for _u, r, _q in ANNUAL_TABLE], dtype=np.int64)
    quicks = np.array([q for _u, _r, q in ANNUAL_TABLE], dtype=np.int64)
    index = np.searchsorted(uppers, taxable, side="left")
    product = taxable * rates[index]
    rounded = (product + 50) // 100  # half up; products are never negative here
    tax = np.where(taxable > 0, np.maximum(rounded - quicks[index], 0), 0)
    withholding = np.maximum(tax - withheld_before, 0)
    return taxable, tax, withholding


def payment_withholding(kind: str, payment: int) -> tuple[int, dict[str, Any]]:
    """Per-payment withholding on labour remuneration, author's remuneration and royalties."""
    if payment <= 0:
        return 0, {}
    expense = SMALL_PAYMENT_EXPENSE if payment <= SMALL_PAYMENT else round_half_up(payment * 20, 100)
    income_amount = payment - expense
    steps = [_step("income amount", "payment − 800 (≤ 4,000) or payment × 80 %", income_amount)]
    if kind == "labour":
        tax, bracket = table_tax(LABOUR_TABLE, income_amount)
        steps.append(_step("withholding", "income amount × rate − quick deduction (table 2)", tax))
    else:
        if kind == "authors":
            income_amount = round_half_up(income_amount * 70, 100)
            steps.append(_step("counted income", "income amount × 70 %", income_amount))
        tax = round_half_up(income_amount * 20, 100)
        bracket = {"rate_percent": 20, "quick_deduction": 0}
        steps.append(_step("withholding", "income amount × 20 %", tax))
    return tax, {
        "rule": f"iit.{kind}.prepayment",
        "law": "国家税务总局公告2018年第61号 第八条",
        "parameters": bracket,
        "inputs": {"kind": kind, "payment": payment},
        "steps": steps,
        "result": tax,
    }


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
    tax, bracket = table_tax(ANNUAL_TABLE, taxable)
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
        "law": LAW_ANNUAL + "; 汇算清缴 免于办理: 综合所得≤12万元且需补税, 或补税≤400元",
        "parameters": {
            "basic_deduction_year": BASIC_DEDUCTION_YEAR,
            "private_pension_cap": PRIVATE_PENSION_CAP_YEAR,
            "exempt_income_ceiling": EXEMPT_INCOME_CEILING,
            "exempt_due_ceiling": EXEMPT_DUE_CEILING,
            **bracket,
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
        "steps": [
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

# (effective from, monthly exemption threshold fen, levy rate in tenths of a percent, surcharges halved)
VAT_PARAMETERS: tuple[tuple[date, int, int, bool], ...] = (
    (date(2019, 1, 1), 10_000_000, 30, True),  # 财税〔2019〕13号: 100,000 a month; 六税两费 halving
    (date(2023, 1, 1), 10_000_000, 10, True),  # 2023年第19号: 3 % reduced to 1 %, to 2027-12-31
    (date(2028, 1, 1), 0, 30, False),  # relief ends: the statutory 3 %, no threshold
)
URBAN_RATES = {"urban": 7, "county": 5, "other": 1}
EDUCATION_RATE = 3
LOCAL_EDUCATION_RATE = 2


@dataclass(frozen=True)
class VatResult:
    vat: int
    urban_construction: int
    education: int
    local_education: int
    total: int
    explanation: dict[str, Any]


def vat_parameters(first_day: date) -> tuple[int, int, bool]:
    chosen = VAT_PARAMETERS[0]
    for row in VAT_PARAMETERS:
        if row[0] <= first_day:
            chosen = row
    return chosen[1], chosen[2], chosen[3]


def small_scale_vat(
    *, first_day: date, months: int, sales: int, special_invoice_sales: int, location: str
) -> VatResult:
    monthly_threshold, rate_tenths, halved = vat_parameters(first_day)
    threshold = monthly_threshold * months
    exempt = sales <= threshold
    taxed = special_invoice_sales if exempt else sales
    vat = round_half_up(taxed * rate_tenths, 1000)
    factor = 2 if halved else 1
    urban = round_half_up(vat * URBAN_RATES[location], 100 * factor)
    education = round_half_up(vat * EDUCATION_RATE, 100 * factor)
    local = round_half_up(vat * LOCAL_EDUCATION_RATE, 100 * factor)
    total = vat + urban + education + local
    explanation = {
        "rule": "vat.small_scale",
        "law": "财政部 税务总局公告2023年第19号; 城市维护建设税法; 财政部 税务总局公告2023年第12号 (六税两费减半)",
        "parameters": {
            "threshold": threshold,
            "rate_percent": rate_tenths / 10,
            "urban_rate_percent": URBAN_RATES[location],
            "education_rate_percent": EDUCATION_RATE,
            "local_education_rate_percent": LOCAL_EDUCATION_RATE,
            "surcharges_halved": halved,
        },
        "inputs": {
            "sales": sales,
            "special_invoice_sales": special_invoice_sales,
            "months": months,
            "location": location,
        },
        "steps": [
            _step(
                "taxed sales",
                "sales ≤ threshold: only special-invoice sales; above: all sales",
                taxed,
            ),
            _step("VAT", "taxed sales × levy rate", vat),
            _step("urban maintenance and construction tax", "VAT × rate by location (halved)", urban),
            _step("education surcharge", "VAT × 3 % (halved)", education),
            _step("local education surcharge", "VAT × 2 % (halved)", local),
            _step("total", "VAT + surcharges", total),
        ],
        "result": total,
    }
    return VatResult(vat, urban, education, local, total, explanation)


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
        "law": "国发〔2018〕41号; 国发〔2023〕13号",
        "parameters": params,
        "inputs": {"year": year, **{k: v for k, v in details.items()}},
        "steps": [_step("annual amount", "monthly amount × months × share (within the cap)", amount)],
        "result": amount,
    }
    return amount, explanation


def money_fen(value: Any) -> int:
    from smartgov.kit.money import parse_amount

    return parse_amount(str(value))
