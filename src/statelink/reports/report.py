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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import duckdb

from statelink.messages.fields import PURPOSES
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
        source = f"read_parquet({quoted(table.glob)})"
    else:  # no records yet: an empty table of the right shape
        source = "(SELECT * FROM (VALUES (0)) WHERE false)"
    con.execute(f"CREATE VIEW steps AS SELECT * FROM {source} WHERE {period.where()}")
    answers = ", ".join(quoted(s) for s in ANSWERS)
    con.execute(f"CREATE VIEW requests AS SELECT * FROM steps WHERE status IN ({answers})")
    return con


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def build(
    state: str,
    table: AuditTable,
    *,
    period: Period = ALL_TIME,
    agencies: Mapping[str, str] | None = None,
    reasons: Mapping[str, tuple[str, str]] | None = None,
    top: int = 10,
) -> dict[str, Any]:
    """The whole report as plain data (JSON-ready); ``top`` requesters (0: every agency)."""
    agencies = agencies or {}
    reasons = reasons or {}
    if not table.parts():
        return _empty(state, period)
    with connect(table, period) as con:
        con.execute(
            """CREATE TEMP TABLE by_ori AS
               SELECT ori, any_value(component) AS component, any_value(groups_key) AS groups,
                      count(*) AS n, sum(released) AS released,
                      count(*) FILTER (WHERE decision <> 'permit') AS refused_or_held,
                      min(received_at) AS first, max(received_at) AS last
               FROM requests GROUP BY ori"""
        )
        totals = _rows(
            con,
            """SELECT coalesce(sum(n), 0) AS requests,
                      coalesce(sum(released), 0) AS records_released,
                      count(*) AS requesters, min(first) AS first, max(last) AS last
               FROM by_ori""",
        )[0]
        sets = ", ".join(f"({expr})" for expr in BREAKDOWNS.values())
        keys = ", ".join(f"{expr} AS {name}" for name, expr in BREAKDOWNS.items())
        grouped = _rows(
            con,
            f"""SELECT {keys}, count(*) AS n, sum(released) AS released
                FROM requests GROUP BY GROUPING SETS ({sets})""",
        )
        breakdowns: dict[str, list[dict[str, Any]]] = {name: [] for name in BREAKDOWNS}
        for row in grouped:
            name = next(k for k in BREAKDOWNS if row[k] is not None)
            breakdowns[name].append({"key": row[name], "n": row["n"], "released": row["released"]})
        for rows in breakdowns.values():
            rows.sort(key=lambda r: (-r["n"], str(r["key"])))
        for row in breakdowns["purpose"]:
            row["label"] = PURPOSES.get(row["key"], "")
        breakdowns["group"] = _rows(
            con,
            """SELECT g AS key, sum(n) AS n, sum(released) AS released
               FROM (SELECT unnest(string_split(groups, ';')) AS g, n, released FROM by_ori)
               WHERE g <> '' GROUP BY g ORDER BY n DESC, g""",
        )
        policies = _rows(
            con,
            """SELECT p AS key, decision, sum(n) AS n
               FROM (SELECT unnest(string_split(policies_key, ';')) AS p, decision, n
                     FROM (SELECT policies_key, decision, count(*) AS n
                           FROM requests GROUP BY ALL))
               WHERE p <> '' GROUP BY p, decision ORDER BY n DESC, p, decision""",
        )
        for row in policies:
            reason, law = reasons.get(row["key"], ("", ""))
            row.update(reason=reason, law=law)
        breakdowns["policy"] = policies
        top_rows = _rows(
            con,
            f"""SELECT ori, component, n, released, refused_or_held FROM by_ori
                ORDER BY n DESC, ori {f"LIMIT {int(top)}" if top > 0 else ""}""",
        )
        for row in top_rows:
            row["name"] = agencies.get(row["ori"], "")
        immigration = _rows(
            con,
            """SELECT coalesce(nullif(component, ''), 'other') AS component,
                       coalesce(nullif(decision, ''), 'none') AS decision,
                       count(*) AS n, sum(released) AS released
                FROM requests WHERE immigration
                GROUP BY ALL ORDER BY component, decision""",
        )
        flow = _rows(
            con,
            """SELECT requester_class, mke, decision_label AS decision, count(*) AS n
               FROM requests GROUP BY ALL ORDER BY requester_class, mke, decision""",
        )
        weekly = _rows(
            con,
            """SELECT week, count(*) AS n,
                      count(*) FILTER (WHERE decision = 'permit') AS permit,
                      count(*) FILTER (WHERE decision = 'deny') AS deny,
                      count(*) FILTER (WHERE decision = 'hold') AS hold,
                      sum(released) AS released
               FROM requests GROUP BY week ORDER BY week""",
        )
        review = _rows(
            con,
            f"""SELECT status AS key, count(*) AS n, sum(released) AS released FROM steps
                WHERE status NOT IN ({", ".join(quoted(s) for s in ANSWERS)})
                GROUP BY status ORDER BY n DESC, status""",
        )
        digests = _rows(
            con,
            """SELECT policy_digest AS digest, min(received_at) AS first,
                      max(received_at) AS last, count(*) AS n,
                      count(*) FILTER (WHERE decision = 'permit') AS permit,
                      count(*) FILTER (WHERE decision = 'deny') AS deny,
                      count(*) FILTER (WHERE decision = 'hold') AS hold
               FROM requests GROUP BY policy_digest ORDER BY first""",
        )
    immigration_total = sum(r["n"] for r in immigration)
    report: dict[str, Any] = _plain(
        {
            "state": state,
            "since": period.since,
            "until": period.until,
            "totals": {
                **totals,
                "immigration_requests": immigration_total,
                "immigration_released": sum(r["released"] or 0 for r in immigration),
                "refused": _count(breakdowns["decision"], "deny"),
                "held": _count(breakdowns["decision"], "hold"),
            },
            "breakdowns": breakdowns,
            "top_requesters": top_rows,
            "immigration": immigration,
            "flow": flow,
            "weekly": weekly,
            "review": review,
            "policy_sets": digests,
        }
    )
    return report


def _count(rows: list[dict[str, Any]], key: str) -> int:
    return sum(int(r["n"]) for r in rows if r["key"] == key)


def _empty(state: str, period: Period) -> dict[str, Any]:
    report: dict[str, Any] = _plain(
        {
            "state": state,
            "since": period.since,
            "until": period.until,
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
            "breakdowns": {name: [] for name in [*BREAKDOWNS, "group", "policy"]},
            "top_requesters": [],
            "immigration": [],
            "flow": [],
            "weekly": [],
            "review": [],
            "policy_sets": [],
        }
    )
    return report


def _plain(value: Any) -> Any:
    """Dates as ISO text, DuckDB's big integers as ints: JSON-ready."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "__int__") and not isinstance(value, bool | int | float | str):
        return int(value)
    return value
