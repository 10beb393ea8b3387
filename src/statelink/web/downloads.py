"""CSV downloads of the report pages' lists, with what the pages show and nothing more
(the audit log holds no personal data in clear; these hold none at all):

- ``/dashboard/states/XX/records.csv?…``: every audit record of a drill-down (the same
  filters and period), newest first, not only the page shown: read from DuckDB a batch
  at a time and sent as it is read, so a year of a large state's records never sits in
  memory;
- ``/dashboard/states/XX/agencies.csv?…``: every agency that asked in the period, with
  its requests by decision and the records released (a few thousand rows at most).

Every cell goes through :mod:`statelink.spreadsheet`: a value that a spreadsheet would
run as a formula is written as text. Filters, period and sign-in are checked before the
download starts, so a refusal is a page, never half a file.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterable, Iterator, Mapping
from itertools import chain

from fastapi import Request
from fastapi.responses import Response, StreamingResponse

from statelink.errors import StatelinkError
from statelink.reports import requesters
from statelink.reports.drill import AuditRow, checked, every
from statelink.spreadsheet import Writer
from statelink.web.report_query import filters_of, period_of, refused
from statelink.web.signin import OnState
from statelink.web.site import SECURITY_HEADERS, Shared

RECORD_COLUMNS = (
    "seq",
    "received_utc",
    "ori",
    "agency",
    "component",
    "mke",
    "purpose",
    "decision",
    "status",
    "deciding_policies",
    "records_released",
)
"""The columns of a drill-down's CSV: what its page shows, an audit record a line."""

AGENCY_COLUMNS = (
    "ori",
    "agency",
    "component",
    "requests",
    "permitted",
    "refused",
    "held",
    "no_decision",
    "records_released",
    "first_request_utc",
    "last_request_utc",
)
"""The columns of the agencies' CSV: what their page shows, an agency a line."""

CSV_CHUNK = 2000
"""Lines of CSV sent at a time."""
TIME = "%Y-%m-%d %H:%M:%S"


async def records_csv(request: Request, visit: OnState, site: Shared) -> Response:
    """Every record of the drill-down, streamed a batch at a time."""
    try:
        period, kept = period_of(request)
        wanted = checked(filters_of(request))
        batches = every(site.reports.table(visit.state), wanted, period=period)
        first = await asyncio.to_thread(next, batches, ())  # a refusal is still a page
    except StatelinkError as e:
        raise refused(e) from None
    names = site.reports.names()
    rows = (_record(r, names) for batch in chain((first,), batches) for r in batch)
    return _csv(rows, RECORD_COLUMNS, file_name(visit.state, "records", kept))


def _record(row: AuditRow, names: Mapping[str, str]) -> tuple[object, ...]:
    return (
        row.seq,
        row.received_at.strftime(TIME),
        row.ori,
        names.get(row.ori, ""),
        row.component,
        row.mke,
        row.purpose,
        row.decision or "none",
        row.status,
        ";".join(row.policies),
        "" if row.released is None else row.released,
    )


async def agencies_csv(request: Request, visit: OnState, site: Shared) -> Response:
    """Every agency that asked in the period, in the order asked for."""
    try:
        period, kept = period_of(request)
        order = requesters.order_of(request.query_params.get("order", ""))
        table = site.reports.table(visit.state)
        listed = await asyncio.to_thread(
            requesters.agencies, table, period=period, order=order, limit=None
        )
    except StatelinkError as e:
        raise refused(e) from None
    names = site.reports.names()
    rows = (
        (
            a.ori,
            names.get(a.ori, ""),
            a.component,
            *(getattr(a.counts, name) for name in requesters.COUNTED),
            a.first.strftime(TIME),
            a.last.strftime(TIME),
        )
        for a in listed.rows
    )
    return _csv(rows, AGENCY_COLUMNS, file_name(visit.state, "agencies", kept))


def _csv(rows: Iterable[Iterable[object]], header: tuple[str, ...], name: str) -> Response:
    """A CSV download of ``rows`` under ``header``, every cell neutralised for
    spreadsheets, sent :data:`CSV_CHUNK` lines at a time as the rows come (Starlette
    draws the rows in a worker thread: the event loop stays free)."""

    def chunks() -> Iterator[str]:
        buffer = io.StringIO()
        writer = Writer(buffer)
        writer.writerow(header)
        for n, row in enumerate(rows, 1):
            writer.writerow(row)
            if n % CSV_CHUNK == 0:
                yield _drained(buffer)
        yield _drained(buffer)

    return StreamingResponse(
        chunks(),
        media_type="text/csv; charset=utf-8",
        headers={**SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'},
    )


def _drained(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def file_name(state: str, what: str, kept: Mapping[str, str]) -> str:
    """``WA-records-2026-07-01-to-2026-10-01.csv`` (``until`` as given: not counted);
    ``kept`` holds only checked dates."""
    if not kept:
        return f"{state}-{what}-all-time.csv"
    return f"{state}-{what}-{kept.get('since', 'start')}-to-{kept.get('until', 'now')}.csv"
