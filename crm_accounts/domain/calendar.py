"""Date arithmetic the method needs: period starts with month clamping, working days. Pure."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

__all__ = ["first_working_day", "is_working_day", "months_before"]


def months_before(day: date, months: int) -> date:
    """``day`` minus ``months`` calendar months; a day missing in the target month clamps.

    >>> months_before(date(2026, 3, 31), 1)
    datetime.date(2026, 2, 28)
    """
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def is_working_day(day: date) -> bool:
    """Monday to Friday."""
    return day.weekday() < 5


def first_working_day(start: date, end: date) -> date | None:
    """The first working day in ``[start, end)``, or ``None`` when there is none."""
    day = start
    while day < end:
        if is_working_day(day):
            return day
        day += timedelta(days=1)
    return None
