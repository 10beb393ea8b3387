"""Drill-down: the audit records behind any number of a report.

A filter names a report dimension and a value, exactly as the report groups by it, so
the count of a drill-down equals the number it came from. Values go to DuckDB as
parameters, never into the SQL text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
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
    count: int  # every matching record, not only those in ``rows``
    rows: tuple[AuditRow, ...]
    filters: dict[str, str]
    offset: int = 0  # how many matching records come before ``rows``

    @property
    def answers(self) -> bool:
        """Whether the records are answers (requests), not review steps."""
        return _view(self.filters) == "requests"


EXPORT_BATCH = 5000
"""Records an export reads from DuckDB at a time."""


def drill(
    table: AuditTable,
    filters: Mapping[str, str],
    *,
    period: Period = ALL_TIME,
    limit: int = 200,
    offset: int = 0,
) -> Drill:
    """The records matching every filter, newest first: at most ``limit`` of them, after
    the first ``offset``."""
    wanted = checked(filters)
    if not table.parts():
        return Drill(0, (), wanted, offset)
    view, where, params = _query(wanted)
    with session(table, period) as con:
        count_row = con.execute(f"SELECT count(*) FROM {view} WHERE {where}", params).fetchone()
        cursor = con.execute(
            f"SELECT {', '.join(COLUMNS)} FROM {view} WHERE {where} "
            f"ORDER BY received_at DESC, seq DESC LIMIT {int(limit)} OFFSET {max(int(offset), 0)}",
            params,
        )
        rows = tuple(_row(row) for row in cursor.fetchall())
    return Drill(int(count_row[0]) if count_row else 0, rows, wanted, offset)


def every(
    table: AuditTable, filters: Mapping[str, str], *, period: Period = ALL_TIME
) -> Iterator[tuple[AuditRow, ...]]:
    """Every record matching the filters, in :func:`drill`'s order, :data:`EXPORT_BATCH`
    at a time (the copy is read once, its parts confirmed before and after). Check the
    filters first with :func:`checked`: this raises only when it is first iterated."""
    wanted = checked(filters)
    if not table.parts():
        return
    view, where, params = _query(wanted)
    with session(table, period) as con:
        cursor = con.execute(
            f"SELECT {', '.join(COLUMNS)} FROM {view} WHERE {where} "
            "ORDER BY received_at DESC, seq DESC",
            params,
        )
        while batch := cursor.fetchmany(EXPORT_BATCH):
            yield tuple(_row(row) for row in batch)


def checked(filters: Mapping[str, str]) -> dict[str, str]:
    """The filters that are set; UsageError for one a drill-down does not know."""
    unknown = sorted(set(filters) - set(DIMENSIONS))
    if unknown:
        raise UsageError(
            f"unknown filter(s) {', '.join(unknown)}: expected any of {', '.join(DIMENSIONS)}"
        )
    return {k: v for k, v in filters.items() if v != ""}


def _view(wanted: Mapping[str, str]) -> str:
    """``requests`` (answers only), or ``steps`` when the status asked for is a review step."""
    return "steps" if wanted.get("status", "HIT") not in ANSWERS else "requests"


def _query(wanted: Mapping[str, str]) -> tuple[str, str, list[str]]:
    """The view, the condition and its parameters (values never go into the SQL text)."""
    where = " AND ".join(DIMENSIONS[k] for k in wanted) or "true"
    return _view(wanted), where, list(wanted.values())


def _row(values: tuple[Any, ...]) -> AuditRow:
    """A row of :data:`COLUMNS` as an :class:`AuditRow`."""
    seq, received, message_id, ori, component, mke, purpose, decision, status, ids, n = values
    return AuditRow(
        seq, received, message_id, ori, component, mke, purpose, decision, status, tuple(ids), n
    )
