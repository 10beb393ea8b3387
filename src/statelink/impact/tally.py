"""Counting a replay in DuckDB: before → after, by who asked and why, with examples.

*Before* is the decision the record logged; *after* the candidate's. Every count is of
audit records (one per message and owner state, the report's "requests"), read from the
view ``t`` of :class:`statelink.impact.inputs.Inputs` (grouped records with their
outcome). A change *loses* access when the outcome gets less permissive
(permit > hold > deny) and *gains* it when it gets more.
"""

from __future__ import annotations

from collections import Counter
from typing import TypedDict

import duckdb

from statelink.directory.federal import IMMIGRATION
from statelink.impact.outcomes import OUTCOMES, gained, lost, split, transition
from statelink.reports.table import quoted

STATE_AND_LOCAL = "state and local"
EXAMPLES = 3
COMPONENT = f"coalesce(nullif(component, ''), {quoted(STATE_AND_LOCAL)})"
DIMENSIONS = {"component": COMPONENT, "kind": "kind", "purpose": "purpose", "mke": "mke"}
IMMIGRANT = f"list_contains(string_split(groups_key, ';'), {quoted(IMMIGRATION)})"


class Lines(TypedDict):
    """Requests of a kind: how many, how many lose or gain access, and how."""

    records: int
    lose: int
    gain: int
    transitions: dict[str, int]  # "permit->deny": count, the zero ones left out


class ImmigrationLines(Lines):
    by_component: dict[str, Lines]


ChangedClass = TypedDict(
    "ChangedClass",
    {
        "from": str,
        "to": str,
        "component": str,
        "kind": str,
        "mke": str,
        "purpose": str,
        "records": int,
        "agencies": int,
        "examples": list[int],  # the seq of some of its records
    },
)


class BreakdownRow(TypedDict):
    key: str
    records: int
    changed: int
    transitions: dict[str, int]


class AffectedAgency(TypedDict):
    ori: str
    component: str
    kind: str
    records: int
    changed: int
    transitions: dict[str, int]


class Counts(TypedDict):
    """Everything a replay counts but the fidelity and the weekly holds."""

    outcomes: dict[str, int]  # every "before->after", zero or not
    changes: list[ChangedClass]
    breakdowns: dict[str, list[BreakdownRow]]  # by component, kind, purpose, mke, group
    agencies: list[AffectedAgency]
    serious_crime: Lines
    immigration: ImmigrationLines


def tally(con: duckdb.DuckDBPyConnection, top: int) -> Counts:
    """Everything a replay reports but the fidelity and the weekly holds."""
    return {
        "outcomes": matrix(con),
        "changes": changes(con),
        "breakdowns": breakdowns(con),
        "agencies": most_affected(con, top),
        "serious_crime": _lines(_counted(con, "serious_crime")),
        "immigration": immigration(con),
    }


def nothing() -> Counts:
    """What :func:`tally` gives for a period with no decided records."""
    return {
        "outcomes": {transition(b, a): 0 for b in OUTCOMES for a in OUTCOMES},
        "changes": [],
        "breakdowns": {name: [] for name in (*DIMENSIONS, "group")},
        "agencies": [],
        "serious_crime": _lines(Counter()),
        "immigration": _immigration_lines(Counter(), {}),
    }


def _transitions(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, Counter[str]]:
    """``sql`` gives (key, decision, after, n): the transitions of each key."""
    found: dict[str, Counter[str]] = {}
    for key, before, after, n in con.execute(sql).fetchall():
        found.setdefault(str(key), Counter())[transition(before, after)] += int(n)
    return found


def _counted(con: duckdb.DuckDBPyConnection, where: str) -> Counter[str]:
    rows = con.execute(f"SELECT decision, after, sum(n) FROM t WHERE {where} GROUP BY ALL")
    return Counter({transition(b, a): int(n) for b, a, n in rows.fetchall()})


def matrix(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    found = {transition(b, a): 0 for b in OUTCOMES for a in OUTCOMES}
    found.update(_counted(con, "true"))
    return found


def changes(con: duckdb.DuckDBPyConnection) -> list[ChangedClass]:
    """Changed requests by requester component and kind, key and purpose."""
    rows = con.execute(
        f"""SELECT decision AS "from", after AS "to", {COMPONENT} AS component, kind, mke,
                   purpose, sum(n) AS records, count(DISTINCT ori) AS agencies,
                   list_sort(list_distinct(flatten(list([lo, hi])))) AS examples
            FROM t WHERE decision <> after GROUP BY ALL
            ORDER BY records DESC, "from", "to", component, kind, mke, purpose"""
    ).fetchall()
    return [
        {
            "from": before,
            "to": after,
            "component": component,
            "kind": kind,
            "mke": mke,
            "purpose": purpose,
            "records": int(records),
            "agencies": int(agencies),
            "examples": [int(s) for s in examples[:EXAMPLES]],
        }
        for before, after, component, kind, mke, purpose, records, agencies, examples in rows
    ]


def breakdowns(con: duckdb.DuckDBPyConnection) -> dict[str, list[BreakdownRow]]:
    found = {
        name: _rows(
            _transitions(con, f"SELECT {expr}, decision, after, sum(n) FROM t GROUP BY ALL")
        )
        for name, expr in DIMENSIONS.items()
    }
    found["group"] = _rows(
        _transitions(
            con,
            """SELECT g, decision, after, sum(n)
               FROM (SELECT unnest(string_split(groups_key, ';')) AS g, decision, after, n FROM t)
               WHERE g <> '' GROUP BY ALL""",
        )
    )
    return found


def most_affected(con: duckdb.DuckDBPyConnection, top: int) -> list[AffectedAgency]:
    """The agencies with the most changed requests (``top``; 0 for all), without names."""
    limit = f"LIMIT {int(top)}" if top > 0 else ""
    ranked = con.execute(
        f"""SELECT ori, any_value({COMPONENT}), any_value(kind), sum(n) AS records,
                   sum(n) FILTER (WHERE decision <> after) AS changed
            FROM t GROUP BY ori HAVING changed > 0
            ORDER BY changed DESC, records DESC, ori {limit}"""
    ).fetchall()
    if not ranked:
        return []
    oris = ", ".join(quoted(r[0]) for r in ranked)
    transitions = _transitions(
        con, f"SELECT ori, decision, after, sum(n) FROM t WHERE ori IN ({oris}) GROUP BY ALL"
    )
    return [
        {
            "ori": ori,
            "component": component,
            "kind": kind,
            "records": int(records),
            "changed": int(changed),
            "transitions": {k: n for k, n in sorted(transitions[ori].items()) if n},
        }
        for ori, component, kind, records, changed in ranked
    ]


def immigration(con: duckdb.DuckDBPyConnection) -> ImmigrationLines:
    by = _transitions(
        con, f"SELECT {COMPONENT}, decision, after, sum(n) FROM t WHERE {IMMIGRANT} GROUP BY ALL"
    )
    return _immigration_lines(sum(by.values(), Counter()), by)


def _immigration_lines(found: Counter[str], by: dict[str, Counter[str]]) -> ImmigrationLines:
    return {**_lines(found), "by_component": {c: _lines(t) for c, t in sorted(by.items())}}


def _lines(found: Counter[str]) -> Lines:
    return {
        "records": sum(found.values()),
        "lose": sum(n for k, n in found.items() if lost(k)),
        "gain": sum(n for k, n in found.items() if gained(k)),
        "transitions": {k: n for k, n in sorted(found.items()) if n},
    }


def _rows(found: dict[str, Counter[str]]) -> list[BreakdownRow]:
    rows: list[BreakdownRow] = []
    for key, transitions in found.items():
        rows.append(
            {
                "key": key,
                "records": sum(transitions.values()),
                "changed": sum(n for k, n in transitions.items() if len(set(split(k))) > 1),
                "transitions": {k: n for k, n in sorted(transitions.items()) if n},
            }
        )
    rows.sort(key=lambda r: (-r["changed"], -r["records"], r["key"]))
    return rows
