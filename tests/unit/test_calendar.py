"""Calendar rules of METHOD.md: period starts with month clamping, working days."""

from __future__ import annotations

from datetime import date

import pytest

from crm_accounts.domain import months_before
from crm_accounts.domain.calendar import first_working_day, is_working_day
from crm_accounts.domain.revenue import Period


def test_31_march_minus_one_month_clamps_to_28_february() -> None:
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)


def test_31_march_minus_one_month_clamps_to_29_february_in_a_leap_year() -> None:
    assert months_before(date(2024, 3, 31), 1) == date(2024, 2, 29)


def test_twelve_months_before_29_february_is_28_february_of_the_previous_year() -> None:
    assert months_before(date(2024, 2, 29), 12) == date(2023, 2, 28)


def test_forty_eight_months_before_29_february_is_29_february_again() -> None:
    assert months_before(date(2024, 2, 29), 48) == date(2020, 2, 29)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 15), 1, date(2025, 12, 15)),
        (date(2026, 11, 27), 12, date(2025, 11, 27)),
        (date(2026, 5, 31), 1, date(2026, 4, 30)),
        (date(2026, 7, 31), 13, date(2025, 6, 30)),
        (date(2026, 12, 31), 12, date(2025, 12, 31)),
        (date(2026, 3, 10), 0, date(2026, 3, 10)),
        (date(2026, 3, 10), 36, date(2023, 3, 10)),
    ],
)
def test_months_before_steps_back_whole_calendar_months(
    day: date, months: int, expected: date
) -> None:
    assert months_before(day, months) == expected


def test_period_ending_on_as_of_starts_the_given_months_earlier() -> None:
    period = Period.ending(date(2024, 2, 29), 12)
    assert (period.start, period.end, period.months) == (date(2023, 2, 28), date(2024, 2, 29), 12)


def test_period_excludes_its_start_and_includes_its_end() -> None:
    period = Period.ending(date(2026, 3, 31), 1)
    assert date(2026, 2, 28) not in period
    assert date(2026, 3, 1) in period
    assert date(2026, 3, 31) in period
    assert date(2026, 4, 1) not in period


def test_monday_to_friday_are_working_days_and_the_weekend_is_not() -> None:
    week = [date(2026, 6, 1 + offset) for offset in range(7)]  # 2026-06-01 is a Monday
    assert [is_working_day(day) for day in week] == [True] * 5 + [False] * 2


def test_first_working_day_from_a_saturday_is_the_next_monday() -> None:
    assert first_working_day(date(2026, 6, 6), date(2026, 6, 13)) == date(2026, 6, 8)


def test_first_working_day_is_none_when_the_range_holds_only_a_weekend() -> None:
    assert first_working_day(date(2026, 6, 6), date(2026, 6, 8)) is None


def test_first_working_day_excludes_the_end_of_the_range() -> None:
    assert first_working_day(date(2026, 6, 8), date(2026, 6, 8)) is None
    assert first_working_day(date(2026, 6, 8), date(2026, 6, 9)) == date(2026, 6, 8)
