"""Business days: weekdays that are neither a US federal holiday nor one of the state's.

Federal holidays follow 5 U.S.C. 6103, with the Friday before or the Monday after when
one falls on a Saturday or a Sunday.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cache


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The n-th given weekday of a month (n = -1: the last)."""
    if n > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: dt.date) -> dt.date:
    if day.weekday() == 5:
        return day - dt.timedelta(days=1)
    if day.weekday() == 6:
        return day + dt.timedelta(days=1)
    return day


@cache
def federal_holidays(year: int) -> dict[dt.date, str]:
    mon, thu = 0, 3
    return {
        _observed(dt.date(year, 1, 1)): "New Year's Day",
        _nth_weekday(year, 1, mon, 3): "Martin Luther King Jr. Day",
        _nth_weekday(year, 2, mon, 3): "Washington's Birthday",
        _nth_weekday(year, 5, mon, -1): "Memorial Day",
        _observed(dt.date(year, 6, 19)): "Juneteenth",
        _observed(dt.date(year, 7, 4)): "Independence Day",
        _nth_weekday(year, 9, mon, 1): "Labor Day",
        _nth_weekday(year, 10, mon, 2): "Columbus Day",
        _observed(dt.date(year, 11, 11)): "Veterans Day",
        _nth_weekday(year, 11, thu, 4): "Thanksgiving Day",
        _observed(dt.date(year, 12, 25)): "Christmas Day",
    }


def is_business_day(day: dt.date, extra: Iterable[dt.date] = ()) -> bool:
    # the next year's New Year's Day may be observed on this year's December 31
    federal = day in federal_holidays(day.year) or day in federal_holidays(day.year + 1)
    return day.weekday() < 5 and not federal and day not in set(extra)


def add_business_days(start: dt.date, days: int, extra: Iterable[dt.date] = ()) -> dt.date:
    """The day that is ``days`` business days after ``start`` (not counting ``start``)."""
    holidays = set(extra)
    day = start
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_business_day(day, holidays):
            counted += 1
    return day
