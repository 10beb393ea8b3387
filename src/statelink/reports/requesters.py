"""Every agency that asked a state for its residents' data, with its counts: the list
behind the report's "agencies asked" (its top requesters are the first rows of this list
in the order of requests), paged and sorted.

Counts are as in :mod:`statelink.reports.report`: *requests* are the answers the state
gave to messages (one audit record each), split by the state's decision (permitted,
refused, held, or none: rejected as invalid, or unanswered), and *records released* the
driver and vehicle records the answers carried. Summed over every agency they are the
report's totals. Agencies are named by ORI; their names come from the directory.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

import duckdb

from statelink.errors import UsageError
from statelink.reports.report import ALL_TIME, Period, session
from statelink.reports.table import AuditTable

ORDERS: dict[str, tuple[str, str]] = {
    "requests": ("requests", "requests DESC, ori"),
    "refused": ("refused", "refused DESC, requests DESC, ori"),
    "held": ("held", "held DESC, requests DESC, ori"),
    "released": ("records released", "released DESC, requests DESC, ori"),
    "ori": ("ORI", "ori"),
}
"""Each order a list can have: its name for people, and its SQL (largest first)."""
DEFAULT_ORDER = "requests"

_BY_ORI = """CREATE TEMP TABLE by_agency AS
    SELECT ori, any_value(component) AS component, count(*) AS requests,
           count(*) FILTER (WHERE decision = 'permit') AS permitted,
           count(*) FILTER (WHERE decision = 'deny') AS refused,
           count(*) FILTER (WHERE decision = 'hold') AS held,
           count(*) FILTER (WHERE coalesce(decision, '') NOT IN ('permit', 'deny', 'hold'))
               AS undecided,
           coalesce(sum(released), 0) AS released,
           min(received_at) AS first, max(received_at) AS last
    FROM requests GROUP BY ori"""


@dataclass(frozen=True)
class Counts:
    """Requests (by decision) and records released."""

    requests: int = 0
    permitted: int = 0
    refused: int = 0
    held: int = 0
    undecided: int = 0  # no decision: rejected as invalid, or unanswered
    released: int = 0  # records, not requests


COUNTED = tuple(f.name for f in fields(Counts))
"""The names of the counts, in order."""


@dataclass(frozen=True)
class AgencyCount:
    """One agency's requests and records released in the period."""

    ori: str
    component: str  # "" for state and local agencies
    counts: Counts
    first: dt.datetime  # its first and last request, UTC (the hub's received time)
    last: dt.datetime


@dataclass(frozen=True)
class Agencies:
    total: int  # every agency that asked, not only those in ``rows``
    rows: tuple[AgencyCount, ...]
    sums: Counts  # over every agency
    order: str
    offset: int = 0  # how many agencies come before ``rows``


def order_of(value: str) -> str:
    """The order a link asks for ("" is the default); UsageError for one there is not."""
    chosen = value or DEFAULT_ORDER
    if chosen not in ORDERS:
        raise UsageError(f"order: expected one of {', '.join(ORDERS)}, given {value[:40]!r}")
    return chosen


def agencies(
    table: AuditTable,
    *,
    period: Period = ALL_TIME,
    order: str = DEFAULT_ORDER,
    limit: int | None = None,
    offset: int = 0,
) -> Agencies:
    """The agencies that asked in ``period``, in ``order`` (a key of :data:`ORDERS`):
    ``limit`` of them (None: all) after the first ``offset``, with the sums over all."""
    sql_order = ORDERS[order_of(order)][1]
    if not table.parts():
        return Agencies(0, (), Counts(), order, offset)
    page = f"LIMIT {int(limit)} " if limit is not None else ""
    with session(table, period) as con:
        con.execute(_BY_ORI)
        total, *sums = _one(con, f"SELECT count(*), {_summed()} FROM by_agency")
        rows = con.execute(
            f"SELECT ori, component, {_columns()}, first, last FROM by_agency "
            f"ORDER BY {sql_order} {page}OFFSET {max(int(offset), 0)}"
        ).fetchall()
    return Agencies(
        int(total),
        tuple(
            AgencyCount(ori, component or "", Counts(*map(int, counts)), first, last)
            for ori, component, *counts, first, last in rows
        ),
        Counts(*(int(n or 0) for n in sums)),
        order,
        offset,
    )


def _columns() -> str:
    return ", ".join(COUNTED)


def _summed() -> str:
    return ", ".join(f"coalesce(sum({name}), 0)" for name in COUNTED)


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...]:
    row = con.execute(sql).fetchone()
    assert row is not None  # an aggregate without GROUP BY gives one row
    return tuple(row)
