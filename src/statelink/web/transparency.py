"""The dashboard's report pages: where a state's data goes, and the records behind it.

- ``/dashboard/states/XX/``: overview numbers, the flow diagram (requester class →
  message key → decision), weekly trends, breakdowns, immigration agencies' access, top
  requesters, each deciding policy with its reason, and the policy sets over time;
- ``/dashboard/states/XX/records?…``: the drill-down, the audit records behind a number
  (every number and every mark of a chart links to one);
- ``/dashboard/states/XX/records/SEQ``: one audit record as the log holds it.

The numbers are :func:`statelink.reports.report.build`'s, the same as
``statelink report --json``; :class:`~statelink.web.report_cache.ReportCache` keeps them.
Each page first checks the copy of the log it reads against the log's latest signed
checkpoint (:mod:`statelink.reports.anchor`): the overview states that checkpoint, and a
copy that does not match is refused (409) with the first record that differs.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response
from markupsafe import Markup
from starlette.routing import BaseRoute

from statelink.audit.log import AuditLog
from statelink.errors import AuditInvalid, PageRefused, StatelinkError
from statelink.reports import charts
from statelink.reports.anchor import statement
from statelink.reports.drill import DIMENSIONS, drill
from statelink.reports.model import PurposeCount
from statelink.reports.report import Period
from statelink.web.signin import OnState
from statelink.web.site import Shared, form_day, route

DRILL_LIMIT = 200


def _refused(e: StatelinkError) -> PageRefused:
    """A report that cannot be made: a copy that does not match the log (409), or a bad
    request (400)."""
    return PageRefused(e.message, e.http_status if isinstance(e, AuditInvalid) else 400)


def _period(request: Request) -> tuple[Period, dict[str, str]]:
    """The period the query asks for, and the query parameters that set it."""
    params = {k: request.query_params.get(k, "") for k in ("since", "until")}
    period = Period(form_day(params["since"], "since"), form_day(params["until"], "until"))
    return period, {k: v for k, v in params.items() if v}


async def state_overview(request: Request, visit: OnState, site: Shared) -> Response:
    code = visit.state
    try:
        period, kept = _period(request)
        made = site.reports.report(code, period)
    except StatelinkError as e:
        raise _refused(e) from None

    def link(filters: dict[str, str]) -> str:
        return f"/dashboard/states/{code}/records?{urlencode({**filters, **kept})}"

    b = made["breakdowns"]
    return site.page(
        request,
        "state.html",
        account=visit.account,
        state=code,
        report=made,
        covers=statement(made["anchor"], code),
        kept=kept,
        link=link,
        # the charts escape every text
        flow=Markup(charts.flow(charts.paths(made["flow"]), link)),
        trend=Markup(charts.trend(made["weekly"], link)),
        who=Markup(charts.bars(b["requester_class"], link, dimension="requester_class", width=520)),
        why=Markup(charts.bars(b["purpose"], link, dimension="purpose", label=_purpose, width=520)),
    )


def _purpose(row: PurposeCount) -> str:
    return f"{row['key']} {row['label']}"


async def records(request: Request, visit: OnState, site: Shared) -> Response:
    filters = {k: v for k, v in request.query_params.items() if k not in ("since", "until") and v}
    try:
        period, kept = _period(request)
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
    log = AuditLog.open(visit.state, site.layout.audit_store(visit.state))
    try:
        content = log.record(seq)
    except StatelinkError as e:
        raise PageRefused(e.message, 404) from None
    finally:
        log.close()
    return site.page(
        request,
        "record.html",
        account=visit.account,
        state=visit.state,
        seq=seq,
        text=json.dumps(content.to_json(), indent=2, sort_keys=True, ensure_ascii=False),
    )


routes: list[BaseRoute] = [
    route("/states/{state}/", state_overview),
    route("/states/{state}/records", records),
    route("/states/{state}/records/{seq}", record),
]
