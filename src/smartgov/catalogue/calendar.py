"""Working days for legal deadlines: weekends, China's public holidays and the adjusted working days
(调休) that swap with them, plus a tenant's own overrides. Pure: no Django, no database.

Counting follows the Administrative Licensing Law (行政许可法 art. 82): time limits in working days
exclude the day the period starts; the deadline is the n-th working day after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache


def _span(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _d(text: str) -> date:
    return date.fromisoformat(text)


# The State Council General Office's notices (国务院办公厅关于…部分节假日安排的通知), as published:
# name, days off (inclusive ranges), and weekend days that become working days.
OFFICIAL_SCHEDULES: dict[int, list[tuple[str, list[tuple[str, str]], list[str]]]] = {
    # 国办发明电〔2024〕12号, 2024-11-12 (the first year with the two added holidays: 除夕, 5月2日).
    2025: [
        ("元旦 New Year's Day", [("2025-01-01", "2025-01-01")], []),
        ("春节 Spring Festival", [("2025-01-28", "2025-02-04")], ["2025-01-26", "2025-02-08"]),
        ("清明节 Qingming", [("2025-04-04", "2025-04-06")], []),
        ("劳动节 Labour Day", [("2025-05-01", "2025-05-05")], ["2025-04-27"]),
        ("端午节 Dragon Boat Festival", [("2025-05-31", "2025-06-02")], []),
        ("国庆节、中秋节 National Day and Mid-Autumn", [("2025-10-01", "2025-10-08")], ["2025-09-28", "2025-10-11"]),
    ],
    # 国务院办公厅关于2026年部分节假日安排的通知, 2025-11-04.
    2026: [
        ("元旦 New Year's Day", [("2026-01-01", "2026-01-03")], ["2026-01-04"]),
        ("春节 Spring Festival", [("2026-02-15", "2026-02-23")], ["2026-02-14", "2026-02-28"]),
        ("清明节 Qingming", [("2026-04-04", "2026-04-06")], []),
        ("劳动节 Labour Day", [("2026-05-01", "2026-05-05")], ["2026-05-09"]),
        ("端午节 Dragon Boat Festival", [("2026-06-19", "2026-06-21")], []),
        ("中秋节 Mid-Autumn", [("2026-09-25", "2026-09-27")], []),
        ("国庆节 National Day", [("2026-10-01", "2026-10-07")], ["2026-09-20", "2026-10-10"]),
    ],
}


def official_days(years: Iterable[int] | None = None) -> dict[date, tuple[bool, str]]:
    """Each day the official schedules change: date -> (is_working_day, name of the holiday)."""
    if years is None:
        return dict(_all_official_days())
    return _official_days(years)


@cache
def _all_official_days() -> dict[date, tuple[bool, str]]:
    return _official_days(OFFICIAL_SCHEDULES)


def _official_days(years: Iterable[int]) -> dict[date, tuple[bool, str]]:
    days: dict[date, tuple[bool, str]] = {}
    for year in years:
        for name, ranges, workdays in OFFICIAL_SCHEDULES.get(year, []):
            for first, last in ranges:
                for day in _span(_d(first), _d(last)):
                    days[day] = (False, name)
            for day_text in workdays:
                days[_d(day_text)] = (True, name)
    return days


@dataclass(frozen=True)
class WorkingCalendar:
    """Monday to Friday work, Saturday and Sunday rest, except on the listed days.

    ``days`` maps a date to whether it is a working day; it holds the official schedules and a
    tenant's overrides on top (a local holiday, a typhoon closure, a make-up Saturday)."""

    days: Mapping[date, bool] = field(default_factory=dict)
    names: Mapping[date, str] = field(default_factory=dict)

    @classmethod
    def official(cls, overrides: Mapping[date, bool] | None = None,
                 override_names: Mapping[date, str] | None = None) -> WorkingCalendar:
        """China's official schedules with ``overrides`` (the tenant's own days) winning."""
        official = official_days()
        days = {day: working for day, (working, _name) in official.items()}
        names = {day: name for day, (_working, name) in official.items()}
        days.update(overrides or {})
        names.update(override_names or {})
        return cls(days=days, names=names)

    def is_working_day(self, day: date) -> bool:
        listed = self.days.get(day)
        if listed is not None:
            return listed
        return day.weekday() < 5

    def name_of(self, day: date) -> str:
        return self.names.get(day, "")


def add_working_days(start: date, n: int, calendar: WorkingCalendar) -> date:
    """The n-th working day after ``start`` (``start`` itself never counts; n = 0 is ``start``)."""
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    while n > 0:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            n -= 1
    return day


def working_days_between(a: date, b: date, calendar: WorkingCalendar) -> int:
    """Working days d with a < d <= b (negative when b is before a), so that
    ``working_days_between(s, add_working_days(s, n, c), c) == n``."""
    if b < a:
        return -working_days_between(b, a, calendar)
    return sum(1 for i in range(1, (b - a).days + 1) if calendar.is_working_day(a + timedelta(days=i)))


def days_in_month(year: int, month: int) -> list[date]:
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return _span(first, nxt - timedelta(days=1))


def months_after(start: date, months: int) -> date:
    """The last day of a period of ``months`` calendar months that starts on ``start``.

    Civil Code art. 201-202 (民法典): the start day does not count, and the period ends on the
    corresponding day of its final month, or on that month's last day when it has none (31 January
    plus one month ends on 28 or 29 February)."""
    if months < 0:
        raise ValueError("months must not be negative")
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return min(date(year, month, 1) + timedelta(days=start.day - 1), days_in_month(year, month)[-1])
