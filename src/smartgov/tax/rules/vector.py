"""The vectorised path: one month's cumulative withholding for a whole population at once, in numpy
int64, with the same parameters and the same half-up rounding as the scalar path (``wages.py``).

No float touches an amount: the table's rates are turned into integer numerators over a common
denominator, and ``amount × rate`` rounded half up is ``(amount × 2n + d) // 2d``. Amounts are capped
at ``MAX_AMOUNT`` (10^12 fen) so ``amount × 2n`` stays far below 2^63.

``PopulationWithholding.explain(i)`` explains row ``i`` by running the scalar path on it: the two
paths are proven to agree by a property test, so the explanation is the explanation of that figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from smartgov.kit.errors import InvalidInput

from .base import MAX_AMOUNT
from .params import param
from .periods import parse_period
from .wages import WagesWithholding, WagesYearToDate, withhold_wages_month

Int64Array = npt.NDArray[np.int64]
AMOUNT_FIELDS = (
    "cumulative_income",
    "cumulative_exempt_income",
    "cumulative_special_deductions",
    "cumulative_special_additional",
    "cumulative_other_deductions",
    "cumulative_reliefs",
    "cumulative_withheld",
)


@dataclass(frozen=True)
class Population:
    """Column arrays (one row per employee at one employer), all the same length; fen, int64."""

    months_employed: Int64Array
    cumulative_income: Int64Array
    cumulative_exempt_income: Int64Array
    cumulative_special_deductions: Int64Array
    cumulative_special_additional: Int64Array
    cumulative_other_deductions: Int64Array
    cumulative_reliefs: Int64Array
    cumulative_withheld: Int64Array

    @classmethod
    def zeros_like(cls, income: Int64Array, months_employed: Int64Array, **columns: Int64Array) -> Population:
        zero = np.zeros_like(income)
        values = {name: columns.get(name, zero) for name in AMOUNT_FIELDS if name != "cumulative_income"}
        return cls(months_employed=months_employed, cumulative_income=income, **values)

    def row(self, i: int, period: str) -> WagesYearToDate:
        def at(column: Int64Array) -> int:
            return int(column[i])

        return WagesYearToDate(
            period=period,
            months_employed=at(self.months_employed),
            cumulative_income=at(self.cumulative_income),
            cumulative_exempt_income=at(self.cumulative_exempt_income),
            cumulative_special_deductions=at(self.cumulative_special_deductions),
            cumulative_special_additional=at(self.cumulative_special_additional),
            cumulative_other_deductions=at(self.cumulative_other_deductions),
            cumulative_reliefs=at(self.cumulative_reliefs),
            cumulative_withheld=at(self.cumulative_withheld),
        )


@dataclass(frozen=True)
class PopulationWithholding:
    period: str
    population: Population
    withholding: Int64Array
    cumulative_taxable: Int64Array
    cumulative_tax: Int64Array

    def explain(self, i: int) -> WagesWithholding:
        """Row ``i``'s figure with its full trace (the scalar path on the same inputs)."""
        return withhold_wages_month(self.population.row(i, self.period))


def _check(pop: Population, month: int) -> int:
    n = len(pop.cumulative_income)
    for name in ("months_employed", *AMOUNT_FIELDS):
        column = getattr(pop, name)
        if not isinstance(column, np.ndarray) or column.dtype != np.int64 or column.shape != (n,):
            raise InvalidInput.for_field(name, f"{name} must be an int64 array of length {n}.")
        low, high = (1, month) if name == "months_employed" else (0, MAX_AMOUNT)
        if n and (int(column.min()) < low or int(column.max()) > high):  # no temporaries on the good path
            bad = np.flatnonzero((column < low) | (column > high))
            raise InvalidInput.for_field(
                f"{name}[{int(bad[0])}]",
                f"{name} must be between {low} and {high} ({bad.size} rows are not).",
                code="negative_amount" if int(column[bad[0]]) < 0 and name != "months_employed" else "invalid_input",
            )
    bad = np.flatnonzero(pop.cumulative_exempt_income > pop.cumulative_income)
    if bad.size:
        raise InvalidInput.for_field(
            f"cumulative_exempt_income[{int(bad[0])}]", "Exempt income cannot exceed the income."
        )
    return n


def withhold_population(pop: Population, period: str) -> PopulationWithholding:
    """Every row's withholding for ``period`` (YYYY-MM) by the cumulative method, the basic deduction
    counting ``months_employed`` months. For a first job of the year under STA 2020 No.13 pass the
    month number as ``months_employed``; rows under STA 2020 No.19 (60,000 from January) go through
    the scalar path with ``basic_deduction_rule="full_year"``."""
    p = parse_period(period, "period", kinds=("month",))
    _check(pop, p.first_month)
    on = p.start
    monthly = param("iit.basic_deduction_monthly", on).value
    table = param("iit.annual_table", on).value
    denominator = math.lcm(*(row.rate.denominator for row in table))
    ceilings = np.array([row.up_to for row in table[:-1]], dtype=np.int64)
    numerators = np.array([row.rate.numerator * (denominator // row.rate.denominator) for row in table], dtype=np.int64)
    quick = np.array([row.quick_deduction for row in table], dtype=np.int64)

    # in place where we can: at a million rows every temporary array is 8 MB of memory traffic
    taxable = pop.cumulative_income - pop.cumulative_exempt_income
    basic = pop.months_employed * monthly
    taxable -= basic
    taxable -= pop.cumulative_special_deductions
    taxable -= pop.cumulative_special_additional
    taxable -= pop.cumulative_other_deductions
    np.maximum(taxable, 0, out=taxable)
    # row i when ceilings[i-1] < taxable ≤ ceilings[i]: exactly the scalar path's "taxable ≤ up_to".
    # Counting the ceilings below each income is searchsorted(side="left"), but branch-free: six
    # vectorised comparisons beat a million binary searches by ~8×.
    row = np.zeros(taxable.shape, dtype=np.intp)
    for ceiling in ceilings:
        row += taxable > ceiling
    # tax = taxable × n/d rounded half up − quick deduction = (taxable × 2n + d) // 2d − quick
    tax = (2 * numerators)[row]
    tax *= taxable
    tax += denominator
    tax //= 2 * denominator
    tax -= quick[row]
    due = tax - pop.cumulative_reliefs
    due -= pop.cumulative_withheld
    withholding = np.maximum(due, 0, out=due)
    return PopulationWithholding(str(p), pop, withholding, taxable, tax)
