"""The public report over generated reports: every number it prints is true, nothing it
prints is a false bound, and no suppressed count from 1 to 9 can be worked out.

A reader knows every printed number and how the tables relate: the first four tables
each total every request; the immigration agencies' two tables each total the
"immigration agencies" row of the first; a decision's count is the immigration agencies'
count for it plus everyone else's (not printed, at least 0); the signed checkpoint's size
is the requests plus the log's other records (not printed, at least 0); and a suppressed
count is at least 1, since zeros are printed. Those equations, with whole unknowns, are
all the reader has: any numbers that satisfy them are some year's report (a table of who
asked by decision, and of component by decision, exists for any such margins). The test
solves them exactly: for each suppressed count, the least and the greatest value it can
take, by linear programming in fractions. The equations form a network (each unknown is
a flow), so those bounds are whole numbers that the count can take; the test checks that
they are whole, and that they differ.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from statelink.messages.fields import PURPOSES
from statelink.reports import public
from statelink.reports.model import Count, ImmigrationCount, Report
from statelink.reports.suppression import THRESHOLD

WHO = ("in-state agencies", "out-of-state agencies", "other federal agencies")
IMMIGRATION = "immigration agencies"
DECISIONS = ("permit", "deny", "hold", "none")
COMPONENTS = ("CBP", "HSI", "ICE", "other")
TYPES = ("DNQ", "DQ", "KQ", "RNQ", "RPQ", "RQ")
WHOLE = ("Requests by who asked", "Requests by purpose", "Requests by decision")
ALL = (*WHOLE, "Requests by message type")
BY_COMPONENT = "Requests from immigration agencies, by component"
BY_DECISION = "Requests from immigration agencies, by decision"

SAME_AS_IMMIGRATION = (
    ("Requests by who asked", IMMIGRATION),
    (BY_COMPONENT, "total"),
    (BY_DECISION, "total"),
)

Truth = dict[tuple[str, str], int]  # (table, row or "total"): the true count

counts = st.one_of(
    st.just(0), st.integers(1, 9), st.integers(10, 11), st.integers(0, 12), st.integers(0, 300)
)


def breakdown(found: dict[str, int]) -> list[Count]:
    """As the report gives it: the keys that occur, the largest first."""
    rows = sorted(((-n, key) for key, n in found.items() if n), key=lambda r: r)
    return [{"key": key, "n": -n, "released": None} for n, key in rows]


def split(draw: st.DrawFn, total: int, keys: Sequence[str]) -> dict[str, int]:
    """``total`` split over ``keys``, mostly in small counts, the last key taking the rest."""
    parts: dict[str, int] = {}
    for key in keys[:-1]:
        parts[key] = min(draw(counts), total - sum(parts.values()))
    parts[keys[-1]] = total - sum(parts.values())
    return parts


@st.composite
def reports(draw: st.DrawFn) -> tuple[Report, Truth]:
    """A report as ``reports.report.build`` makes one, and the true count of every cell."""
    decisions = draw(st.lists(st.sampled_from(DECISIONS), min_size=1, max_size=4, unique=True))
    asked = draw(st.lists(st.sampled_from(WHO), max_size=3, unique=True))
    components = draw(st.lists(st.sampled_from(COMPONENTS), max_size=3, unique=True))
    crossed = {(who, d): draw(counts) for who in asked for d in decisions}
    imm = {(c, d): draw(counts) for c in components for d in decisions}
    who = {w: sum(n for (k, _), n in crossed.items() if k == w) for w in asked}
    who[IMMIGRATION] = sum(imm.values())
    decided = {
        d: sum(n for (_, k), n in (*crossed.items(), *imm.items()) if k == d) for d in decisions
    }
    total = sum(who.values())
    purposes = split(
        draw, total, draw(st.lists(st.sampled_from([*PURPOSES, ""]), min_size=1, unique=True))
    )
    types = split(draw, total, draw(st.lists(st.sampled_from(TYPES), min_size=1, unique=True)))
    size = draw(st.one_of(st.none(), st.integers(0, 3).map(lambda more: total + more)))
    immigration: list[ImmigrationCount] = [
        {"component": c, "decision": d, "n": n, "released": None} for (c, d), n in imm.items() if n
    ]
    empty: list[Count] = []
    report: Report = {
        "state": "WA",
        "since": None,
        "until": None,
        "totals": {
            "requests": total,
            "records_released": 0,
            "requesters": 0,
            "first": None,
            "last": None,
            "immigration_requests": who[IMMIGRATION],
            "immigration_released": 0,
            "refused": decided.get("deny", 0),
            "held": decided.get("hold", 0),
        },
        "breakdowns": {
            "decision": breakdown(decided),
            "status": empty,
            "mke": breakdown(types),
            "purpose": [{**r, "label": PURPOSES.get(r["key"], "")} for r in breakdown(purposes)],
            "kind": empty,
            "department": empty,
            "component": empty,
            "requester_class": breakdown(who),
            "group": empty,
            "policy": [],
        },
        "top_requesters": [],
        "immigration": immigration,
        "flow": [],
        "weekly": [],
        "review": [],
        "policy_sets": [],
        "anchor": None
        if size is None
        else {
            "origin": "statelink.example/audit/WA",
            "size": size,
            "root": "00" * 32,
            "witnessed_by": [],
        },
    }
    by_component = {c: sum(n for (k, _), n in imm.items() if k == c) for c in components}
    by_decision = {d: sum(n for (_, k), n in imm.items() if k == d) for d in decisions}
    truth: Truth = {}
    for title, found, label in (
        ("Requests by who asked", who, str),
        ("Requests by purpose", purposes, lambda k: PURPOSES.get(k, k or "none")),
        ("Requests by decision", decided, lambda k: public.DECISIONS[k]),
        ("Requests by message type", types, str),
        (BY_COMPONENT, by_component, str),
        (BY_DECISION, by_decision, lambda k: public.DECISIONS[k]),
    ):
        truth.update({(title, label(k)): n for k, n in found.items() if n})
        truth[title, "total"] = who[IMMIGRATION] if title.startswith("Requests from") else total
    return report, truth


def true_count(truth: Truth, table: str, row: str) -> int:
    """A row the report lists and the generator did not: a category that did not occur."""
    return truth.get((table, row), 0)


# -- what the report prints, in every format -------------------------------------------


Printed = dict[tuple[str, str], int | None]  # (table, row): the count, None if suppressed


def from_json(report: Report) -> Printed:
    return {
        (t["table"], c["row"]): c["requests"]
        for t in public.to_json(report)["tables"]
        for c in (*t["rows"], t["total"])
    }


def from_csv(report: Report) -> Printed:
    printed: Printed = {}
    for row in csv.DictReader(io.StringIO(public.to_csv(report))):
        if row["table"] != "Signed checkpoint covered":
            assert row["status"] in ("shown", "suppressed")
            assert (row["requests"] == "") == (row["status"] == "suppressed")
            printed[row["table"], row["row"]] = int(row["requests"]) if row["requests"] else None
    return printed


def from_html(report: Report) -> Printed:
    page = public.to_html(report)
    printed: Printed = {}
    for title, body in re.findall(r"<h2>(.*?)</h2>(.*?)</section>", page):
        for label, shown in re.findall(r"<th scope='row'>(.*?)</th><td[^>]*>(.*?)</td>", body):
            row = "total" if label == "Total" else html.unescape(label)
            text = html.unescape(shown)
            value = None if text == public.SUPPRESSED else int(text.replace(",", ""))
            printed[html.unescape(title), row] = value
    return printed


# -- what a reader can work out: exact linear programming ------------------------------


Row = dict[str, int]  # an equation's unknowns and their coefficients


class Polytope:
    """{x >= 0 : each equation's sum equals its constant}, in exact fractions (a tableau
    with an artificial unknown per equation, found feasible once by phase one)."""

    def __init__(self, unknowns: Sequence[str], equations: Sequence[tuple[Row, int]]) -> None:
        self.unknowns = list(unknowns)
        n, m = len(unknowns), len(equations)
        self.width = n
        self.tableau: list[list[Fraction]] = []
        for i, (row, constant) in enumerate(equations):
            sign = -1 if constant < 0 else 1
            line = [Fraction(sign * row.get(u, 0)) for u in unknowns]
            line += [Fraction(int(i == j)) for j in range(m)] + [Fraction(sign * constant)]
            self.tableau.append(line)
        self.basis = [n + i for i in range(m)]
        found = self._solve([Fraction(0)] * n + [Fraction(1)] * m, range(n + m))
        assert found == 0, "the printed numbers admit no report"
        for i, unknown in enumerate(self.basis):
            if unknown >= n:  # an artificial left at 0: out of the basis, if its row allows
                column = next((j for j in range(n) if self.tableau[i][j] != 0), None)
                if column is not None:
                    self._pivot(i, column)

    def bounds(self, unknown: str) -> tuple[Fraction, Fraction | None]:
        """The least and the greatest value (None: no greatest) of an unknown."""
        at = self.unknowns.index(unknown)
        low = self._optimum([Fraction(int(j == at)) for j in range(self.width)])
        high = self._optimum([Fraction(-int(j == at)) for j in range(self.width)])
        assert low is not None
        return low, None if high is None else -high

    def _optimum(self, cost: list[Fraction]) -> Fraction | None:
        copy = Polytope.__new__(Polytope)
        copy.unknowns, copy.width = self.unknowns, self.width
        copy.tableau = [line[:] for line in self.tableau]
        copy.basis = self.basis[:]
        extra = len(self.tableau[0]) - 1 - self.width
        return copy._solve(cost + [Fraction(0)] * extra, range(self.width))

    def _solve(self, cost: list[Fraction], allowed: Iterable[int]) -> Fraction | None:
        """Minimise with Bland's rule (no cycling); None if unbounded below."""
        columns = list(allowed)
        while True:
            prices = [cost[b] for b in self.basis]
            entering = next(
                (
                    j
                    for j in columns
                    if cost[j]
                    - sum(p * line[j] for p, line in zip(prices, self.tableau, strict=True))
                    < 0
                ),
                None,
            )
            if entering is None:
                return sum(
                    (p * line[-1] for p, line in zip(prices, self.tableau, strict=True)),
                    Fraction(0),
                )
            ratios = [
                (line[-1] / line[entering], self.basis[i], i)
                for i, line in enumerate(self.tableau)
                if line[entering] > 0
            ]
            if not ratios:
                return None
            self._pivot(min(ratios)[2], entering)

    def _pivot(self, row: int, column: int) -> None:
        line = self.tableau[row]
        factor = line[column]
        self.tableau[row] = line = [v / factor for v in line]
        for i, other in enumerate(self.tableau):
            if i != row and other[column] != 0:
                times = other[column]
                self.tableau[i] = [a - times * b for a, b in zip(other, line, strict=True)]
        self.basis[row] = column


def reader(printed: Printed, report: Report) -> tuple[Polytope, dict[str, list[tuple[str, str]]]]:
    """The reader's equations, over the suppressed counts (less 1, so at least 0) and the
    unprinted terms; and the cells where each count is printed (a total in several)."""
    slots: dict[tuple[str, str], str] = {}
    for table, row in printed:
        if table in ALL and row == "total":
            slots[table, row] = "every request"
        elif (table, row) in SAME_AS_IMMIGRATION:
            slots[table, row] = IMMIGRATION
        else:
            slots[table, row] = f"{table}: {row}"
    known: dict[str, int] = {}
    for key, value in printed.items():
        if value is not None:
            assert known.setdefault(slots[key], value) == value
    floor = 0 if public.to_json(report)["withheld"] else 1  # zeros shown: suppressed >= 1
    offsets = {slot: floor for slot in slots.values() if slot not in known}
    equations: list[tuple[Row, int]] = []

    def equation(terms: Iterable[tuple[str, int]], constant: int = 0) -> None:
        row: Row = {}
        for slot, coefficient in terms:
            if slot in known:
                constant -= coefficient * known[slot]
            else:
                row[slot] = row.get(slot, 0) + coefficient
                constant -= coefficient * offsets.get(slot, 0)
        equations.append((row, constant))

    for title in (*ALL, BY_COMPONENT, BY_DECISION):
        parts = [(slots[t, r], 1) for t, r in printed if t == title and r != "total"]
        equation([*parts, (slots[title, "total"], -1)])
    for label in public.DECISIONS.values():
        if (BY_DECISION, label) in printed or ("Requests by decision", label) in printed:
            others = f"everyone else: {label}"
            offsets[others] = 0
            mine = [(slots[BY_DECISION, label], 1)] if (BY_DECISION, label) in slots else []
            total = [(slots["Requests by decision", label], -1)]
            equation([*mine, (others, 1), *total])
    if report["anchor"] is not None:
        offsets["other records"] = 0
        equation([("every request", 1), ("other records", 1)], report["anchor"]["size"])
    unknowns = sorted({slot for row, _ in equations for slot in row} | set(offsets) - set(known))
    where: dict[str, list[tuple[str, str]]] = {}
    for key, slot in slots.items():
        where.setdefault(slot, []).append(key)
    return Polytope(unknowns, equations), where


# -- the properties ----------------------------------------------------------------------


FORMATS: tuple[Callable[[Report], Printed], ...] = (from_json, from_csv, from_html)


def expected_order(report: Report, truth: Truth) -> dict[str, list[str]]:
    """Each table's rows in the documented order: its known categories (even at 0), then
    the others by name; never by count."""

    def occurring(title: str) -> list[str]:
        return sorted(row for table, row in truth if table == title and row != "total")

    decisions = list(public.DECISIONS.values())
    purposes = list(PURPOSES.values())
    return {
        "Requests by who asked": list(public.WHO),
        "Requests by purpose": purposes + [r for r in occurring(WHOLE[1]) if r not in purposes],
        "Requests by decision": decisions,
        "Requests by message type": occurring("Requests by message type"),
        BY_COMPONENT: occurring(BY_COMPONENT),
        BY_DECISION: decisions,
    }


@settings(max_examples=300, deadline=None)
@given(reports())
def test_every_printed_number_is_true_and_no_small_count_can_be_worked_out(
    made: tuple[Report, Truth],
) -> None:
    report, truth = made
    printed = from_json(report)
    withheld = public.to_json(report)["withheld"]
    assert not withheld or all(value is None for value in printed.values())
    for read in FORMATS[1:]:
        assert read(report) == printed  # every format prints the same numbers
    for (table, row), value in printed.items():
        true = true_count(truth, table, row)
        assert value is None or value == true, (table, row)  # (a) a printed number is true
        assert value is not None or true >= 1 or withheld, (table, row)  # (b) never a zero
        assert not 0 < true < THRESHOLD or value is None, (table, row)
    assert set(truth) <= set(printed)  # every category that occurred has its row
    order = {t.title: [label for label, _ in t.rows] for t in public.tables(report)}
    assert order == expected_order(report, truth)  # (b) the order says nothing of the counts
    polytope, slots = reader(printed, report)
    for slot, keys in slots.items():
        (true,) = {true_count(truth, *key) for key in keys}
        if not 0 < true < THRESHOLD or slot not in polytope.unknowns:
            continue
        low, high = polytope.bounds(slot)  # of the count less 1
        assert low.denominator == 1  # whole: the equations are a network's
        assert high is None or high.denominator == 1
        assert high is None or low < high, (slot, true, low + 1, high + 1)  # (c)
