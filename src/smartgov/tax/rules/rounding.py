"""Rounding, in one place, exactly where the rules round.

Chinese tax amounts are stated in yuan to the fen (分). The law and the STA's announcements give the
formulas but no rounding mode; the STA's own software (the Natural Person e-Tax withholding client,
自然人电子税务局扣缴客户端, and the e-Tax return forms) rounds each computed amount to the fen, half
up (四舍五入). We do the same, once, at each figure that the return shows: a rate applied to an amount
(tax, income amount after the 20 % expense, tax-exclusive sales), never on intermediate sums of whole
fen, which are exact. Half-up here means half away from zero, which for the non-negative amounts the
rules produce is the same thing.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import numpy.typing as npt


def to_fen(exact: Fraction) -> int:
    """An exact amount in fen, rounded half up (away from zero) to a whole fen."""
    n, d = exact.numerator, exact.denominator  # d > 0 always
    q, r = divmod(abs(n), d)
    if 2 * r >= d:
        q += 1
    return q if n >= 0 else -q


def apply_rate(amount: int, rate: Fraction) -> int:
    """``amount × rate`` rounded half up to the fen."""
    return to_fen(amount * rate)


def divide(amount: int, divisor: Fraction) -> int:
    """``amount ÷ divisor`` rounded half up to the fen (tax-exclusive sales from tax-inclusive ones)."""
    return to_fen(Fraction(amount) / divisor)


def apply_rate_array(amount: npt.NDArray[np.int64], rate: Fraction) -> npt.NDArray[np.int64]:
    """Vectorised ``apply_rate`` for non-negative int64 amounts: the same half-up rule, in integers."""
    n, d = rate.numerator, rate.denominator
    return (amount * (2 * n) + d) // (2 * d)


def apply_rates_array(
    amount: npt.NDArray[np.int64], numerators: npt.NDArray[np.int64], denominator: int
) -> npt.NDArray[np.int64]:
    """Per-element rates ``numerators / denominator`` applied to non-negative amounts, half up."""
    return (amount * (2 * numerators) + denominator) // (2 * denominator)
