"""What every rule shares: results that explain themselves, and input checks that name the field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from smartgov.kit.errors import InvalidInput

from .trace import Trace

# 10 billion yuan in fen: far above any one person's or small business's figures, and low enough that
# the vectorised path's int64 arithmetic (amount × 2 × rate numerator) can never overflow.
MAX_AMOUNT = 10**12


@dataclass(frozen=True, kw_only=True)
class Explained:
    trace: Trace

    def explain(self, lang: str = "zh-Hans", audience: str = "taxpayer") -> str:
        return self.trace.explain(lang, audience)


def amount(value: Any, field: str) -> int:
    """A money amount in fen: an int, not negative, not absurdly large."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput.for_field(field, "An amount is a whole number of fen.")
    if value < 0:
        raise InvalidInput.for_field(field, "An amount cannot be negative.", code="negative_amount")
    if value > MAX_AMOUNT:
        raise InvalidInput.for_field(field, "The amount is larger than any this calculator accepts.")
    return value


def count(value: Any, field: str, *, low: int = 0, high: int = 1000) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput.for_field(field, f"Expected a whole number from {low} to {high}.")
    return value


def choice(value: Any, field: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise InvalidInput.for_field(field, f"Expected one of: {', '.join(allowed)}.")
    return str(value)
