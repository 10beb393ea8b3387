"""A state's report, computed by DuckDB from the Parquet copy of its audit log.

Who read the state's residents' data, for what, and what was refused or held: totals,
breakdowns (decision, status, message key, purpose, requester kind, department,
component, group, deciding policy), top requesters, immigration agencies' access, the
flow from requester class through message key to decision, weekly trends, the review
steps, and each policy set's period (before and after a policy change).

*Requests* are the answers the state gave to messages (statuses HIT, NO_HIT, DENIED,
HELD, REJECTED, UNAVAILABLE): one per message and owner state, the count the ground
truth of the synthetic year gives. Review steps (APPROVED, COLLECTED, ...) are counted
apart. Times are the hub's ``received_at``, UTC; ``since`` is inclusive, ``until`` not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import duckdb

from statelink.audit.lookup import ACCESS_REPORT
from statelink.messages.fields import PURPOSES
from statelink.reports.model import (
    AnchorJson,
    Breakdowns,
    Count,
    FlowRow,
    ImmigrationCount,
    PolicyCount,
    PolicySet,
    Report,
    Requester,
    Totals,
    Week,
)
from statelink.reports.table import AuditTable, quoted

ANSWERS = ("HIT", "NO_HIT", "DENIED", "HELD", "REJECTED", "UNAVAILABLE")
BREAKDOWNS = {
    "decision": "decision_label",
    "status": "status",
    "mke": "mke",
    "purpose": "purpose",
    "kind": "kind_label",
    "department": "department_label",
    "component": "component_label",
    "requester_class": "requester_class",
}
"""Each breakdown's name and the column it groups by (see ``table.DERIVED``)."""


@dataclass(frozen=True)
class Period:
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def where(self) -> str:
        parts = []
        if self.since is not None:
            parts.append(f"received_at >= TIMESTAMP {quoted(self.since.isoformat(' '))}")
        if self.until is not None:
            parts.append(f"received_at < TIMESTAMP {quoted(self.until.isoformat(' '))}")
        return " AND ".join(parts) or "true"


ALL_TIME = Period()


def connect(table: AuditTable, period: Period) -> duckdb.DuckDBPyConnection:
    """A connection with views ``steps`` (every record) and ``requests`` (answers only)."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    if table.parts():
        source = table.source
    else:  # no records yet: an empty table of the right shape
        source = "(SELECT * FROM (VALUES (0)) WHERE false)"
    con.execute(f"CREATE VIEW steps AS SELECT * FROM {source} WHERE {period.where()}")
    answers = ", ".join(quoted(s) for s in ANSWERS)
    con.execute(f"CREATE VIEW requests AS SELECT * FROM steps WHERE status IN ({answers})")
    return con


@contextmanager
def session(table: AuditTable, period: Period) -> Iterator[duckdb.DuckDBPyConnection]:
    """:func:`connect`'s connection, closed after the block; a pinned table's parts are
    confirmed unchanged before and after the block reads them (:meth:`AuditTable.reading`)."""
    with table.reading(), connect(table, period) as con:
        yield con


def build(
    state: str,
    table: AuditTable,
    *,
    period: Period = ALL_TIME,
    agencies: Mapping[str, str] | None = None,
    reasons: Mapping[str, tuple[str, str]] | None = None,
    top: int = 10,
    anchor: AnchorJson | None = None,
) -> Report:
    """The whole report (JSON-ready); ``top`` requesters (0: every agency); ``anchor``:
    the signed checkpoint the table was checked against (:mod:`statelink.reports.anchor`)."""
    if not table.parts():
        return _empty(state, period, anchor)
    with session(table, period) as con:
        _group_by_requester(con)
        breakdowns = _breakdowns(con, reasons or {})
        immigration = _immigration(con)
        return {
            "state": state,
            "since": _iso(period.since),
            "until": _iso(period.until),
            "totals": _totals(con, breakdowns, immigration),
            "breakdowns": breakdowns,
            "top_requesters": _top_requesters(con, agencies or {}, top),
            "immigration": immigration,
            "flow": _flow(con),
            "weekly": _weekly(con),
            "review": _review(con),
            "policy_sets": _policy_sets(con),
            "anchor": anchor,
        }


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    """The rows of a query, with times as ISO text and DuckDB's big integers as ints."""
    return [tuple(_plain(v) for v in row) for row in con.execute(sql).fetchall()]


def _plain(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "__int__") and not isinstance(value, bool | int | float | str):
        return int(value)
    return value


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _group_by_requester(con: duckdb.DuckDBPyConnection) -> None:
    """Table ``by_ori``: each requester's requests, released records and period."""
    con.execute(
        """CREATE TEMP TABLE by_ori AS
           SELECT ori, any_value(component) AS component, any_value(groups_key) AS groups,
                  count(*) AS n, sum(released) AS released,
                  count(*) FILTER (WHERE decision <> 'permit') AS refused_or_held,
                  min(received_at) AS first, max(received_at) AS last
           FROM requests GROUP BY ori"""
    )


def _totals(
    con: duckdb.DuckDBPyConnection, breakdowns: Breakdowns, immigration: list[ImmigrationCount]
) -> Totals:
    ((requests, released, requesters, first, last),) = _rows(
        con,
        """SELECT coalesce(sum(n), 0), coalesce(sum(released), 0), count(*),
                  min(first), max(last)
           FROM by_ori""",
    )
    return {
        "requests": requests,
        "records_released": released,
        "requesters": requesters,
        "first": first,
        "last": last,
        "immigration_requests": sum(r["n"] for r in immigration),
        "immigration_released": sum(r["released"] or 0 for r in immigration),
        "refused": _count(breakdowns["decision"], "deny"),
        "held": _count(breakdowns["decision"], "hold"),
    }


def _breakdowns(
    con: duckdb.DuckDBPyConnection, reasons: Mapping[str, tuple[str, str]]
) -> Breakdowns:
    """Every breakdown, by grouping sets over the requests (and over requesters' groups)."""
    sets = ", ".join(f"({expr})" for expr in BREAKDOWNS.values())
    keys = ", ".join(f"{expr} AS {name}" for name, expr in BREAKDOWNS.items())
    grouped = _rows(
        con,
        f"""SELECT {keys}, count(*) AS n, sum(released) AS released
            FROM requests GROUP BY GROUPING SETS ({sets})""",
    )
    found: dict[str, list[Count]] = {name: [] for name in BREAKDOWNS}
    names = list(BREAKDOWNS)
    for *values, n, released in grouped:
        at = next(i for i, v in enumerate(values) if v is not None)
        found[names[at]].append({"key": values[at], "n": n, "released": released})
    for rows in found.values():
        rows.sort(key=lambda r: (-r["n"], str(r["key"])))
    return {
        "decision": found["decision"],
        "status": found["status"],
        "mke": found["mke"],
        "purpose": [{**r, "label": PURPOSES.get(r["key"], "")} for r in found["purpose"]],
        "kind": found["kind"],
        "department": found["department"],
        "component": found["component"],
        "requester_class": found["requester_class"],
        "group": _by_group(con),
        "policy": _by_policy(con, reasons),
    }


def _by_group(con: duckdb.DuckDBPyConnection) -> list[Count]:
    rows = _rows(
        con,
        """SELECT g AS key, sum(n) AS n, sum(released) AS released
           FROM (SELECT unnest(string_split(groups, ';')) AS g, n, released FROM by_ori)
           WHERE g <> '' GROUP BY g ORDER BY n DESC, g""",
    )
    return [{"key": key, "n": n, "released": released} for key, n, released in rows]


def _by_policy(
    con: duckdb.DuckDBPyConnection, reasons: Mapping[str, tuple[str, str]]
) -> list[PolicyCount]:
    """Requests by deciding policy and decision, with each policy's reason and law."""
    rows = _rows(
        con,
        """SELECT p, decision, sum(n) AS n
           FROM (SELECT unnest(string_split(policies_key, ';')) AS p, decision, n
                 FROM (SELECT policies_key, decision, count(*) AS n
                       FROM requests GROUP BY ALL))
           WHERE p <> '' GROUP BY p, decision ORDER BY n DESC, p, decision""",
    )
    found: list[PolicyCount] = []
    for key, decision, n in rows:
        reason, law = reasons.get(key, ("", ""))
        found.append({"key": key, "decision": decision, "n": n, "reason": reason, "law": law})
    return found


def _top_requesters(
    con: duckdb.DuckDBPyConnection, agencies: Mapping[str, str], top: int
) -> list[Requester]:
    rows = _rows(
        con,
        f"""SELECT ori, component, n, released, refused_or_held FROM by_ori
            ORDER BY n DESC, ori {f"LIMIT {int(top)}" if top > 0 else ""}""",
    )
    return [
        {
            "ori": ori,
            "component": component,
            "n": n,
            "released": released,
            "refused_or_held": refused_or_held,
            "name": agencies.get(ori, ""),
        }
        for ori, component, n, released, refused_or_held in rows
    ]


def _immigration(con: duckdb.DuckDBPyConnection) -> list[ImmigrationCount]:
    rows = _rows(
        con,
        """SELECT coalesce(nullif(component, ''), 'other') AS component,
                  coalesce(nullif(decision, ''), 'none') AS decision,
                  count(*), sum(released)
           FROM requests WHERE immigration
           GROUP BY ALL ORDER BY component, decision""",
    )
    return [
        {"component": component, "decision": decision, "n": n, "released": released}
        for component, decision, n, released in rows
    ]


def _flow(con: duckdb.DuckDBPyConnection) -> list[FlowRow]:
    rows = _rows(
        con,
        """SELECT requester_class, mke, decision_label AS decision, count(*)
           FROM requests GROUP BY ALL ORDER BY requester_class, mke, decision""",
    )
    return [
        {"requester_class": who, "mke": mke, "decision": decision, "n": n}
        for who, mke, decision, n in rows
    ]


def _weekly(con: duckdb.DuckDBPyConnection) -> list[Week]:
    rows = _rows(
        con,
        """SELECT week, count(*),
                  count(*) FILTER (WHERE decision = 'permit'),
                  count(*) FILTER (WHERE decision = 'deny'),
                  count(*) FILTER (WHERE decision = 'hold'),
                  sum(released)
           FROM requests GROUP BY week ORDER BY week""",
    )
    return [
        {"week": week, "n": n, "permit": permit, "deny": deny, "hold": hold, "released": released}
        for week, n, permit, deny, hold, released in rows
    ]


def _review(con: duckdb.DuckDBPyConnection) -> list[Count]:
    """The review steps (statuses that are not answers, nor an official's look-up) by status."""
    rows = _rows(
        con,
        f"""SELECT status, count(*) AS n, sum(released) FROM steps
            WHERE status NOT IN ({", ".join(quoted(s) for s in (*ANSWERS, ACCESS_REPORT))})
            GROUP BY status ORDER BY n DESC, status""",
    )
    return [{"key": key, "n": n, "released": released} for key, n, released in rows]


def _policy_sets(con: duckdb.DuckDBPyConnection) -> list[PolicySet]:
    """Each policy set's first and last request, and its decisions."""
    rows = _rows(
        con,
        """SELECT policy_digest, min(received_at) AS first, max(received_at), count(*),
                  count(*) FILTER (WHERE decision = 'permit'),
                  count(*) FILTER (WHERE decision = 'deny'),
                  count(*) FILTER (WHERE decision = 'hold')
           FROM requests GROUP BY policy_digest ORDER BY first""",
    )
    return [
        {
            "digest": digest,
            "first": first,
            "last": last,
            "n": n,
            "permit": permit,
            "deny": deny,
            "hold": hold,
        }
        for digest, first, last, n, permit, deny, hold in rows
    ]


def _count(rows: list[Count], key: str) -> int:
    return sum(int(r["n"]) for r in rows if r["key"] == key)


def _empty(state: str, period: Period, anchor: AnchorJson | None) -> Report:
    return {
        "state": state,
        "since": _iso(period.since),
        "until": _iso(period.until),
        "totals": {
            "requests": 0,
            "records_released": 0,
            "requesters": 0,
            "first": None,
            "last": None,
            "immigration_requests": 0,
            "immigration_released": 0,
            "refused": 0,
            "held": 0,
        },
        "breakdowns": {
            "decision": [],
            "status": [],
            "mke": [],
            "purpose": [],
            "kind": [],
            "department": [],
            "component": [],
            "requester_class": [],
            "group": [],
            "policy": [],
        },
        "top_requesters": [],
        "immigration": [],
        "flow": [],
        "weekly": [],
        "review": [],
        "policy_sets": [],
        "anchor": anchor,
    }
