"""The dashboard's report pages: where a state's data goes, and the records behind it.

- ``/dashboard/states/XX/``: overview numbers, the flow diagram (requester class →
  message key → decision), weekly trends, breakdowns, immigration agencies' access, top
  requesters, each deciding policy with its reason, and the policy sets over time;
- ``/dashboard/states/XX/records?…``: the drill-down, the audit records behind a number
  (every number and every mark of a chart links to one);
- ``/dashboard/states/XX/records/SEQ``: one audit record as a card
  (:mod:`statelink.web.record_card`), with its JSON and its inclusion proof one click
  away;
- ``/dashboard/?sort=…``: the overview (:mod:`statelink.web.national`), the account's
  states side by side with their numbers summed, sorted by refused, held or immigration
  requests (or another column).

The report pages and the overview take ``since`` and ``until`` (the hub's received
time, UTC). Their numbers are :func:`statelink.reports.report.build`'s, the same as
``statelink report --json``; :class:`~statelink.web.report_cache.ReportCache` keeps them.
Each page first checks the copy of the log it reads against the log's latest signed
checkpoint (:mod:`statelink.reports.anchor`): a state's page states that checkpoint, and
a copy that does not match is refused (409) with the first record that differs (the
overview lists that state with the reason and leaves it out of its totals).
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response
from markupsafe import Markup
from starlette.routing import BaseRoute

from statelink.accounts import Account
from statelink.errors import AuditInvalid, NotFound, PageRefused, StatelinkError
from statelink.reports import charts
from statelink.reports.anchor import statement
from statelink.reports.drill import DIMENSIONS, drill
from statelink.reports.model import PurposeCount, Report
from statelink.reports.report import Period
from statelink.web import national, record_card
from statelink.web.national import SORTS
from statelink.web.signin import OnState
from statelink.web.site import Shared, Site, form_day, route

DRILL_LIMIT = 200


def _refused(e: StatelinkError) -> PageRefused:
    """A report that cannot be made: a copy that does not match the log (409), or a bad
    request (400)."""
    return PageRefused(e.message, e.http_status if isinstance(e, AuditInvalid) else 400)


def period_of(request: Request) -> tuple[Period, dict[str, str]]:
    """The period the query asks for, and the query parameters that set it."""
    params = {k: request.query_params.get(k, "") for k in ("since", "until")}
    period = Period(form_day(params["since"], "since"), form_day(params["until"], "until"))
    return period, {k: v for k, v in params.items() if v}


async def state_overview(request: Request, visit: OnState, site: Shared) -> Response:
    code = visit.state
    try:
        period, kept = period_of(request)
        made = site.reports.report(code, period)
    except StatelinkError as e:
        raise _refused(e) from None

    def link(filters: dict[str, str]) -> str:
        return f"/dashboard/states/{code}/records?{urlencode({**filters, **kept})}"

    return site.page(
        request,
        "state.html",
        account=visit.account,
        state=code,
        report=made,
        covers=statement(made["anchor"], code),
        kept=kept,
        link=link,
        chart=_charts(made, link),
    )


WIDE, NARROW = (900, 520), (420, 360)
"""The viewBox widths of the trend and the bar charts, for wide screens and for phones
(the page holds both; its CSS shows one; a phone's bars have their labels above them): at
a phone's width a chart drawn for a desktop would shrink its labels to a few pixels."""


def _charts(made: Report, link: charts.Link) -> dict[str, Markup]:
    """The state page's charts (each escapes every text it draws)."""
    b = made["breakdowns"]
    drawn = {"flow": Markup(charts.flow(charts.paths(made["flow"]), link))}
    for suffix, (trend_w, bars_w), stacked in (("", WIDE, False), ("_narrow", NARROW, True)):
        drawn["trend" + suffix] = Markup(charts.trend(made["weekly"], link, width=trend_w))
        drawn["who" + suffix] = Markup(
            charts.bars(
                b["requester_class"],
                link,
                dimension="requester_class",
                width=bars_w,
                name="Who asked: requests by requester class",
                stacked=stacked,
            )
        )
        drawn["why" + suffix] = Markup(
            charts.bars(
                b["purpose"],
                link,
                dimension="purpose",
                label=_purpose,
                width=bars_w,
                name="Why: requests by purpose",
                stacked=stacked,
            )
        )
    return drawn


def _purpose(row: PurposeCount) -> str:
    return f"{row['key']} {row['label']}"


async def records(request: Request, visit: OnState, site: Shared) -> Response:
    filters = {k: v for k, v in request.query_params.items() if k not in ("since", "until") and v}
    try:
        period, kept = period_of(request)
        found = drill(site.reports.table(visit.state), filters, period=period, limit=DRILL_LIMIT)
    except StatelinkError as e:
        raise _refused(e) from None
    return site.page(
        request,
        "records.html",
        account=visit.account,
        state=visit.state,
        found=found,
        kept=kept,
        names=site.reports.names(),
        limit=DRILL_LIMIT,
        dimensions=sorted(DIMENSIONS),
    )


async def record(request: Request, visit: OnState, site: Shared, seq: int) -> Response:
    def made() -> record_card.Card:
        return record_card.card(site.layout, visit.state, seq, site.reports.names())

    try:
        shown = await asyncio.to_thread(made)
    except StatelinkError as e:
        raise PageRefused(e.message, 404 if isinstance(e, NotFound) else e.http_status) from None
    return site.page(
        request,
        "record.html",
        account=visit.account,
        state=visit.state,
        seq=seq,
        card=shown,
        drill=f"/dashboard/states/{visit.state}/records?",
    )


async def overview(request: Request, account: Account, site: Site) -> Response:
    """The account's states, their numbers (for the period asked) summed and sorted; the
    reports are made in a worker thread, the event loop stays free meanwhile."""
    try:
        sort = national.sort_of(request.query_params.get("sort", ""))
        period, kept = period_of(request)
    except StatelinkError as e:
        raise PageRefused(e.message, 400) from None
    states = account.visible(site.desks.states)
    desks = {s: site.desks.summary(s) for s in states}

    def drill(state: str, **filters: str) -> str:
        return f"/dashboard/states/{state}/records?{urlencode({**filters, **kept})}"

    found = await asyncio.to_thread(national.numbers, site.reports, states, period)
    return site.page(
        request,
        "overview.html",
        account=account,
        view=national.national(found, desks, sort),
        kept=kept,
        sorts={k: (s.label, f"?{urlencode({**kept, 'sort': k})}") for k, s in SORTS.items()},
        query=f"?{urlencode(kept)}" if kept else "",
        drill=drill,
    )


routes: list[BaseRoute] = [
    route("/states/{state}/", state_overview),
    route("/states/{state}/records", records),
    route("/states/{state}/records/{seq}", record),
]
