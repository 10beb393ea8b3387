"""Business days skip weekends, federal holidays (observed) and the state's own."""

from __future__ import annotations

import datetime as dt

import pytest

from statelink.notices.calendar import add_business_days, federal_holidays, is_business_day

D = dt.date


@pytest.mark.parametrize(
    ("start", "days", "extra", "expected"),
    [
        (D(2026, 11, 18), 3, (), D(2026, 11, 23)),  # Wed → Mon, over a weekend
        (D(2026, 11, 24), 3, (), D(2026, 11, 30)),  # Tue → Mon, over Thanksgiving (Thu 26)
        (D(2026, 11, 24), 3, (D(2026, 11, 27),), D(2026, 12, 1)),  # and the state's Friday
        (D(2026, 11, 21), 3, (), D(2026, 11, 25)),  # a Saturday release counts from Monday
        (D(2026, 7, 2), 1, (), D(2026, 7, 6)),  # July 4 2026 is a Saturday: observed Fri 3
        (D(2027, 12, 23), 1, (), D(2027, 12, 27)),  # Christmas 2027 Sat: observed Fri 24
        (D(2026, 11, 20), 0, (), D(2026, 11, 20)),
    ],
)
def test_add_business_days(
    start: dt.date, days: int, extra: tuple[dt.date, ...], expected: dt.date
) -> None:
    assert add_business_days(start, days, extra) == expected


@pytest.mark.parametrize(
    ("year", "holiday", "day"),
    [
        (2026, "Martin Luther King Jr. Day", D(2026, 1, 19)),
        (2026, "Memorial Day", D(2026, 5, 25)),
        (2026, "Thanksgiving Day", D(2026, 11, 26)),
        (2027, "Juneteenth", D(2027, 6, 18)),  # Saturday → Friday
        (2028, "New Year's Day", D(2027, 12, 31)),  # 2028's observed on the eve (a Friday)
        (2026, "Veterans Day", D(2026, 11, 11)),
    ],
)
def test_federal_holidays(year: int, holiday: str, day: dt.date) -> None:
    assert federal_holidays(year)[day] == holiday
    assert not is_business_day(day)
