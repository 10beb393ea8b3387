"""Drill-down: the audit records behind any number of a report.

A filter names a report dimension and a value, exactly as the report groups by it, so
the count of a drill-down equals the number it came from. Values go to DuckDB as
parameters, never into the SQL text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from statelink.errors import UsageError
from statelink.reports.report import (
    ALL_TIME,
    ANSWERS,
    BREAKDOWNS,
    Period,
    session,
)
from statelink.reports.table import AuditTable

DIMENSIONS: dict[str, str] = {
    **{name: f"{expr} = ?" for name, expr in BREAKDOWNS.items()},
    "group": "list_contains(groups, ?)",
    "policy": "list_contains(policies, ?)",
    "week": "week = CAST(? AS DATE)",
    "ori": "ori = ?",
    "immigration": "immigration = (? = 'yes')",
}
"""Each filter a drill-down accepts, as a condition with one parameter."""

COLUMNS = (
    "seq",
    "received_at",
    "message_id",
    "ori",
    "component",
    "mke",
    "purpose",
    "decision",
    "status",
    "policies",
    "released",
)


@dataclass(frozen=True)
class AuditRow:
    """One audit record, in the columns a drill-down shows."""

    seq: int
    received_at: dt.datetime  # UTC
    message_id: str
    ori: str
    component: str
    mke: str
    purpose: str
    decision: str
    status: str
    policies: tuple[str, ...]  # the deciding policies
    released: int | None


@dataclass(frozen=True)
class Drill:
    count: int
    rows: tuple[AuditRow, ...]
    filters: dict[str, str]


def drill(
    table: AuditTable,
    filters: Mapping[str, str],
    *,
    period: Period = ALL_TIME,
    limit: int = 200,
) -> Drill:
    """The records matching every filter, newest first (at most ``limit`` of them)."""
    wanted = {k: v for k, v in filters.items() if v != "" and k in DIMENSIONS}
    unknown = sorted(set(filters) - set(DIMENSIONS))
    if unknown:
        raise UsageError(
            f"unknown filter(s) {', '.join(unknown)}: expected any of {', '.join(DIMENSIONS)}"
        )
    view = "steps" if wanted.get("status", "HIT") not in ANSWERS else "requests"
    where = " AND ".join(DIMENSIONS[k] for k in wanted) or "true"
    params = list(wanted.values())
    if not table.parts():
        return Drill(0, (), wanted)
    with session(table, period) as con:
        count_row = con.execute(f"SELECT count(*) FROM {view} WHERE {where}", params).fetchone()
        cursor = con.execute(
            f"SELECT {', '.join(COLUMNS)} FROM {view} WHERE {where} "
            f"ORDER BY received_at DESC, seq DESC LIMIT {int(limit)}",
            params,
        )
        rows = tuple(_row(row) for row in cursor.fetchall())
    return Drill(int(count_row[0]) if count_row else 0, rows, wanted)


def _row(values: tuple[Any, ...]) -> AuditRow:
    """A row of :data:`COLUMNS` as an :class:`AuditRow`."""
    seq, received, message_id, ori, component, mke, purpose, decision, status, ids, n = values
    return AuditRow(
        seq, received, message_id, ori, component, mke, purpose, decision, status, tuple(ids), n
    )
