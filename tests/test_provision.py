"""The demo's certification histories over its year, and the rows provisioning writes."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from statelink.directory import seed_directory
from statelink.provision import (
    HOUSTON,
    History,
    Term,
    _certifications,
    history_of,
    terms,
)

TODAY = dt.date(2026, 12, 2)  # the build's day: the year is the 365 days before it
START = TODAY - dt.timedelta(days=365)


def covers(held: list[Term], day: dt.date) -> bool:
    return any(
        t.valid_from <= day <= t.valid_to and (t.revoked_at is None or day < t.revoked_at.date())
        for t in held
    )


def days_covered(ori: str) -> list[bool]:
    held = terms(ori, TODAY)
    return [covers(held, START + dt.timedelta(days=d)) for d in range(366)]


def one_of(history: History) -> str:
    return next(a.ori for a in seed_directory() if history_of(a.ori) is history)


# (history, covered on the year's first day, on its last, on the build's day,
#  whether coverage ever changes within the year)
HISTORIES = {
    History.WHOLE: (True, True, True, False),
    History.ENDING: (True, True, True, False),
    History.RENEWED: (True, True, True, False),
    History.GAP: (True, True, True, True),
    History.LAPSED: (True, False, False, True),
    History.REVOKED: (True, False, False, True),
    History.NEVER: (False, False, False, False),
    History.HOUSTON: (True, True, False, True),
}


@pytest.mark.parametrize("history", HISTORIES, ids=[h.value for h in HISTORIES])
def test_each_history_covers_the_year_as_it_says(history: History) -> None:
    first, last, build_day, changes = HISTORIES[history]
    covered = days_covered(HOUSTON if history is History.HOUSTON else one_of(history))
    assert (covered[0], covered[364], covered[365]) == (first, last, build_day)
    assert (len(set(covered[:365])) == 2) is changes


def test_houston_lapses_in_the_spring_and_renews_in_the_summer() -> None:
    covered = days_covered(HOUSTON)
    lapsed = [d for d in range(365) if not covered[d]]
    assert lapsed == list(range(141, 201))
    _, renewal = terms(HOUSTON, TODAY)
    assert renewal.valid_to == TODAY - dt.timedelta(days=1)  # ended yesterday


def test_every_other_change_comes_after_houston_s_first_lapse() -> None:
    """The certifications page lists the soonest end first: Houston's leads it."""
    ends = [t.valid_to for a in seed_directory() if a.ori != HOUSTON for t in terms(a.ori, TODAY)]
    assert min(ends) > terms(HOUSTON, TODAY)[0].valid_to


def test_a_revocation_has_a_reason_and_a_day_of_the_year() -> None:
    (term,) = terms(one_of(History.REVOKED), TODAY)
    assert term.revoked_at is not None
    assert START <= term.revoked_at.date() < TODAY
    assert term.revoked_reason


def test_the_rows_of_a_state_are_a_few_histories_among_whole_years() -> None:
    rows = _certifications("WA", seed_directory(), TODAY)
    kinds = Counter(history_of(str(r["ori"])) for r in rows)
    assert kinds[History.WHOLE] > 0.85 * sum(kinds.values())
    assert all(kinds[h] > 0 for h in History if h is not History.NEVER)
    assert kinds[History.NEVER] == 0  # a never-certified agency has no row
    documents = [r["document"] for r in rows]
    assert len(documents) == len(set(documents))
    assert all(r["valid_from"] <= r["valid_to"] for r in rows)  # type: ignore[operator]
