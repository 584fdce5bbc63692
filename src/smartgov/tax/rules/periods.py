"""Tax periods written as text: ``2024`` (a year), ``2024-11`` (a month), ``2024Q3`` (a quarter)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from smartgov.kit.errors import InvalidInput

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")
FIRST_YEAR = 2019  # the rules here start with the 2018 IIT law's comprehensive income
LAST_YEAR = 2100


@dataclass(frozen=True, order=True)
class Period:
    year: int
    first_month: int
    months: int  # 1 month, 3 a quarter, 12 a year

    @property
    def start(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def last_month(self) -> int:
        return self.first_month + self.months - 1

    @property
    def kind(self) -> str:
        return {1: "month", 3: "quarter", 12: "year"}[self.months]

    def __str__(self) -> str:
        if self.months == 1:
            return f"{self.year}-{self.first_month:02d}"
        if self.months == 3:
            return f"{self.year}Q{(self.first_month - 1) // 3 + 1}"
        return f"{self.year}"


def _year(text: str, field: str) -> int:
    year = int(text)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput.for_field(field, f"The year must be between {FIRST_YEAR} and {LAST_YEAR}.")
    return year


def parse_period(
    text: object, field: str = "period", *, kinds: tuple[str, ...] = ("month", "quarter", "year")
) -> Period:
    """Parse ``YYYY``, ``YYYY-MM`` or ``YYYYQn``; a malformed one raises a 422 naming ``field``."""
    if not isinstance(text, str):
        raise InvalidInput.for_field(field, "A period is text such as 2024-11, 2024Q3 or 2024.")
    text = text.strip()
    period: Period | None = None
    if m := _MONTH.match(text):
        month = int(m.group(2))
        if not 1 <= month <= 12:
            raise InvalidInput.for_field(field, f"{text!r}: the month must be 01 to 12.")
        period = Period(_year(m.group(1), field), month, 1)
    elif m := _QUARTER.match(text):
        period = Period(_year(m.group(1), field), (int(m.group(2)) - 1) * 3 + 1, 3)
    elif m := _YEAR.match(text):
        period = Period(_year(m.group(1), field), 1, 12)
    if period is None:
        raise InvalidInput.for_field(field, f"{text!r} is not a period: write 2024-11, 2024Q3 or 2024.")
    if period.kind not in kinds:
        raise InvalidInput.for_field(field, f"{text!r}: expected a {' or '.join(kinds)} here.")
    return period
