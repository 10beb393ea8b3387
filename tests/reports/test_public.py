"""The public report hides counts from 1 to 9 behind a neutral word, never a bound, and
hides enough others that no published total or relation between tables gives one back."""

from __future__ import annotations

import csv
import io
import json

import pytest

from statelink.reports import public
from statelink.reports.model import Count, Report
from statelink.reports.public import SUPPRESSED as S
from statelink.reports.suppression import Edge, Kind, Network, recoverable, suppress

WHO = "Requests by who asked"
DECISION = "Requests by decision"
TYPE = "Requests by message type"
BY_COMPONENT = "Requests from immigration agencies, by component"
BY_DECISION = "Requests from immigration agencies, by decision"


def counts(found: dict[str, int]) -> list[Count]:
    return [{"key": k, "n": n, "released": None} for k, n in found.items() if n]


def made(
    who: dict[str, int],
    decision: dict[str, int],
    *,
    types: dict[str, int] | None = None,
    immigration: dict[tuple[str, str], int] | None = None,
    size: int | None = None,
) -> Report:
    """A report with these breakdowns; every request's purpose is C, its message type RQ
    unless ``types`` says otherwise."""
    total = sum(who.values())
    imm = immigration or {}
    return {
        "state": "WA",
        "since": None,
        "until": None,
        "totals": {
            "requests": total,
            "records_released": 0,
            "requesters": 0,
            "first": None,
            "last": None,
            "immigration_requests": sum(imm.values()),
            "immigration_released": 0,
            "refused": decision.get("deny", 0),
            "held": decision.get("hold", 0),
        },
        "breakdowns": {
            "decision": counts(decision),
            "status": [],
            "mke": counts(types or {"RQ": total}),
            "purpose": [{**c, "label": ""} for c in counts({"C": total})],
            "kind": [],
            "department": [],
            "component": [],
            "requester_class": counts(who),
            "group": [],
            "policy": [],
        },
        "top_requesters": [],
        "immigration": [
            {"component": c, "decision": d, "n": n, "released": None} for (c, d), n in imm.items()
        ],
        "flow": [],
        "weekly": [],
        "review": [],
        "policy_sets": [],
        "anchor": None
        if size is None
        else {
            "origin": "statelink.example/audit/WA",
            "size": size,
            "root": "0",
            "witnessed_by": [],
        },
    }


def shown(report: Report) -> dict[tuple[str, str], str]:
    return {
        (t.title, label): text
        for t in public.tables(report)
        for label, text in [*t.rows, ("total", t.total)]
    }


WA = made(  # the demo's WA year: 53 refused and 3 held, 15 from immigration agencies
    {"out-of-state agencies": 1450, "immigration agencies": 15, "other federal agencies": 10}
    | {"in-state agencies": 3},
    {"permit": 1422, "deny": 53, "hold": 3},
    immigration={("CBP", "deny"): 6, ("HSI", "deny"): 3, ("HSI", "hold"): 3}
    | {("HSI", "permit"): 1, ("ICE", "deny"): 2},
    size=1478,
)


def test_a_hidden_59_is_never_labelled_under_10() -> None:
    report = made({"out-of-state agencies": 1484}, {"permit": 1422, "deny": 59, "hold": 3})
    cells = shown(report)
    assert cells[DECISION, "held"] == S
    assert cells[DECISION, "refused"] == S  # else 1,484 - 1,422 - 59 gives the 3 away
    assert cells[DECISION, "released or searched"] == "1,422"
    for text in (public.to_csv(report), public.to_html(report), json.dumps(public.to_json(report))):
        assert "<10" not in text
        assert "&lt;10" not in text


@pytest.mark.parametrize(("count", "printed"), [(1, S), (9, S), (10, "10"), (1_234, "1,234")])
def test_a_count_is_printed_from_10_up(count: int, printed: str) -> None:
    report = made(
        {"out-of-state agencies": 1000 + count, "in-state agencies": 40},
        {"permit": 1000 + count, "deny": 40},
        types={"DQ": 500, "KQ": count, "RQ": 540},
    )
    assert shown(report)[TYPE, "KQ"] == printed


@pytest.mark.parametrize(
    ("types", "printed"),
    [
        ([120, 40, 15], ["120", "40", "15"]),
        ([120, 40, 3], ["120", S, S]),  # alone, 163 - 120 would give the 3 away
        ([120, 4, 3], ["120", S, S]),  # two small counts hide each other
        ([120, 0, 3, 50], ["120", "0", S, S]),  # the cheapest other count (0: no row)
        ([1200, 9], [S, S]),  # else 1,209 - 1,200 gives the 9 away
        ([100, 1, 1], [S, S, S]),  # 1 and 1 of 2, each at least 1: both known
        ([100, 2, 1], ["100", S, S]),  # 2 and 1 of 3: or 1 and 2
    ],
)
def test_secondary_suppression_within_a_table(types: list[int], printed: list[str]) -> None:
    keys = [f"T{i}" for i in range(len(types))]
    total = sum(types)
    report = made(
        {"out-of-state agencies": total},
        {"permit": total},
        types=dict(zip(keys, types, strict=True)),
    )
    cells = shown(report)
    assert [cells.get((TYPE, k), "0") for k in keys] == printed
    assert cells[TYPE, "total"] == f"{total:,}"


def test_the_immigration_row_and_its_tables_totals_are_one_number() -> None:
    report = made(
        {"out-of-state agencies": 200, "immigration agencies": 5, "other federal agencies": 30},
        {"permit": 230, "deny": 5},
        immigration={("ICE", "deny"): 5},
    )
    cells = shown(report)
    assert cells[WHO, "immigration agencies"] == S
    assert cells[BY_COMPONENT, "total"] == cells[BY_DECISION, "total"] == S
    assert cells[WHO, "other federal agencies"] == S  # else 235 - 200 - 30 gives it away
    assert cells[BY_DECISION, "refused"] == S


def test_the_demo_year_hides_what_would_give_a_small_count_away() -> None:
    cells = shown(WA)
    assert cells[WHO, "other federal agencies"] == S  # protects in-state agencies' 3
    assert cells[DECISION, "held"] == S
    assert cells[DECISION, "refused"] == S  # else 1,478 - 1,422 gives the 3 held away
    assert cells[DECISION, "no decision (rejected or unavailable)"] == "0"
    # the immigration agencies' 11 refused can be shown: their 1 released and 3 held
    # could be 2 and 2, with one more held and one less released among everyone else
    assert cells[BY_DECISION, "refused"] == "11"
    assert cells[BY_DECISION, "held"] == cells[BY_DECISION, "released or searched"] == S
    assert cells[WHO, "immigration agencies"] == "15"
    assert [cells[BY_COMPONENT, c] for c in ("CBP", "HSI", "ICE")] == [S, S, S]


def test_rows_come_in_an_order_that_says_nothing_of_their_counts() -> None:
    small = made(
        {"out-of-state agencies": 50, "in-state agencies": 900},
        {"permit": 940, "deny": 10},
        types={"RQ": 900, "DQ": 50},
    )
    large = made(
        {"out-of-state agencies": 900, "in-state agencies": 50},
        {"permit": 10, "deny": 940},
        types={"DQ": 900, "RQ": 50},
    )
    order = [[(t.title, label) for label, _ in t.rows] for t in public.tables(small)]
    assert order == [[(t.title, label) for label, _ in t.rows] for t in public.tables(large)]
    assert order[0] == [(WHO, w) for w in ("in-state agencies", "out-of-state agencies")] + [
        (WHO, "immigration agencies"),
        (WHO, "other federal agencies"),
    ]
    assert [label for _, label in order[3]] == ["DQ", "RQ"]


def test_every_format_marks_a_suppressed_count_the_same_neutral_way() -> None:
    rows = list(csv.DictReader(io.StringIO(public.to_csv(WA))))
    held = next(r for r in rows if r["table"] == DECISION and r["row"] == "held")
    assert (held["requests"], held["status"]) == ("", "suppressed")
    released = next(r for r in rows if r["table"] == DECISION and r["row"] == "total")
    assert (released["requests"], released["status"]) == ("1478", "shown")
    tables = {t["table"]: t for t in public.to_json(WA)["tables"]}
    assert {"row": "held", "requests": None, "suppressed": True} in tables[DECISION]["rows"]
    assert tables[DECISION]["total"] == {"row": "total", "requests": 1478, "suppressed": False}
    page = public.to_html(WA)
    assert "<td class='suppressed'>suppressed</td>" in page
    assert "never 0" in page
    assert "<script" not in page


def test_a_total_under_10_hides_every_count_but_the_zeros() -> None:
    report = made({"out-of-state agencies": 8}, {"permit": 5, "deny": 3}, size=8)
    cells = shown(report)
    assert cells[WHO, "total"] == cells[DECISION, "refused"] == cells[TYPE, "RQ"] == S
    assert cells[DECISION, "held"] == cells[WHO, "in-state agencies"] == "0"


@pytest.mark.parametrize(
    ("edges", "hidden", "small", "expected"),
    [  # a total of 12 split 9 + 3: the 3 is known unless the 9 or the 12 is hidden too
        ([(12, Kind.COUNT), (9, Kind.COUNT), (3, Kind.COUNT)], {2}, 2, True),
        ([(12, Kind.COUNT), (9, Kind.COUNT), (3, Kind.COUNT)], {1, 2}, 2, False),
        ([(12, Kind.COUNT), (9, Kind.COUNT), (3, Kind.COUNT)], {0, 2}, 2, False),
        ([(12, Kind.UNKNOWN), (9, Kind.COUNT), (3, Kind.COUNT)], {0, 2}, 2, False),
        ([(12, Kind.FIXED), (11, Kind.COUNT), (1, Kind.COUNT)], {1, 2}, 2, False),
        ([(2, Kind.FIXED), (1, Kind.COUNT), (1, Kind.COUNT)], {1, 2}, 2, True),  # both 1
    ],
)
def test_a_count_is_recoverable_when_no_cycle_passes_through_it(
    edges: list[tuple[int, Kind]], hidden: set[int], small: int, expected: bool
) -> None:
    (total, total_kind), *parts = edges
    loop = [Edge("b", "a", total, total_kind)] + [Edge("a", "b", v, k) for v, k in parts]
    assert recoverable(loop, frozenset(hidden), small) is expected


def test_suppress_hides_the_cheapest_cycle() -> None:
    network = Network()
    network.add("b", "a", 155)
    network.parallel("a", "b", [100, 3, 40, 12, 0])
    made = suppress(network)
    hidden = made.hidden
    assert made.floor == 1
    assert hidden == {2, 4}  # the 3 and the 12: not the 40, the 100, the total or the 0
    assert not recoverable(network.edges, hidden, 2)


@pytest.mark.parametrize(
    ("who", "size", "withheld"),
    [
        ({"out-of-state agencies": 1}, 1, True),  # the checkpoint's 1 record is the request
        ({"out-of-state agencies": 1, "in-state agencies": 1}, 2, True),  # 1 + 1 of 2
        ({"out-of-state agencies": 1}, 2, False),  # 1 or 0 requests of 2 records
        ({"out-of-state agencies": 1}, None, False),
        ({"out-of-state agencies": 2}, 2, False),  # 1 of at least 1
    ],
)
def test_a_handful_of_requests_the_checkpoint_gives_away_withholds_every_count(
    who: dict[str, int], size: int | None, withheld: bool
) -> None:
    total = sum(who.values())
    report = made(who, {"permit": total}, size=size)
    published = public.to_json(report)
    assert published["withheld"] is withheld
    zeros = [c for t in published["tables"] for c in t["rows"] if c["requests"] == 0]
    assert (not zeros) is withheld
    assert ("every count, 0 too, is suppressed" in published["note"]) is withheld
    assert ("0 too" in public.to_html(report)) is withheld
