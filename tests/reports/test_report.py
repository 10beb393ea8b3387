"""Reports from the audit logs equal what the synthetic year sent (its ground truth)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from statelink.nation import Layout
from statelink.reports.drill import drill
from statelink.reports.report import Period
from statelink.reports.sources import refreshed, state_report
from statelink.states import CODES


def expected(truth: dict[str, Any], components: tuple[str, ...] | None = None) -> Counter[str]:
    counts: Counter[str] = Counter()
    for key, n in truth["counts"].items():
        state, component, _mke, _purpose = key.split("|")
        if components is None or component in components:
            counts[state] += n
    return counts


def test_every_state_s_report_equals_the_ground_truth(year: Layout, truth: dict[str, Any]) -> None:
    everything = expected(truth)
    immigration = expected(truth, ("ICE", "HSI"))
    assert truth["answers"].get("UNAVAILABLE", 0) == 0
    assert sum(everything.values()) == sum(truth["answers"].values())
    for state in CODES:
        made = state_report(year, state)
        components = {r["key"]: r["n"] for r in made["breakdowns"]["component"]}
        assert made["totals"]["requests"] == everything[state], state
        assert components.get("ICE", 0) + components.get("HSI", 0) == immigration[state], state
    assert immigration["WA"] > 0


def test_the_report_s_breakdowns_add_up_and_the_year_has_its_rhythm(year: Layout) -> None:
    made = state_report(year, "CA")
    total = made["totals"]["requests"]
    for name in ("decision", "status", "mke", "purpose", "component", "requester_class"):
        assert sum(r["n"] for r in made["breakdowns"][name]) == total, name
    assert sum(r["n"] for r in made["flow"]) == total
    assert sum(w["n"] for w in made["weekly"]) == total
    assert (made["totals"]["first"] or "") >= "2025-11-01"
    assert (made["totals"]["last"] or "9") < "2026-11-01"
    assert 50 <= len(made["weekly"]) <= 54


def test_a_period_selects_by_the_hub_s_time(year: Layout) -> None:
    whole = state_report(year, "TX")["totals"]["requests"]
    spring = Period(dt.datetime(2026, 3, 1), dt.datetime(2026, 6, 1))
    rest_a = Period(None, dt.datetime(2026, 3, 1))
    rest_b = Period(dt.datetime(2026, 6, 1), None)
    parts = [state_report(year, "TX", p)["totals"]["requests"] for p in (spring, rest_a, rest_b)]
    assert sum(parts) == whole
    assert 0 < parts[0] < whole


def test_a_drill_down_counts_what_the_report_counted(year: Layout) -> None:
    made = state_report(year, "WA")
    table = refreshed(year, "WA")
    for name in ("decision", "component", "requester_class", "purpose"):
        for row in made["breakdowns"][name]:
            assert drill(table, {name: str(row["key"])}).count == row["n"], (name, row)
    for policy in made["breakdowns"]["policy"][:3]:
        found = drill(table, {"policy": policy["key"], "decision": policy["decision"]})
        assert found.count == policy["n"]
    week = made["weekly"][10]
    assert drill(table, {"week": week["week"]}).count == week["n"]
    sample = drill(table, {"decision": "deny"}, limit=5)
    assert len(sample.rows) == min(5, sample.count)
    assert all(r.decision == "deny" for r in sample.rows)


def test_the_copy_is_refreshed_incrementally(year: Layout) -> None:
    table = refreshed(year, "NY")
    parts = table.parts()
    assert refreshed(year, "NY").parts() == parts  # nothing new: no new part
    assert parts[0][0] == 0
    assert table.size() == parts[-1][1] + 1
