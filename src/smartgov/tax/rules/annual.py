"""Annual reconciliation of comprehensive income (综合所得年度汇算), 个人所得税法 第十一条,
国家税务总局公告2019年第44号; exemptions from filing by 财政部 税务总局公告2019年第94号, 2021年第42号,
2023年第32号.

    gross income         = wages + labour remuneration + author's remuneration + royalties (+ a bonus
                           folded in)
    comprehensive income = wages + 80 % labour + 80 % × 70 % author's + 80 % royalties − exempt income
    taxable              = comprehensive income − 60,000 − special − special additional − other (≥ 0)
    special additional   = the taxpayer's declaration for the year (per kind, within the caps), or,
                           if none, the total the employers applied in their monthly withholding
    other deductions     = likewise; employers' amounts limited to each kind's annual cap
    tax                  = taxable × rate − quick deduction (annual table) + bonus taxed separately
    balance              = tax − reliefs − everything withheld; > 0 due, < 0 refund

No filing is required when the balance is due and the gross income is ≤ 120,000, or the balance is
≤ 400, or nothing is due or refundable; a refund is only paid when the taxpayer files for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from smartgov.kit.errors import InvalidInput

from .base import Explained, amount, choice
from .bonus import bonus_separate_tax
from .deductions import (
    OtherDeductions,
    SpecialAdditional,
    other_deductions_total,
    serious_illness_deduction,
    special_additional_total,
)
from .params import ParamValue, param
from .periods import parse_period
from .rounding import apply_rate
from .tables import tax_by_table
from .trace import Trace

PAYMENT_KINDS = ("labour_remuneration", "author_remuneration", "royalties")
OTHER_KINDS = ("private_pension", "health_insurance", "other")
BONUS_METHODS = ("separate", "combined")


@dataclass(frozen=True)
class EmployerIncome:
    """What one withholding agent paid and withheld on wages in the year (fen)."""

    employer: str
    wages: int
    withheld: int = 0  # everything this agent withheld on what it paid (see ``PaymentIncome.withheld``)
    exempt_income: int = 0
    special_deductions: int = 0  # social insurance and housing fund the employee paid
    # Deductions this agent already applied in its monthly withholding for the year: one total of
    # special additional deductions (a return carries no kinds), other deductions by kind.
    special_additional: int = 0
    other_deductions: OtherDeductions = field(default_factory=OtherDeductions)


@dataclass(frozen=True)
class PaymentIncome:
    """Labour remuneration, author's remuneration or royalties received in the year, and their withholding."""

    kind: str
    amount: int
    withheld: int = 0  # 0 when the payer's withholding is already counted in its EmployerIncome.withheld


@dataclass(frozen=True)
class Bonus:
    amount: int
    withheld: int = 0


@dataclass(frozen=True)
class AnnualReturn:
    year: int
    employers: Sequence[EmployerIncome] = ()
    payments: Sequence[PaymentIncome] = ()
    bonus: Bonus | None = None
    bonus_method: str = "separate"
    special_additional: SpecialAdditional = field(default_factory=lambda: SpecialAdditional(months=12))
    serious_illness_expense: int = 0
    other_deductions: OtherDeductions = field(default_factory=OtherDeductions)
    reliefs: int = 0


@dataclass(frozen=True, kw_only=True)
class Reconciliation(Explained):
    year: int
    gross_income: int
    comprehensive_income: int
    deductions: int  # basic + special + special additional + serious illness + other, as deducted
    taxable: int
    total_tax: int
    prepaid: int
    balance: int  # > 0 due, < 0 refund
    outcome: str  # due | refund | settled
    filing_required: bool
    reason: dict[str, str]


def annual_tax(taxable: int, year: int) -> int:
    """Tax on a year's comprehensive taxable income (fen) by the annual table."""
    on = parse_period(str(year), "year", kinds=("year",)).start
    t = Trace("annual_tax", {"zh-Hans": "", "en": ""})
    return tax_by_table(amount(taxable, "taxable"), param("iit.annual_table", on), t, rule="annual_table_tax")


def annual_reconciliation(r: AnnualReturn) -> Reconciliation:
    """Combine every employer's and payer's income, deductions and withholding for the year."""
    year = parse_period(str(r.year), "year", kinds=("year",)).year
    on = parse_period(str(year), "year", kinds=("year",)).start
    method = choice(r.bonus_method, "bonus_method", BONUS_METHODS)
    t = Trace(
        "annual_reconciliation",
        {
            "zh-Hans": f"{year} 年度个人所得税综合所得汇算",
            "en": f"Annual reconciliation of comprehensive income, {year}",
        },
    )
    wages = exempt = special = prepaid = applied_additional = 0
    applied_other = dict.fromkeys(OTHER_KINDS, 0)
    for i, e in enumerate(r.employers):
        wages += amount(e.wages, f"employers[{i}].wages")
        exempt += amount(e.exempt_income, f"employers[{i}].exempt_income")
        special += amount(e.special_deductions, f"employers[{i}].special_deductions")
        prepaid += amount(e.withheld, f"employers[{i}].withheld")
        applied_additional += amount(e.special_additional, f"employers[{i}].special_additional")
        for kind in OTHER_KINDS:
            applied_other[kind] += amount(getattr(e.other_deductions, kind), f"employers[{i}].other_deductions.{kind}")
    by_kind = dict.fromkeys(PAYMENT_KINDS, 0)
    for i, p in enumerate(r.payments):
        by_kind[choice(p.kind, f"payments[{i}].kind", PAYMENT_KINDS)] += amount(p.amount, f"payments[{i}].amount")
        prepaid += amount(p.withheld, f"payments[{i}].withheld")
    bonus = 0
    if r.bonus is not None:
        bonus = amount(r.bonus.amount, "bonus.amount")
        prepaid += amount(r.bonus.withheld, "bonus.withheld")
    if exempt > wages:
        raise InvalidInput.for_field("employers", "Exempt income cannot exceed the wages.")

    t.input("wages", wages)
    t.input("exempt_income", exempt)
    t.input("labour_remuneration", by_kind["labour_remuneration"])
    t.input("author_remuneration", by_kind["author_remuneration"])
    t.input("royalties", by_kind["royalties"])
    if bonus:
        t.input("bonus", bonus)
    folded = bonus if method == "combined" else 0
    gross = t.figure(
        "gross_income",
        wages + folded + sum(by_kind.values()),
        rule="gross_income",
        formula="{wages} + {labour_remuneration} + {author_remuneration} + {royalties}"
        + (" + {bonus}" if folded else ""),
    )

    expense = param("iit.expense_rate", on)
    keep = 1 - expense.value
    labour = t.figure(
        "labour_income_amount",
        apply_rate(by_kind["labour_remuneration"], keep),
        rule="comprehensive_income_amount",
        params=(expense,),
        formula=f"{{labour_remuneration}} × (1 − {{{expense.name}}})",
    )
    factor = param("iit.author_income_factor", on)
    author = t.figure(
        "author_income_amount",
        apply_rate(apply_rate(by_kind["author_remuneration"], keep), factor.value),
        rule="comprehensive_income_amount",
        params=(expense, factor),
        formula=f"{{author_remuneration}} × (1 − {{{expense.name}}}) × {{{factor.name}}}",
    )
    royalty = t.figure(
        "royalty_income_amount",
        apply_rate(by_kind["royalties"], keep),
        rule="comprehensive_income_amount",
        params=(expense,),
        formula=f"{{royalties}} × (1 − {{{expense.name}}})",
    )
    income = t.figure(
        "comprehensive_income",
        wages + folded + labour + author + royalty - exempt,
        rule="comprehensive_income_amount",
        formula="{wages} + {labour_income_amount} + {author_income_amount} + {royalty_income_amount}"
        + (" + {bonus}" if folded else "")
        + " − {exempt_income}",
    )

    basic_p = param("iit.basic_deduction_annual", on)
    basic = t.figure(
        "basic_deduction", basic_p.value, rule="basic_deduction", formula=f"{{{basic_p.name}}}", params=(basic_p,)
    )
    t.figure(
        "special_deductions", special, rule="special_deductions", formula=("各扣缴单位合计", "the sum over employers")
    )
    if r.special_additional.months != 12:
        raise InvalidInput.for_field("special_additional.months", "Annual declarations cover 12 months.")
    additional = _special_additional(r.special_additional, applied_additional, on, t)
    illness = serious_illness_deduction(r.serious_illness_expense, on, t)
    other = _other_deductions(r.other_deductions, applied_other, on, t)
    deductions = basic + special + additional + illness + other
    taxable = t.figure(
        "taxable",
        max(0, income - deductions),
        rule="annual_taxable_income",
        formula="max(0, {comprehensive_income} − {basic_deduction} − {special_deductions}"
        " − {special_additional} − {serious_illness} − {other_deductions})",
    )
    tax = tax_by_table(taxable, param("iit.annual_table", on), t, rule="annual_table_tax", key="annual_tax")
    bonus_tax = 0
    if bonus and method == "separate":
        bonus_tax = bonus_separate_tax(bonus, year, t).tax
    total = t.figure(
        "total_tax",
        tax + bonus_tax,
        rule="annual_reconciliation",
        formula="{annual_tax}" + (" + {bonus_tax}" if bonus and method == "separate" else ""),
    )
    reliefs = min(amount(r.reliefs, "reliefs"), total)
    t.input("reliefs", reliefs)
    t.input("prepaid", prepaid)
    balance = t.figure(
        "balance",
        total - reliefs - prepaid,
        rule="annual_reconciliation",
        formula="{total_tax} − {reliefs} − {prepaid}",
    )

    required, reason = _filing_requirement(balance, gross, on, t)
    outcome = "due" if balance > 0 else "refund" if balance < 0 else "settled"
    return Reconciliation(
        trace=t,
        year=year,
        gross_income=gross,
        comprehensive_income=income,
        deductions=deductions,
        taxable=taxable,
        total_tax=total,
        prepaid=prepaid,
        balance=balance,
        outcome=outcome,
        filing_required=required,
        reason=reason,
    )


def _special_additional(declared: SpecialAdditional, applied: int, on: date, t: Trace) -> int:
    """The year's special additional deductions: the taxpayer's declaration for the year, checked
    kind by kind against the annual caps; if the taxpayer declared none, what the employers applied.

    Employers apply them month by month on the taxpayer's word and report one total, without kinds;
    the annual declaration is the taxpayer's claim for the year and replaces those amounts, so a
    deduction declared late is granted and one applied twice (by two employers) counts once. Only
    when nothing is declared do the employers' amounts stand, as the only claim there is."""
    if not applied:
        return special_additional_total(declared, on, t)
    t.input("special_additional_applied", applied)
    total = special_additional_total(declared, on, t, key="special_additional_declared")
    return int(
        t.figure(
            "special_additional",
            total if total else applied,
            rule="special_additional_annual",
            formula=(
                "{special_additional_declared}（已作年度申报时），否则 {special_additional_applied}",
                "{special_additional_declared} if any is declared for the year, else {special_additional_applied}",
            ),
            note=(
                "年度申报的专项附加扣除取代扣缴单位已扣除的金额"
                if total
                else "未作年度申报：以扣缴单位已扣除的金额为准",
                "the deductions declared for the year replace what employers applied"
                if total
                else "nothing declared for the year: what the employers applied stands",
            ),
        )
    )


def _other_deductions(declared: OtherDeductions, applied: dict[str, int], on: date, t: Trace) -> int:
    """The year's other deductions: the taxpayer's declaration (checked against the caps, refused
    beyond them) or, if none, what the employers applied, each capped kind limited to its annual cap:
    amounts applied by several employers are history to settle, not a declaration to correct."""
    if not any(applied.values()):
        return other_deductions_total(declared, on, t, months=12)
    total = other_deductions_total(declared, on, t, months=12, key="other_deductions_declared")
    if total:
        return int(
            t.figure(
                "other_deductions",
                total,
                rule="other_deductions_annual",
                formula="{other_deductions_declared}",
                note=(
                    "年度申报的其他扣除取代扣缴单位已扣除的金额",
                    "the deductions declared for the year replace what employers applied",
                ),
            )
        )
    pension = param("iit.other.private_pension_cap", on)
    health = param("iit.other.health_insurance_cap", on)
    for kind in OTHER_KINDS:
        t.input(f"{kind}_applied", applied[kind])
    return int(
        t.figure(
            "other_deductions",
            min(applied["private_pension"], pension.value)
            + min(applied["health_insurance"], health.value)
            + applied["other"],
            rule="other_deductions_annual",
            formula=f"min({{private_pension_applied}}, {{{pension.name}}}) + min({{health_insurance_applied}},"
            f" {{{health.name}}}) + {{other_applied}}",
            params=(pension, health),
            note=(
                "未作年度申报：以扣缴单位已扣除的金额为准，超过年度限额的部分不得扣除",
                "nothing declared for the year: what the employers applied, within the annual caps",
            ),
        )
    )


def _filing_requirement(balance: int, gross: int, on: date, t: Trace) -> tuple[bool, dict[str, str]]:
    """Whether the taxpayer must file; the reason in words; the test as a formula."""
    exemption = param("iit.reconciliation_exemption", on)
    income_ceiling = param("iit.reconciliation_exempt_income_ceiling", on)
    due_ceiling = param("iit.reconciliation_exempt_due_ceiling", on)
    params: tuple[ParamValue, ...] = ()
    if balance < 0:
        required = False
        why = ("可申请退税：办理汇算即可退还多缴税款", "a refund is due: file the reconciliation to claim it")
        test = ("{balance} < 0", "{balance} < 0")
    elif balance == 0:
        required = False
        why = ("已预缴税额与应纳税额一致，无需办理", "prepaid equals the tax: nothing to file")
        test = ("{balance} = 0", "{balance} = 0")
    elif exemption.value and gross <= income_ceiling.value:
        required = False
        why = (
            "需补税但综合所得年收入不超过12万元，免于办理",
            "tax is due but the year's income is within 120,000: no filing required",
        )
        test = (
            f"{{balance}} > 0 且 {{gross_income}} ≤ {{{income_ceiling.name}}}",
            f"{{balance}} > 0 and {{gross_income}} ≤ {{{income_ceiling.name}}}",
        )
        params = (exemption, income_ceiling)
    elif exemption.value and balance <= due_ceiling.value:
        required = False
        why = ("补税金额不超过400元，免于办理", "the amount due is at most 400: no filing required")
        test = (f"0 < {{balance}} ≤ {{{due_ceiling.name}}}", f"0 < {{balance}} ≤ {{{due_ceiling.name}}}")
        params = (exemption, due_ceiling)
    else:
        required = True
        why = ("需办理汇算并补缴税款", "the reconciliation must be filed and the tax paid")
        if exemption.value:
            test = (
                f"{{balance}} > {{{due_ceiling.name}}} 且 {{gross_income}} > {{{income_ceiling.name}}}",
                f"{{balance}} > {{{due_ceiling.name}}} and {{gross_income}} > {{{income_ceiling.name}}}",
            )
            params = (exemption, income_ceiling, due_ceiling)
        else:
            test = (f"{{balance}} > 0（{{{exemption.name}}}：否）", f"{{balance}} > 0 ({{{exemption.name}}}: no)")
            params = (exemption,)
    t.figure(
        "filing_required",
        required,
        rule="filing_requirement",
        unit="flag",
        formula=test,
        params=params,
        note=why,
    )
    return required, {"zh-Hans": why[0], "en": why[1]}
