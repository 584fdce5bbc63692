"""Cumulative withholding on wages (累计预扣法), 国家税务总局公告2018年第61号 第六条.

    cumulative taxable = cumulative income − cumulative exempt income − cumulative basic deduction
                         − cumulative special deductions − cumulative special additional deductions
                         − cumulative other deductions                               (at least 0)
    withholding        = cumulative taxable × rate − quick deduction (table 1, the annual table)
                         − cumulative reliefs − tax already withheld this year       (at least 0)

A negative difference withholds nothing and refunds nothing during the year; the annual
reconciliation settles it. The basic deduction counts 5,000 for each month employed by this
withholding agent this year, or — when the agent applies them — the month number of the year for a
first job of the year (STA 2020 No.13) or the full 60,000 from January for an employee whose wages
from the same employer last year were ≤ 60,000 in every month of it (STA 2020 No.19).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from smartgov.kit.errors import InvalidInput

from .base import Explained, amount, choice, count
from .deductions import OtherDeductions, SpecialAdditional, other_deductions_total, special_additional_total
from .params import param
from .periods import parse_period
from .tables import tax_by_table
from .trace import Trace

BASIC_DEDUCTION_RULES = ("months_employed", "month_of_year", "full_year")


@dataclass(frozen=True)
class WagesYearToDate:
    """Year-to-date figures at one withholding agent, this month included (fen)."""

    period: str  # YYYY-MM: the month being withheld
    months_employed: int  # months with this employer this year, this month included
    cumulative_income: int
    cumulative_exempt_income: int = 0
    cumulative_special_deductions: int = 0  # employee's social insurance and housing fund
    cumulative_special_additional: int = 0
    cumulative_other_deductions: int = 0
    cumulative_reliefs: int = 0
    cumulative_withheld: int = 0  # withheld by this employer in the earlier months of this year
    basic_deduction_rule: str = "months_employed"


@dataclass(frozen=True, kw_only=True)
class WagesWithholding(Explained):
    period: str
    withholding: int
    cumulative_taxable: int
    cumulative_tax: int
    cumulative_withheld_after: int  # what "already withheld" will be next month


def withhold_wages_month(ytd: WagesYearToDate) -> WagesWithholding:
    """The tax to withhold from this month's wages by the cumulative method."""
    period = parse_period(ytd.period, "period", kinds=("month",))
    on = period.start
    month = period.first_month
    employed = count(ytd.months_employed, "months_employed", low=1, high=month)
    rule = choice(ytd.basic_deduction_rule, "basic_deduction_rule", BASIC_DEDUCTION_RULES)
    income = amount(ytd.cumulative_income, "cumulative_income")
    exempt = amount(ytd.cumulative_exempt_income, "cumulative_exempt_income")
    special = amount(ytd.cumulative_special_deductions, "cumulative_special_deductions")
    additional = amount(ytd.cumulative_special_additional, "cumulative_special_additional")
    other = amount(ytd.cumulative_other_deductions, "cumulative_other_deductions")
    reliefs = amount(ytd.cumulative_reliefs, "cumulative_reliefs")
    withheld = amount(ytd.cumulative_withheld, "cumulative_withheld")
    if exempt > income:
        raise InvalidInput.for_field("cumulative_exempt_income", "Exempt income cannot exceed the income.")

    t = Trace(
        "withhold_wages_month",
        {
            "zh-Hans": f"{period} 工资薪金所得预扣预缴（累计预扣法）",
            "en": f"Withholding on wages for {period} (cumulative method)",
        },
    )
    t.input("period", str(period), "text")
    t.input("months_employed", employed, "count")
    t.input("cumulative_income", income)
    t.input("cumulative_exempt_income", exempt)
    t.input("cumulative_special_deductions", special)
    t.input("cumulative_special_additional", additional)
    t.input("cumulative_other_deductions", other)
    t.input("cumulative_reliefs", reliefs)
    t.input("cumulative_withheld", withheld)

    basic = _cumulative_basic_deduction(rule, employed, month, on, t)
    taxable = max(0, income - exempt - basic - special - additional - other)
    t.figure(
        "cumulative_taxable",
        taxable,
        rule="cumulative_taxable_income",
        formula="max(0, {cumulative_income} − {cumulative_exempt_income} − {cumulative_basic_deduction}"
        " − {cumulative_special_deductions} − {cumulative_special_additional} − {cumulative_other_deductions})",
    )
    table = param("iit.annual_table", on)
    tax = tax_by_table(taxable, table, t, rule="annual_table_tax", key="cumulative_tax", base="cumulative_taxable")
    due = t.figure(
        "withholding_due",
        tax - reliefs - withheld,
        rule="withholding_this_month",
        formula="{cumulative_tax} − {cumulative_reliefs} − {cumulative_withheld}",
    )
    withholding = t.figure(
        "withholding",
        max(0, due),
        rule="withholding_this_month",
        formula="max(0, {withholding_due})",
        note=(
            "为负数时本月不预扣，也不退税，待年度汇算清缴时办理",
            "a negative difference withholds nothing and is settled at the annual reconciliation",
        )
        if due < 0
        else None,
    )
    return WagesWithholding(
        trace=t,
        period=str(period),
        withholding=withholding,
        cumulative_taxable=taxable,
        cumulative_tax=tax,
        cumulative_withheld_after=withheld + withholding,
    )


def _cumulative_basic_deduction(rule: str, employed: int, month: int, on: date, t: Trace) -> int:
    monthly = param("iit.basic_deduction_monthly", on)
    if rule == "months_employed":
        t.figure(
            "basic_deduction_months",
            employed,
            rule="cumulative_basic_deduction",
            formula="{months_employed}",
            unit="count",
        )
        return int(
            t.figure(
                "cumulative_basic_deduction",
                monthly.value * employed,
                rule="cumulative_basic_deduction",
                formula=f"{{{monthly.name}}} × {{basic_deduction_months}}",
                params=(monthly,),
            )
        )
    if rule == "month_of_year":
        allowed = param("iit.first_wages_basic_deduction", on)
        if not allowed.value:
            raise InvalidInput.for_field("basic_deduction_rule", "This rule applies from July 2020 (STA 2020 No.13).")
        t.figure(
            "basic_deduction_months",
            month,
            rule="cumulative_basic_deduction",
            unit="count",
            formula=(
                "所属月份（{iit.first_wages_basic_deduction}）",
                "the month of the year ({iit.first_wages_basic_deduction})",
            ),
            params=(allowed,),
        )
        return int(
            t.figure(
                "cumulative_basic_deduction",
                monthly.value * month,
                rule="cumulative_basic_deduction",
                formula=f"{{{monthly.name}}} × {{basic_deduction_months}}",
                params=(monthly,),
            )
        )
    allowed = param("iit.full_year_basic_deduction", on)
    if not allowed.value:
        raise InvalidInput.for_field("basic_deduction_rule", "This rule applies from 2021 (STA 2020 No.19).")
    annual = param("iit.basic_deduction_annual", on)
    return int(
        t.figure(
            "cumulative_basic_deduction",
            annual.value,
            rule="cumulative_basic_deduction",
            formula=f"{{{annual.name}}} ({{{allowed.name}}})",
            params=(annual, allowed),
        )
    )


@dataclass(frozen=True)
class WagesMonth:
    """One month's payroll line for one employee at one employer (fen)."""

    month: int
    income: int
    exempt_income: int = 0
    special_deductions: int = 0
    special_additional: SpecialAdditional = field(default_factory=SpecialAdditional)
    other_deductions: OtherDeductions = field(default_factory=OtherDeductions)
    reliefs: int = 0


@dataclass(frozen=True, kw_only=True)
class WagesYear(Explained):
    months: tuple[WagesWithholding, ...]
    total_withheld: int


def withhold_wages_year(
    year: int, months: Sequence[WagesMonth], *, basic_deduction_rule: str = "months_employed"
) -> WagesYear:
    """Run the cumulative method over consecutive payroll months at one employer (e.g. July–December
    for someone who joined in July), checking each month's declared deductions against their caps."""
    if not months:
        raise InvalidInput.for_field("months", "Give at least one month.")
    previous = 0
    totals = dict(income=0, exempt=0, special=0, additional=0, other=0, reliefs=0)
    withheld = 0
    results: list[WagesWithholding] = []
    for index, m in enumerate(months):
        where = f"months[{index}]"
        month = count(m.month, f"{where}.month", low=1, high=12)
        if month <= previous:
            raise InvalidInput.for_field(f"{where}.month", "Months must be in order, each at most once.")
        previous = month
        period = f"{year}-{month:02d}"
        on = parse_period(period, "year", kinds=("month",)).start
        scratch = Trace("checks", {"zh-Hans": "", "en": ""})
        totals["income"] += amount(m.income, f"{where}.income")
        totals["exempt"] += amount(m.exempt_income, f"{where}.exempt_income")
        totals["special"] += amount(m.special_deductions, f"{where}.special_deductions")
        totals["additional"] += special_additional_total(
            m.special_additional, on, scratch, f"{where}.special_additional"
        )
        totals["other"] += other_deductions_total(
            m.other_deductions, on, scratch, months=1, field=f"{where}.other_deductions"
        )
        totals["reliefs"] += amount(m.reliefs, f"{where}.reliefs")
        result = withhold_wages_month(
            WagesYearToDate(
                period=period,
                months_employed=index + 1,
                cumulative_income=totals["income"],
                cumulative_exempt_income=totals["exempt"],
                cumulative_special_deductions=totals["special"],
                cumulative_special_additional=totals["additional"],
                cumulative_other_deductions=totals["other"],
                cumulative_reliefs=totals["reliefs"],
                cumulative_withheld=withheld,
                basic_deduction_rule=basic_deduction_rule,
            )
        )
        withheld = result.cumulative_withheld_after
        results.append(result)
    t = Trace("withhold_wages_year", {"zh-Hans": f"{year} 年度工资薪金预扣预缴", "en": f"Withholding on wages, {year}"})
    for r in results:
        t.figure(f"{r.period}.withholding", r.withholding, rule="withhold_wages_month", formula="{withholding}")
    t.figure("cumulative_withheld", withheld, rule="withhold_wages_year", formula="Σ {withholding}")
    return WagesYear(trace=t, months=tuple(results), total_withheld=withheld)
