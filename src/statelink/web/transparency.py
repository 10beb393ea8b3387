"""The dashboard's report pages: where a state's data goes, and the records behind it.

- ``/dashboard/states/XX/``: overview numbers, the flow diagram (requester class →
  message key → decision), weekly trends, breakdowns, immigration agencies' access, top
  requesters, each deciding policy with its reason, and the policy sets over time;
- ``/dashboard/states/XX/records?…``: the drill-down, the audit records behind a number
  (every number and every mark of a chart links to one), :data:`PAGE` a page
  (``&page=N``), newest first; ``…/records.csv?…`` every one of them as CSV;
- ``/dashboard/states/XX/agencies?order=…``: every agency that asked, with its requests
  by decision and the records released, paged; ``…/agencies.csv`` all of them as CSV;
- ``/dashboard/states/XX/records/SEQ``: one audit record as a card
  (:mod:`statelink.web.record_card`), with its JSON and its inclusion proof one click
  away;
- ``/dashboard/?sort=…``: the overview (:mod:`statelink.web.national`), the account's
  states side by side with their numbers summed, sorted by refused, held or immigration
  requests (or another column).

The report pages and the overview take ``since`` and ``until`` (the hub's received
time, UTC; ``until`` is the first day not counted), show the period in words and link to
this and the last quarters and years (:mod:`statelink.web.report_query`). Every number
says what it counts: requests (answers), decisions, records released or agencies; where
a table's rows can add up to more than the total, the page says why. The CSV files
(:mod:`statelink.web.downloads`) hold what the pages show. The report's numbers are
:func:`statelink.reports.report.build`'s, the same as ``statelink report --json``;
:class:`~statelink.web.report_cache.ReportCache` keeps them. Each page first checks the
copy of the log it reads against the log's latest signed checkpoint
(:mod:`statelink.reports.anchor`): a state's page states that checkpoint, and a copy that
does not match is refused (409) with the first record that differs (the overview lists
that state with the reason and leaves it out of its totals).
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response
from markupsafe import Markup
from starlette.routing import BaseRoute

from statelink.accounts import Account
from statelink.errors import NotFound, PageRefused, StatelinkError
from statelink.reports import charts, requesters
from statelink.reports.anchor import statement
from statelink.reports.drill import DIMENSIONS, drill
from statelink.reports.model import PurposeCount, Report
from statelink.web import national, record_card
from statelink.web.downloads import agencies_csv, records_csv
from statelink.web.national import SORTS
from statelink.web.report_query import Pages, When, filters_of, period_of, refused
from statelink.web.signin import OnState
from statelink.web.site import Shared, Site, route

PAGE = DRILL_LIMIT = 200
"""Audit records a drill-down page shows."""
AGENCY_PAGE = 100
"""Agencies a page of the agencies' list shows."""


async def state_overview(request: Request, visit: OnState, site: Shared) -> Response:
    code = visit.state
    try:
        period, kept = period_of(request)
        made = site.reports.report(code, period)
    except StatelinkError as e:
        raise refused(e) from None

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
        policy_rows=sum(int(r["n"]) for r in made["breakdowns"]["policy"]),
        decided=sum(int(r["n"]) for r in made["breakdowns"]["decision"] if r["key"] != "none"),
        when=When.of(request, period),
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
    filters = filters_of(request)
    try:
        period, kept = period_of(request)
        table, wanted = site.reports.table(visit.state), Pages.wanted(request)
        found = drill(table, filters, period=period, limit=PAGE, offset=(wanted - 1) * PAGE)
        pages = Pages.at(wanted, PAGE, found.count)
        if pages.offset != found.offset:  # past the end: the last page
            found = drill(table, filters, period=period, limit=PAGE, offset=pages.offset)
    except StatelinkError as e:
        raise refused(e) from None
    return site.page(
        request,
        "records.html",
        account=visit.account,
        state=visit.state,
        found=found,
        kept=kept,
        names=site.reports.names(),
        pager=pages,
        links=pages.links(request),
        csv=f"/dashboard/states/{visit.state}/records.csv?{urlencode({**filters, **kept})}",
        dimensions=sorted(DIMENSIONS),
        when=When.of(request, period),
    )


async def agencies(request: Request, visit: OnState, site: Shared) -> Response:
    """Every agency that asked in the period, :data:`AGENCY_PAGE` a page, in the order
    asked for, with the sums over all of them."""
    try:
        period, kept = period_of(request)
        order = requesters.order_of(request.query_params.get("order", ""))
        table, wanted = site.reports.table(visit.state), Pages.wanted(request)

        def listed_from(offset: int) -> requesters.Agencies:
            return requesters.agencies(
                table, period=period, order=order, limit=AGENCY_PAGE, offset=offset
            )

        listed = listed_from((wanted - 1) * AGENCY_PAGE)
        pages = Pages.at(wanted, AGENCY_PAGE, listed.total)
        if pages.offset != listed.offset:  # past the end: the last page
            listed = listed_from(pages.offset)
    except StatelinkError as e:
        raise refused(e) from None
    base = f"/dashboard/states/{visit.state}"
    return site.page(
        request,
        "agencies.html",
        account=visit.account,
        state=visit.state,
        listed=listed,
        names=site.reports.names(),
        kept=kept,
        pager=pages,
        links=pages.links(request),
        orders={
            k: (label, f"?{urlencode({**kept, 'order': k})}")
            for k, (label, _) in requesters.ORDERS.items()
        },
        drill=lambda ori: f"{base}/records?{urlencode({'ori': ori, **kept})}",
        csv=f"{base}/agencies.csv?{urlencode({**kept, 'order': order})}",
        when=When.of(request, period),
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
        when=When.of(request, period),
    )


routes: list[BaseRoute] = [
    route("/states/{state}/", state_overview),
    route("/states/{state}/records", records),
    route("/states/{state}/records.csv", records_csv),
    route("/states/{state}/records/{seq}", record),
    route("/states/{state}/agencies", agencies),
    route("/states/{state}/agencies.csv", agencies_csv),
]
