"""Quarters and years as since/until days, the shortcuts to them, and a period in words."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from statelink.reports.periods import Span, in_words, quarter, shortcuts, year
from statelink.reports.report import Period

D = dt.date


@pytest.mark.parametrize(
    ("day", "back", "name", "since", "until"),
    [
        (D(2026, 12, 2), 0, "Q4 2026", D(2026, 10, 1), D(2027, 1, 1)),
        (D(2026, 12, 2), 1, "Q3 2026", D(2026, 7, 1), D(2026, 10, 1)),
        (D(2026, 12, 2), 4, "Q4 2025", D(2025, 10, 1), D(2026, 1, 1)),
        (D(2026, 1, 1), 0, "Q1 2026", D(2026, 1, 1), D(2026, 4, 1)),
        (D(2026, 1, 1), 1, "Q4 2025", D(2025, 10, 1), D(2026, 1, 1)),
        (D(2026, 3, 31), 0, "Q1 2026", D(2026, 1, 1), D(2026, 4, 1)),
        (D(2026, 4, 1), 0, "Q2 2026", D(2026, 4, 1), D(2026, 7, 1)),
        (D(2026, 6, 30), 2, "Q4 2025", D(2025, 10, 1), D(2026, 1, 1)),
        (D(2026, 9, 30), 7, "Q4 2024", D(2024, 10, 1), D(2025, 1, 1)),
    ],
)
def test_a_quarter_runs_from_its_first_day_to_the_next_quarter_s_first(
    day: dt.date, back: int, name: str, since: dt.date, until: dt.date
) -> None:
    found = quarter(day, back)
    assert (found.name, found.since, found.until) == (name, since, until)
    assert found.last == until - dt.timedelta(days=1)
    assert quarter(found.last) == found  # its last day is in it, its `until` is not
    assert quarter(found.until) != found


def test_the_shortcuts_are_this_quarter_the_four_before_it_and_this_and_last_year() -> None:
    found = shortcuts(D(2026, 12, 2))
    assert [(s.name, s.note) for s in found] == [
        ("Q4 2026", "this quarter, so far"),
        ("Q3 2026", "last quarter"),
        ("Q2 2026", ""),
        ("Q1 2026", ""),
        ("Q4 2025", ""),
        ("2026", "this year, so far"),
        ("2025", "last year"),
    ]
    quarters = found[:5]
    for later, earlier in itertools.pairwise(quarters):
        assert earlier.until == later.since  # no gap, no overlap
    assert found[5].params() == {"since": "2026-01-01", "until": "2027-01-01"}
    assert found[6] == Span("2025", D(2025, 1, 1), D(2026, 1, 1), "last year")


def _period(since: dt.date | None, until: dt.date | None) -> Period:
    def moment(day: dt.date | None) -> dt.datetime | None:
        return None if day is None else dt.datetime(day.year, day.month, day.day)

    return Period(moment(since), moment(until))


@pytest.mark.parametrize(
    ("since", "until", "words"),
    [
        (None, None, "all time"),
        (D(2026, 7, 1), D(2026, 10, 1), "Q3 2026: 1 July to 30 September 2026"),
        (D(2025, 10, 1), D(2026, 1, 1), "Q4 2025: 1 October to 31 December 2025"),
        (D(2026, 1, 1), D(2027, 1, 1), "2026: 1 January to 31 December 2026"),
        (D(2026, 3, 1), D(2026, 3, 16), "1 to 15 March 2026"),
        (D(2026, 3, 1), D(2026, 3, 2), "1 March 2026"),
        (D(2025, 12, 15), D(2026, 1, 15), "15 December 2025 to 14 January 2026"),
        (D(2026, 2, 1), D(2026, 4, 1), "1 February to 31 March 2026"),
        (D(2026, 3, 1), None, "from 1 March 2026 on"),
        (None, D(2026, 3, 1), "up to 28 February 2026"),
        (
            D(2026, 3, 1),
            D(2026, 3, 1),
            "no days: 'before' (1 March 2026) is not after 'from' (1 March 2026)",
        ),
    ],
)
def test_a_period_in_words_names_its_last_day_counted(
    since: dt.date | None, until: dt.date | None, words: str
) -> None:
    assert in_words(_period(since, until)) == words


def test_a_span_covers_exactly_its_own_period() -> None:
    q3 = quarter(D(2026, 8, 15))
    assert q3.covers(_period(D(2026, 7, 1), D(2026, 10, 1)))
    assert not q3.covers(_period(D(2026, 7, 1), D(2026, 9, 30)))
    assert not q3.covers(_period(D(2026, 7, 1), None))
    assert not year(D(2026, 8, 15)).covers(_period(None, None))
