"""Progressive tables: the bracket an income falls in, and the tax by the quick-deduction method."""

from __future__ import annotations

from smartgov.kit.money import format_amount

from .params import Bracket, ParamValue
from .rounding import apply_rate
from .trace import Trace


def bracket_for(taxable: int, table: tuple[Bracket, ...], scale: int = 1) -> Bracket:
    """The row whose ceiling (× ``scale``) the income does not exceed. ``scale=12`` serves the bonus
    method, where the bonus divided by 12 picks the row: ``bonus / 12 ≤ ceiling ⇔ bonus ≤ 12 × ceiling``
    (exact, no division)."""
    for row in table:
        if row.up_to is None or taxable <= row.up_to * scale:
            return row
    raise AssertionError("a table's last row is open-ended")


def tax_by_table(
    taxable: int, table: ParamValue, trace: Trace, *, rule: str, key: str = "tax", base: str = "taxable", scale: int = 1
) -> int:
    """``taxable × rate − quick deduction`` (rounded half up to the fen); nothing on nothing.

    The quick deductions make the table continuous, so tax never falls as income rises."""
    if taxable <= 0:
        return int(trace.figure(key, 0, rule=rule, formula=f"0 ({{{base}}} ≤ 0)"))
    row = bracket_for(taxable, table.value, scale)
    level = table.value.index(row) + 1
    if row.up_to is None:
        where = (
            f"{{{table.name}}} 第{level}级（超过{format_amount(table.value[-2].up_to or 0)}）",
            f"{{{table.name}}}, bracket {level} (above {format_amount(table.value[-2].up_to or 0)})",
        )
    else:
        where = (
            f"{{{table.name}}} 第{level}级（不超过{format_amount(row.up_to)}）",
            f"{{{table.name}}}, bracket {level} (up to {format_amount(row.up_to)})",
        )
    if scale != 1:
        where = (where[0] + f"，按{{{base}}}除以{scale}确定", where[1] + f", chosen by {{{base}}} ÷ {scale}")
    trace.figure("rate", row.rate, rule=rule, formula=where, params=(table,), unit="rate")
    trace.figure("quick_deduction", row.quick_deduction, rule=rule, formula=where, params=(table,))
    tax = apply_rate(taxable, row.rate) - row.quick_deduction
    return int(trace.figure(key, tax, rule=rule, formula=f"{{{base}}} × {{rate}} − {{quick_deduction}}"))
