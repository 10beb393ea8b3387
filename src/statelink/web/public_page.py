"""The dashboard's public report: what ``statelink report --public`` publishes, and the
files it writes.

- ``GET /dashboard/states/XX/public?since=…&until=…``: the public tables of the state's
  report for the period, suppressed (:func:`statelink.reports.public.published`, the
  very function the command line prints from), which counts are hidden and why, and the
  signed checkpoint the numbers are anchored to;
- ``GET /dashboard/states/XX/public.pdf`` (``.csv``, ``.html``; or ``public?format=pdf``):
  the file ``statelink report --state XX --public --format pdf --out FILE`` writes for the
  same period, byte for byte (:func:`~statelink.reports.public.to_pdf`, ``to_csv``,
  ``to_html`` of the same report).

``since`` and ``until`` are days (``YYYY-MM-DD``) or moments (``YYYY-MM-DDTHH:MM:SS``),
UTC, as the command takes them: the hub's received time, since inclusive, until not.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response
from starlette.routing import BaseRoute

from statelink.errors import AuditInvalid, PageRefused, StatelinkError, UsageError
from statelink.reports import public
from statelink.reports.anchor import statement
from statelink.reports.model import Report
from statelink.reports.report import Period
from statelink.web.signin import OnState
from statelink.web.site import Shared, route

FILES: dict[str, tuple[str, Callable[[Report], str | bytes]]] = {
    "pdf": ("application/pdf", public.to_pdf),
    "csv": ("text/csv; charset=utf-8", public.to_csv),
    "html": ("text/html; charset=utf-8", public.to_html),
}
"""Each download: its media type, and the function whose output the command writes."""
MOMENTS = ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S")
"""The forms of ``since`` and ``until`` (those of ``statelink report``)."""
FILE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def moment(value: str, name: str) -> dt.datetime | None:
    """A ``since`` or ``until`` of the query (None when empty)."""
    value = value.strip()
    if not value:
        return None
    for form in MOMENTS:
        try:
            return dt.datetime.strptime(value, form)
        except ValueError:
            continue
    raise UsageError(
        f"{name}: expected a date as YYYY-MM-DD (or YYYY-MM-DDTHH:MM:SS), given {value[:40]!r}"
    )


def period_of(request: Request) -> tuple[Period, dict[str, str]]:
    """The period the query asks for, and the query parameters that set it."""
    kept = {k: v for k in ("since", "until") if (v := request.query_params.get(k, "").strip())}
    since, until = moment(kept.get("since", ""), "since"), moment(kept.get("until", ""), "until")
    if since and until and until <= since:
        raise UsageError(f"until ({until:%Y-%m-%d}) must come after since ({since:%Y-%m-%d})")
    return Period(since, until), kept


async def _report(request: Request, state: str, site: Shared) -> tuple[Report, dict[str, str]]:
    """The state's report for the period asked (made off the event loop)."""
    try:
        period, kept = period_of(request)
        made = await asyncio.to_thread(site.reports.report, state, period)
    except StatelinkError as e:
        raise PageRefused(
            e.message, e.http_status if isinstance(e, AuditInvalid) else 400
        ) from None
    return made, kept


async def public_page(request: Request, visit: OnState, site: Shared) -> Response:
    fmt = request.query_params.get("format", "")
    if fmt:
        return await public_file(request, visit, site, fmt)
    made, kept = await _report(request, visit.state, site)
    query = f"?{urlencode(kept)}" if kept else ""
    first, last = public.span(made)
    return site.page(
        request,
        "public.html",
        account=visit.account,
        state=visit.state,
        kept=kept,
        first=first,
        last=last,
        shown=public.published(made),
        covers=statement(made["anchor"], visit.state),
        anchor=made["anchor"],
        downloads={ext: f"/dashboard/states/{visit.state}/public.{ext}{query}" for ext in FILES},
        command=_command(visit.state, kept),
    )


async def public_file(request: Request, visit: OnState, site: Shared, ext: str) -> Response:
    """A file of the public report, as the command line writes it for the same period."""
    if ext not in FILES:
        raise PageRefused(f"format: expected one of {', '.join(FILES)}, given {ext[:10]!r}", 404)
    media, write = FILES[ext]
    made, kept = await _report(request, visit.state, site)
    written = await asyncio.to_thread(write, made)
    body = written.encode("utf-8") if isinstance(written, str) else written
    name = "-".join([visit.state, "public-report", *(v.replace(":", "") for v in kept.values())])
    headers = {**FILE_HEADERS, "Content-Disposition": f'attachment; filename="{name}.{ext}"'}
    return Response(body, media_type=media, headers=headers)


def _command(state: str, kept: dict[str, str]) -> str:
    """The command that writes the same file (``FORMAT`` and ``FILE`` to fill in)."""
    period = "".join(f" --{k} {v}" for k, v in kept.items())
    return f"statelink report --state {state} --public{period} --format pdf --out public.pdf"


routes: list[BaseRoute] = [
    route("/states/{state}/public", public_page),
    route("/states/{state}/public.{ext}", public_file),
]
