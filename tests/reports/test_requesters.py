"""Every agency that asked a state: the list adds up to the report's totals, its first
rows in the order of requests are the report's top requesters, and it pages and sorts."""

from __future__ import annotations

import datetime as dt

import pytest

from statelink.errors import UsageError
from statelink.nation import Layout
from statelink.reports.drill import drill
from statelink.reports.report import Period
from statelink.reports.requesters import COUNTED, ORDERS, Counts, agencies, order_of
from statelink.reports.sources import refreshed, state_report

SPRING = Period(dt.datetime(2026, 4, 1), dt.datetime(2026, 7, 1))


@pytest.mark.parametrize("period", [Period(), SPRING], ids=["all time", "Q2 2026"])
def test_every_agency_is_listed_once_and_the_rows_add_up_to_the_report(
    year: Layout, period: Period
) -> None:
    made = state_report(year, "CA", period, top=0)
    listed = agencies(refreshed(year, "CA"), period=period)
    totals, decisions = made["totals"], {r["key"]: r["n"] for r in made["breakdowns"]["decision"]}
    assert listed.total == totals["requesters"] == len(listed.rows) > 0
    assert len({a.ori for a in listed.rows}) == listed.total
    summed = Counts(*(sum(getattr(a.counts, name) for a in listed.rows) for name in COUNTED))
    assert summed == listed.sums
    assert listed.sums == Counts(
        requests=totals["requests"],
        permitted=decisions.get("permit", 0),
        refused=totals["refused"],
        held=totals["held"],
        undecided=decisions.get("none", 0),
        released=totals["records_released"],
    )
    by_ori = {r["ori"]: r for r in made["top_requesters"]}  # top=0: every agency
    for a in listed.rows:
        c = a.counts
        assert c.requests == c.permitted + c.refused + c.held + c.undecided
        assert (c.requests, c.released) == (by_ori[a.ori]["n"], by_ori[a.ori]["released"] or 0)
        assert a.first <= a.last


def test_the_first_rows_by_requests_are_the_report_s_top_requesters(year: Layout) -> None:
    made = state_report(year, "WA")
    listed = agencies(refreshed(year, "WA"), limit=len(made["top_requesters"]))
    assert [(a.ori, a.counts.requests) for a in listed.rows] == [
        (r["ori"], r["n"]) for r in made["top_requesters"]
    ]


@pytest.mark.parametrize("order", list(ORDERS))
def test_pages_follow_one_another_in_each_order(year: Layout, order: str) -> None:
    table = refreshed(year, "TX")
    whole = agencies(table, order=order)
    size = max(whole.total // 3, 1)
    paged = [
        a
        for offset in range(0, whole.total, size)
        for a in agencies(table, order=order, limit=size, offset=offset).rows
    ]
    assert paged == list(whole.rows)
    field = {"requests": "requests", "refused": "refused", "held": "held", "released": "released"}
    if order in field:
        counts = [getattr(a.counts, field[order]) for a in whole.rows]
        assert counts == sorted(counts, reverse=True)
    else:
        assert [a.ori for a in whole.rows] == sorted(a.ori for a in whole.rows)
    top = whole.rows[0]
    assert drill(table, {"ori": top.ori}).count == top.counts.requests


def test_an_order_there_is_not_is_refused() -> None:
    assert order_of("") == "requests"
    with pytest.raises(UsageError, match="order: expected one of requests, refused"):
        order_of("name; DROP TABLE x")
