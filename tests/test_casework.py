"""The demo year's casework, in parts (the whole of it runs in tests/test_story.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from statelink.casework import sent_by, working_moment
from statelink.notices.store import Notice

HELD = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)  # a Tuesday

# (minutes after the hold, the moment a reviewer decides)
WORKING = {
    "in working hours": (90, dt.datetime(2026, 3, 10, 11, 30, tzinfo=dt.UTC)),
    "after six: next morning": (8 * 60 + 5, dt.datetime(2026, 3, 11, 8, 5, tzinfo=dt.UTC)),
    "before eight: that morning": (20 * 60, dt.datetime(2026, 3, 11, 8, 0, tzinfo=dt.UTC)),
}


@pytest.mark.parametrize(("minutes", "decided"), WORKING.values(), ids=WORKING.keys())
def test_reviewers_decide_in_working_hours(minutes: int, decided: dt.datetime) -> None:
    assert working_moment(HELD, minutes) == decided


def notice(released: dt.date, due: dt.date) -> Notice:
    return Notice(
        1, "M1", "due", released, due, "WAHSI0100", "HSI", "C", "driver", "A", "1 Main St",
        "Olympia", "WA", "98501", "", None, None,
    )  # fmt: skip


def test_a_notice_sent_in_time_is_sent_on_a_business_day_by_its_due_date() -> None:
    """Released on a Friday before Thanksgiving week's Thursday: Mon, Tue, Wed count."""
    sent = {sent_by(notice(dt.date(2026, 11, 20), dt.date(2026, 11, 25)), n, []) for n in range(9)}
    assert sent == {dt.date(2026, 11, 23), dt.date(2026, 11, 24), dt.date(2026, 11, 25)}
