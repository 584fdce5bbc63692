"""Special additional deductions (专项附加扣除) and other deductions, checked against their legal caps.

The caller declares an amount per category for a span of ``months`` (1 for a month's payroll, 12 for
a year) plus what the cap depends on (number of children, city tier, only child or not). An amount
above its cap is refused with an error naming the field, never silently cut: the declaration is wrong
and the taxpayer must correct it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from smartgov.kit.errors import InvalidInput
from smartgov.kit.money import to_decimal_text

from .base import amount, choice, count
from .params import ParamValue, param
from .trace import Trace

RENT_TIERS = ("major", "large", "other")


@dataclass(frozen=True)
class SpecialAdditional:
    """Declared special additional deductions for ``months`` months, in fen."""

    months: int = 1
    children_education: int = 0
    children: int = 0  # children the deduction is claimed for
    infant_care: int = 0
    infants: int = 0
    continuing_education: int = 0  # degree education, monthly amount × months
    vocational_certificate: int = 0  # the one-off amount in the year a certificate is obtained
    housing_loan_interest: int = 0
    housing_rent: int = 0
    rent_city_tier: str | None = None  # major | large | other (国发〔2018〕41号 第十八条)
    elderly_support: int = 0
    elderly_only_child: bool = False


def _cap(field: str, declared: int, limit: int, p: tuple[ParamValue, ...], what: str) -> None:
    if declared > limit:
        raise InvalidInput.for_field(
            field,
            f"{to_decimal_text(declared)} exceeds the legal cap of {to_decimal_text(limit)} for {what}"
            f" ({', '.join(f'{x.name} from {x.effective_from.isoformat()}' for x in p)}).",
            code="deduction_over_cap",
        )


def special_additional_total(
    d: SpecialAdditional, on: date, trace: Trace, field: str = "special_additional", *, key: str = "special_additional"
) -> int:
    """Check each declared amount against its cap in force on ``on``; return their sum (fen), recorded
    in ``trace`` as ``key``."""
    months = count(d.months, f"{field}.months", low=1, high=12)
    for name in (
        "children_education",
        "infant_care",
        "continuing_education",
        "vocational_certificate",
        "housing_loan_interest",
        "housing_rent",
        "elderly_support",
    ):
        amount(getattr(d, name), f"{field}.{name}")
    children = count(d.children, f"{field}.children", high=20)
    infants = count(d.infants, f"{field}.infants", high=20)

    used: list[ParamValue] = []
    child = param("iit.sad.child_education_per_child", on)
    if d.children_education and not children:
        raise InvalidInput.for_field(f"{field}.children", "Say how many children the education deduction is for.")
    _cap(
        f"{field}.children_education",
        d.children_education,
        child.value * children * months,
        (child,),
        f"{children} child(ren) × {months} month(s)",
    )
    infant = param("iit.sad.infant_care_per_child", on)
    if d.infant_care and infant.value == 0:
        raise InvalidInput.for_field(
            f"{field}.infant_care", "The infant-care deduction starts in 2022.", code="deduction_over_cap"
        )
    if d.infant_care and not infants:
        raise InvalidInput.for_field(f"{field}.infants", "Say how many infants the care deduction is for.")
    _cap(
        f"{field}.infant_care",
        d.infant_care,
        infant.value * infants * months,
        (infant,),
        f"{infants} infant(s) × {months} month(s)",
    )
    degree = param("iit.sad.continuing_education_degree", on)
    _cap(
        f"{field}.continuing_education",
        d.continuing_education,
        degree.value * months,
        (degree,),
        f"{months} month(s) of degree education",
    )
    certificate = param("iit.sad.continuing_education_certificate", on)
    _cap(
        f"{field}.vocational_certificate",
        d.vocational_certificate,
        certificate.value,
        (certificate,),
        "a vocational certificate in the year obtained",
    )
    loan = param("iit.sad.housing_loan_interest", on)
    _cap(
        f"{field}.housing_loan_interest",
        d.housing_loan_interest,
        loan.value * months,
        (loan,),
        f"{months} month(s) of housing-loan interest",
    )
    if d.housing_rent and d.housing_loan_interest:
        raise InvalidInput.for_field(
            f"{field}.housing_rent",
            "Housing rent and housing-loan interest cannot both be deducted (国发〔2018〕41号 第十九条).",
            code="deduction_not_combinable",
        )
    rent = param("iit.sad.housing_rent", on)
    if d.housing_rent:
        tier = choice(d.rent_city_tier, f"{field}.rent_city_tier", RENT_TIERS)
        _cap(
            f"{field}.housing_rent",
            d.housing_rent,
            rent.value[tier] * months,
            (rent,),
            f"{months} month(s) of rent in a '{tier}' city",
        )
    elderly = param("iit.sad.elderly_only_child" if d.elderly_only_child else "iit.sad.elderly_sibling_share", on)
    _cap(
        f"{field}.elderly_support",
        d.elderly_support,
        elderly.value * months,
        (elderly,),
        f"{months} month(s) of elderly support ({'only child' if d.elderly_only_child else 'a sibling’s share'})",
    )

    for p, declared in (
        (child, d.children_education),
        (infant, d.infant_care),
        (degree, d.continuing_education),
        (certificate, d.vocational_certificate),
        (loan, d.housing_loan_interest),
        (rent, d.housing_rent),
        (elderly, d.elderly_support),
    ):
        if declared:
            used.append(p)
    total = (
        d.children_education
        + d.infant_care
        + d.continuing_education
        + d.vocational_certificate
        + d.housing_loan_interest
        + d.housing_rent
        + d.elderly_support
    )
    claimed = [
        (name, value)
        for name, value in (
            ("children_education", d.children_education),
            ("infant_care", d.infant_care),
            ("continuing_education", d.continuing_education),
            ("vocational_certificate", d.vocational_certificate),
            ("housing_loan_interest", d.housing_loan_interest),
            ("housing_rent", d.housing_rent),
            ("elderly_support", d.elderly_support),
        )
        if value
    ]
    for name, value in claimed:
        trace.input(name, value)
    formula = " + ".join(f"{{{name}}}" for name, _ in claimed) or "0"
    trace.figure(
        key,
        total,
        rule="special_additional_total",
        formula=(formula + "（均未超过法定标准）", formula + " (each within its legal cap)"),
        params=tuple(used),
    )
    return total


def serious_illness_deduction(expense: int, on: date, trace: Trace, field: str = "serious_illness_expense") -> int:
    """Out-of-pocket medical costs above 15,000 a year, at most 80,000; only at the annual reconciliation."""
    expense = amount(expense, field)
    trace.input("serious_illness_expense", expense)
    floor, cap = param("iit.sad.serious_illness_floor", on), param("iit.sad.serious_illness_cap", on)
    value = min(max(0, expense - floor.value), cap.value)
    return int(
        trace.figure(
            "serious_illness",
            value,
            rule="serious_illness_deduction",
            formula=f"min(max(0, {{serious_illness_expense}} − {{{floor.name}}}), {{{cap.name}}})",
            params=(floor, cap),
        )
    )


@dataclass(frozen=True)
class OtherDeductions:
    """Other deductions determined by law (依法确定的其他扣除), in fen for the span declared."""

    private_pension: int = 0  # 个人养老金, from 2022
    health_insurance: int = 0  # 商业健康保险
    other: int = 0  # e.g. tax-deferred pension insurance, annuities, as certified by the employer


def other_deductions_total(
    d: OtherDeductions,
    on: date,
    trace: Trace,
    *,
    months: int = 12,
    field: str = "other_deductions",
    key: str = "other_deductions",
) -> int:
    """Sum of other deductions; the annual caps scale with the months declared (2,400 a year is 200 a month)."""
    pension = param("iit.other.private_pension_cap", on)
    health = param("iit.other.health_insurance_cap", on)
    _cap(
        f"{field}.private_pension",
        amount(d.private_pension, f"{field}.private_pension"),
        pension.value * months // 12,
        (pension,),
        f"{months} month(s) of private pension",
    )
    _cap(
        f"{field}.health_insurance",
        amount(d.health_insurance, f"{field}.health_insurance"),
        health.value * months // 12,
        (health,),
        f"{months} month(s) of commercial health insurance",
    )
    total = d.private_pension + d.health_insurance + amount(d.other, f"{field}.other")
    used = tuple(p for p, v in ((pension, d.private_pension), (health, d.health_insurance)) if v)
    trace.figure(
        key,
        total,
        rule="other_deductions_total",
        formula=(
            "{private_pension} + {health_insurance} + {other}（均未超过限额）",
            "{private_pension} + {health_insurance} + {other} (each within its cap)",
        ),
        params=used,
    )
    return total
