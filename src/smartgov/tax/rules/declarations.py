"""A taxpayer's declarations of deductions for a tax year (专项附加扣除信息采集), as the portal takes them:
one kind at a time, with what its cap depends on, for some months of the year.

``declaration_amount`` turns one declaration into its yearly amount in fen, refusing what exceeds the
legal cap (an over-cap declaration is wrong and must be corrected, never silently cut);
``annual_declarations`` combines a year's declarations into what ``annual_reconciliation`` takes (the
per-kind ``SpecialAdditional`` for 12 months, the out-of-pocket medical expenses, the other
deductions), checking the combined claim against the year's caps, so two rent declarations for the
same months, or rent together with loan interest, are refused.

Caps are the dated parameters in force on 1 January of the tax year; every change so far
(2019, 2022, 2023) took effect on a 1 January, and the trace names each parameter's effective date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from smartgov.kit.errors import InvalidInput

from .base import Explained, amount, choice, count
from .deductions import (
    RENT_TIERS,
    OtherDeductions,
    SpecialAdditional,
    _cap,
    other_deductions_total,
    serious_illness_deduction,
    special_additional_total,
)
from .params import ParamValue, param
from .periods import parse_period
from .rounding import apply_rate
from .trace import Trace

DECLARATION_KINDS = (
    "child_education",
    "infant_care",
    "continuing_education",
    "housing_loan",
    "housing_rent",
    "elderly_support",
    "serious_illness",
    "private_pension",
)
SHARES = (50, 100)  # parents split a child's deduction 100/0 or 50/50 (国发〔2018〕41号 第六条)


@dataclass(frozen=True)
class Declaration:
    """One declared deduction for ``months`` months of tax year ``year`` (amounts in fen)."""

    kind: str  # one of DECLARATION_KINDS
    year: int
    months: int = 12
    children: int = 1  # child_education, infant_care: children claimed for
    share_percent: int = 100  # child_education, infant_care: this parent's share
    certificate: bool = False  # continuing_education: a vocational certificate obtained this year
    city_tier: str | None = None  # housing_rent: major | large | other
    only_child: bool = True  # elderly_support
    monthly_share: int = 0  # elderly_support, not an only child: the share agreed among siblings, a month
    out_of_pocket: int = 0  # serious_illness: out-of-pocket costs within the medical-insurance catalogue
    contributions: int = 0  # private_pension: contributions paid in the year


@dataclass(frozen=True, kw_only=True)
class DeclaredAmount(Explained):
    kind: str
    year: int
    amount: int  # the yearly deduction this declaration gives (fen)


def _title(year: int, what: tuple[str, str]) -> dict[str, str]:
    return {"zh-Hans": f"{year} 年度{what[0]}", "en": f"{what[1]}, {year}"}


def declaration_amount(d: Declaration) -> DeclaredAmount:
    """The yearly amount of one declared deduction within its legal cap, with its trace."""
    kind = choice(d.kind, "kind", DECLARATION_KINDS)
    year = parse_period(str(d.year), "year", kinds=("year",)).year
    on = parse_period(str(year), "year", kinds=("year",)).start
    months = count(d.months, "months", low=1, high=12)
    t = Trace("declaration_amount", _title(year, ("扣除申报金额", "Declared deduction")))
    t.input("deduction_kind", kind, unit="text")
    params: tuple[ParamValue, ...]
    formula: str | tuple[str, str]

    if kind in ("child_education", "infant_care"):
        per_child = param(
            "iit.sad.child_education_per_child" if kind == "child_education" else "iit.sad.infant_care_per_child", on
        )
        if per_child.value == 0:
            raise InvalidInput.for_field("kind", "The infant-care deduction starts in 2022.", code="deduction_over_cap")
        children = count(d.children, "children", low=1, high=20)
        if d.share_percent not in SHARES:
            raise InvalidInput.for_field("share_percent", "Parents split a child's deduction 100/0 or 50/50.")
        t.input("children", children, unit="count")
        t.input("months", months, unit="count")
        t.input("share_percent", d.share_percent, unit="count")
        value = apply_rate(per_child.value * children * months, Fraction(d.share_percent, 100))
        params = (per_child,)
        formula = f"{{{per_child.name}}} × {{children}} × {{months}} × {{share_percent}}%"
    elif kind == "continuing_education":
        if d.certificate:
            cert = param("iit.sad.continuing_education_certificate", on)
            value, params, formula = cert.value, (cert,), f"{{{cert.name}}}"
        else:
            degree = param("iit.sad.continuing_education_degree", on)
            t.input("months", months, unit="count")
            value, params, formula = degree.value * months, (degree,), f"{{{degree.name}}} × {{months}}"
    elif kind == "housing_loan":
        loan = param("iit.sad.housing_loan_interest", on)
        t.input("months", months, unit="count")
        value, params, formula = loan.value * months, (loan,), f"{{{loan.name}}} × {{months}}"
    elif kind == "housing_rent":
        tier = choice(d.city_tier, "city_tier", RENT_TIERS)
        rent = param("iit.sad.housing_rent", on)
        t.input("rent_city_tier", tier, unit="text")
        t.input("months", months, unit="count")
        value, params = rent.value[tier] * months, (rent,)
        formula = (f"{{{rent.name}}}（{tier}）× {{months}}", f"{{{rent.name}}} ({tier}) × {{months}}")
    elif kind == "elderly_support":
        t.input("months", months, unit="count")
        if d.only_child:
            whole = param("iit.sad.elderly_only_child", on)
            value, params, formula = whole.value * months, (whole,), f"{{{whole.name}}} × {{months}}"
        else:
            sibling = param("iit.sad.elderly_sibling_share", on)
            share = amount(d.monthly_share, "monthly_share")
            if share == 0:
                raise InvalidInput.for_field("monthly_share", "Give the monthly share agreed among the siblings.")
            _cap("monthly_share", share, sibling.value, (sibling,), "a sibling's share of elderly support a month")
            t.input("monthly_share", share)
            value, params = share * months, (sibling,)
            formula = (
                f"{{monthly_share}} × {{months}}（{{monthly_share}} ≤ {{{sibling.name}}}）",
                f"{{monthly_share}} × {{months}} ({{monthly_share}} ≤ {{{sibling.name}}})",
            )
    elif kind == "serious_illness":
        value = serious_illness_deduction(d.out_of_pocket, on, t, field="out_of_pocket")
        params, formula = (), "{serious_illness}"
    else:  # private_pension
        pension = param("iit.other.private_pension_cap", on)
        paid = amount(d.contributions, "contributions")
        _cap("contributions", paid, pension.value, (pension,), "a year's private pension contributions")
        t.input("contributions", paid)
        value, params = paid, (pension,)
        formula = (
            f"{{contributions}}（不超过{{{pension.name}}}）",
            f"{{contributions}} (at most {{{pension.name}}})",
        )
    t.figure("declared_amount", value, rule="declaration_amount", formula=formula, params=params)
    return DeclaredAmount(trace=t, kind=kind, year=year, amount=value)


@dataclass(frozen=True, kw_only=True)
class DeclaredYear(Explained):
    """A year's declarations combined, in the shape ``AnnualReturn`` takes them."""

    year: int
    special_additional: SpecialAdditional
    serious_illness_expense: int
    other_deductions: OtherDeductions
    amounts: tuple[int, ...]  # each declaration's yearly amount, in the order given


_SAD_FIELD = {
    "child_education": "children_education",
    "infant_care": "infant_care",
    "housing_loan": "housing_loan_interest",
    "housing_rent": "housing_rent",
    "elderly_support": "elderly_support",
}


def annual_declarations(year: int, declarations: Sequence[Declaration]) -> DeclaredYear:
    """Combine a year's declarations into the annual claim and check it against the year's caps.

    Amounts of one kind add up; the cap of the sum allows the children counted across declarations,
    the highest rent tier declared, and an only child's elderly support if any declaration says so:
    each declaration was already within its own cap, so what the combined check refuses is a claim
    for the same thing twice (rent for 24 months, rent with loan interest)."""
    on = parse_period(str(year), "year", kinds=("year",)).start
    t = Trace("annual_declarations", _title(year, ("扣除申报合计", "Declared deductions combined")))
    sums = dict.fromkeys((*_SAD_FIELD.values(), "continuing_education", "vocational_certificate"), 0)
    children = infants = illness = pension = 0
    tiers: list[str] = []
    only_child = False
    amounts = []
    for i, d in enumerate(declarations):
        if d.year != year:
            raise InvalidInput.for_field(f"declarations[{i}].year", f"A declaration for {d.year}, not {year}.")
        try:
            declared = declaration_amount(d)
        except InvalidInput as exc:
            raise InvalidInput(
                exc.message,
                code=exc.code,
                details=[{**x, "field": f"declarations[{i}].{x.get('field', '')}"} for x in exc.details or []],
            ) from None
        amounts.append(declared.amount)
        if d.kind == "continuing_education":
            sums["vocational_certificate" if d.certificate else "continuing_education"] += declared.amount
        elif d.kind == "serious_illness":
            illness += d.out_of_pocket
        elif d.kind == "private_pension":
            pension += d.contributions
        else:
            sums[_SAD_FIELD[d.kind]] += declared.amount
            if d.kind == "child_education":
                children += d.children
            elif d.kind == "infant_care":
                infants += d.children
            elif d.kind == "housing_rent" and d.city_tier:
                tiers.append(d.city_tier)
            elif d.kind == "elderly_support":
                only_child = only_child or d.only_child
    sad = SpecialAdditional(
        months=12,
        children=min(children, 20),
        infants=min(infants, 20),
        rent_city_tier=min(tiers, key=RENT_TIERS.index) if tiers else None,
        elderly_only_child=only_child,
        **sums,
    )
    other = OtherDeductions(private_pension=pension)
    special_additional_total(sad, on, t)
    t.input("serious_illness_expense", illness)
    other_deductions_total(other, on, t)
    return DeclaredYear(
        trace=t,
        year=year,
        special_additional=sad,
        serious_illness_expense=illness,
        other_deductions=other,
        amounts=tuple(amounts),
    )
