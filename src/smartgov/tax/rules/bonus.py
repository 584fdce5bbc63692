"""The annual one-off bonus taxed on its own (全年一次性奖金单独计税), 财税〔2018〕164号 第一条第（一）项,
extended by 财政部 税务总局公告2021年第42号 and 2023年第30号 to 2027-12-31.

    bonus ÷ 12 picks the row of the monthly table;  tax = bonus × rate − quick deduction

The row is found without dividing (bonus ≤ 12 × ceiling), so no rounding of the quotient can move a
bonus into the wrong row; the tax is rounded half up to the fen.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from smartgov.kit.errors import InvalidInput

from .base import Explained, amount
from .params import param
from .periods import parse_period
from .rounding import to_fen
from .tables import tax_by_table
from .trace import Trace


@dataclass(frozen=True, kw_only=True)
class BonusTax(Explained):
    bonus: int
    tax: int


def bonus_allowed(year: int) -> bool:
    on = parse_period(str(year), "year", kinds=("year",)).start
    return bool(param("iit.bonus_separate_allowed", on).value)


def bonus_separate_tax(bonus: int, year: int, trace: Trace | None = None) -> BonusTax:
    """Tax on an annual one-off bonus by the separate, monthly-table method (years the law allows it)."""
    on = parse_period(str(year), "year", kinds=("year",)).start
    bonus = amount(bonus, "bonus")
    allowed = param("iit.bonus_separate_allowed", on)
    if not allowed.value:
        raise InvalidInput.for_field(
            "bonus_method",
            f"The separate bonus method is not available for {year}; fold the bonus into wages.",
            code="bonus_method_unavailable",
        )
    t = trace or Trace(
        "bonus_separate_tax",
        {"zh-Hans": f"{year} 年全年一次性奖金单独计税", "en": f"Annual one-off bonus taxed separately, {year}"},
    )
    t.input("bonus", bonus)
    # shown for the reader only: the row is chosen exactly, without this rounded quotient
    t.figure(
        "bonus_monthly_average",
        to_fen(Fraction(bonus, 12)),
        rule="bonus_separate_tax",
        formula="{bonus} ÷ 12",
        params=(allowed,),
    )
    table = param("iit.monthly_table", on)
    tax = tax_by_table(bonus, table, t, rule="bonus_separate_tax", key="bonus_tax", base="bonus", scale=12)
    return BonusTax(trace=t, bonus=bonus, tax=tax)
