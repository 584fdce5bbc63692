"""Working days: the official schedules, tenant overrides and deadline arithmetic."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartgov.catalogue.calendar import (
    OFFICIAL_SCHEDULES,
    WorkingCalendar,
    add_working_days,
    months_after,
    official_days,
    working_days_between,
)

CAL = WorkingCalendar.official()


def test_schedules_match_the_state_council_notices():
    days = official_days()
    off = sorted(d for d, (working, _name) in days.items() if not working)
    on = sorted(d for d, (working, _name) in days.items() if working)
    # days off incl. the weekends inside the breaks: 2025: 1+8+3+5+3+8, 2026: 3+9+3+5+3+3+7
    assert sum(d.year == 2025 for d in off) == 28 and sum(d.year == 2026 for d in off) == 33
    assert [d.isoformat() for d in on if d.year == 2026] == [
        "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]
    assert all(d.weekday() >= 5 for d in on), "adjusted working days always fall on a weekend"
    assert len(OFFICIAL_SCHEDULES[2025]) == 6 and len(OFFICIAL_SCHEDULES[2026]) == 7


def test_holidays_weekends_and_adjusted_days():
    assert not CAL.is_working_day(date(2026, 2, 16))  # Monday, Spring Festival eve
    assert CAL.is_working_day(date(2026, 2, 14))  # Saturday made a working day
    assert not CAL.is_working_day(date(2026, 3, 7))  # ordinary Saturday
    assert CAL.is_working_day(date(2026, 3, 9))  # ordinary Monday
    assert CAL.name_of(date(2026, 10, 1)).startswith("国庆节")


def test_deadline_across_the_spring_festival():
    # Submitted Friday 13 Feb 2026; 5 working days: Sat 14 (make-up), then the holiday to 23 Feb,
    # then Tue 24, Wed 25, Thu 26, Fri 27.
    assert add_working_days(date(2026, 2, 13), 5, CAL) == date(2026, 2, 27)
    assert working_days_between(date(2026, 2, 13), date(2026, 2, 27), CAL) == 5


def test_tenant_overrides_win():
    typhoon = WorkingCalendar.official({date(2026, 3, 9): False})
    assert add_working_days(date(2026, 3, 6), 1, CAL) == date(2026, 3, 9)
    assert add_working_days(date(2026, 3, 6), 1, typhoon) == date(2026, 3, 10)
    make_up = WorkingCalendar.official({date(2026, 2, 16): True})
    assert make_up.is_working_day(date(2026, 2, 16))


def test_negative_counts_are_refused():
    with pytest.raises(ValueError):
        add_working_days(date(2026, 1, 1), -1, CAL)


def naive_is_working(day: date, overrides: dict[date, bool]) -> bool:
    """An independent reading of the rules, straight from the schedule tables."""
    if day in overrides:
        return overrides[day]
    for _name, ranges, workdays in OFFICIAL_SCHEDULES.get(day.year, []):
        if day.isoformat() in workdays:
            return True
        for first, last in ranges:
            if first <= day.isoformat() <= last:
                return False
    return day.weekday() < 5


dates = st.dates(date(2024, 11, 1), date(2027, 2, 1))
overrides = st.dictionaries(st.dates(date(2025, 1, 1), date(2026, 12, 31)), st.booleans(), max_size=8)


@given(dates, st.integers(0, 60), overrides)
def test_deadlines_count_working_days_against_the_calendar(start, n, extra):
    cal = WorkingCalendar.official(extra)
    due = add_working_days(start, n, cal)
    counted = [start + timedelta(days=i) for i in range(1, (due - start).days + 1)]
    working = [d for d in counted if naive_is_working(d, extra)]
    assert len(working) == n  # exactly n working days after the start, up to and including the deadline
    assert n == 0 or naive_is_working(due, extra)  # the deadline itself is a working day
    assert working_days_between(start, due, cal) == n


@given(dates, dates, overrides)
def test_between_is_antisymmetric_and_additive(a, b, extra):
    cal = WorkingCalendar.official(extra)
    assert working_days_between(a, b, cal) == -working_days_between(b, a, cal)
    middle = min(a, b) + (max(a, b) - min(a, b)) / 2
    lo, hi = min(a, b), max(a, b)
    assert working_days_between(lo, hi, cal) == working_days_between(lo, middle, cal) + working_days_between(
        middle, hi, cal)


@pytest.mark.parametrize(("start", "months", "last_day"), [
    (date(2026, 3, 15), 12, date(2027, 3, 15)),  # the corresponding day of the final month
    (date(2026, 11, 30), 3, date(2027, 2, 28)),  # no 30 February: the month's last day
    (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
    (date(2026, 12, 31), 60, date(2031, 12, 31)),
    (date(2026, 5, 5), 0, date(2026, 5, 5)),
])
def test_a_period_of_months_ends_as_the_civil_code_counts(start, months, last_day):
    assert months_after(start, months) == last_day


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)), st.integers(0, 600))
def test_months_after_lands_in_the_right_month_never_past_the_corresponding_day(start, months):
    end = months_after(start, months)
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == months
    assert end.day == start.day or (end.day < start.day and (end + timedelta(days=1)).day == 1)
