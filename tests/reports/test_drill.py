"""A drill-down's pages follow one another, and its export holds every record."""

from __future__ import annotations

import datetime as dt

import pytest

from statelink.errors import UsageError
from statelink.nation import Layout
from statelink.reports import drill as drilling
from statelink.reports.drill import checked, drill, every
from statelink.reports.report import Period
from statelink.reports.sources import refreshed, state_report

AUTUMN = Period(dt.datetime(2026, 7, 1), dt.datetime(2026, 10, 1))


def test_pages_of_a_drill_down_have_no_gap_and_no_overlap(year: Layout) -> None:
    table = refreshed(year, "WA")
    total = state_report(year, "WA", AUTUMN)["totals"]["requests"]
    size = 37
    pages = [drill(table, {}, period=AUTUMN, limit=size, offset=o) for o in range(0, total, size)]
    seqs = [r.seq for page in pages for r in page.rows]
    assert all(page.count == total for page in pages)
    assert len(seqs) == len(set(seqs)) == total > size
    whole = drill(table, {}, period=AUTUMN, limit=total + 1)
    assert seqs == [r.seq for r in whole.rows]  # newest first, the same order
    assert drill(table, {}, period=AUTUMN, limit=size, offset=total).rows == ()


def test_every_gives_each_matching_record_in_the_drill_down_s_order(
    year: Layout, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(drilling, "EXPORT_BATCH", 50)
    table = refreshed(year, "WA")
    filters = {"decision": "permit"}
    found = drill(table, filters, limit=10**9)
    batches = list(every(table, filters))
    assert all(len(b) == 50 for b in batches[:-1])
    assert 0 < len(batches[-1]) <= 50
    assert [r for b in batches for r in b] == list(found.rows)
    assert found.count > 50
    steps = drill(table, {"status": "COLLECTED"}, limit=10**9)
    assert not steps.answers
    assert drill(table, {}).answers
    assert [r for b in every(table, {"status": "COLLECTED"}) for r in b] == list(steps.rows)


def test_an_unknown_filter_is_refused_before_anything_is_read() -> None:
    with pytest.raises(UsageError, match="unknown filter"):
        checked({"colour": "blue"})
    assert checked({"decision": "deny", "ori": ""}) == {"decision": "deny"}
