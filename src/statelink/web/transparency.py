"""The dashboard's report pages: where a state's data goes, and the records behind it.

- ``/dashboard/states/XX/``: overview numbers, the flow diagram (requester class →
  message key → decision), weekly trends, breakdowns, immigration agencies' access, top
  requesters, each deciding policy with its reason, and the policy sets over time;
- ``/dashboard/states/XX/records?…``: the drill-down, the audit records behind a number
  (every number and every mark of a chart links to one);
- ``/dashboard/states/XX/records/SEQ``: one audit record as the log holds it.

The numbers are :func:`statelink.reports.report.build`'s, the same as
``statelink report --json``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from statelink.audit.log import AuditLog
from statelink.errors import StatelinkError
from statelink.nation import Layout
from statelink.reports import charts
from statelink.reports.drill import DIMENSIONS, drill
from statelink.reports.report import Period, build
from statelink.reports.sources import agency_names, reasons
from statelink.reports.table import AuditTable
from statelink.web.site import Site, form_day

DRILL_LIMIT = 200


class Reports:
    """Each state's Parquet copy, refreshed before use, and its last report (cached until
    the copy grows or the period changes)."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self._cache: dict[tuple[str, Period], tuple[int, dict[str, Any]]] = {}
        self._names: dict[str, str] | None = None

    def table(self, state: str) -> AuditTable:
        table = AuditTable(self.layout.analytics(state))
        if self.layout.has_audit(state):
            log = AuditLog.open(state, self.layout.audit_store(state))
            try:
                table.refresh(log)
            finally:
                log.close()
        return table

    def names(self) -> dict[str, str]:
        if self._names is None:
            self._names = agency_names(self.layout)
        return self._names

    def report(self, state: str, period: Period) -> dict[str, Any]:
        table = self.table(state)
        size = table.size()
        cached = self._cache.get((state, period))
        if cached is not None and cached[0] == size:
            return cached[1]
        made = build(
            state,
            table,
            period=period,
            agencies=self.names(),
            reasons=reasons(self.layout, state),
        )
        self._cache[(state, period)] = (size, made)
        return made


def install(router: APIRouter, site: Site, layout: Layout) -> Reports:
    reports = Reports(layout)

    def period_of(request: Request) -> tuple[Period, dict[str, str]]:
        params = {k: request.query_params.get(k, "") for k in ("since", "until")}
        return Period(form_day(params["since"], "since"), form_day(params["until"], "until")), {
            k: v for k, v in params.items() if v
        }

    @router.get("/states/{state}/")
    async def overview(request: Request, state: str) -> Response:
        who = site.state_page(request, state)
        if isinstance(who, Response):
            return who
        account, code = who
        try:
            period, kept = period_of(request)
            made = reports.report(code, period)
        except StatelinkError as e:
            return site.refused(request, account, e.message, 400)

        def link(filters: dict[str, str]) -> str:
            return f"/dashboard/states/{code}/records?{urlencode({**filters, **kept})}"

        b = made["breakdowns"]
        return site.page(
            request,
            "state.html",
            account=account,
            state=code,
            report=made,
            kept=kept,
            link=link,
            flow=Markup(charts.flow(made["flow"], link)),  # the charts escape every text
            trend=Markup(charts.trend(made["weekly"], link)),
            who=Markup(
                charts.bars(b["requester_class"], link, dimension="requester_class", width=520)
            ),
            why=Markup(
                charts.bars(
                    b["purpose"],
                    link,
                    dimension="purpose",
                    label=lambda r: f"{r['key']} {r['label']}",
                    width=520,
                )
            ),
        )

    @router.get("/states/{state}/records")
    async def records(request: Request, state: str) -> Response:
        who = site.state_page(request, state)
        if isinstance(who, Response):
            return who
        account, code = who
        filters = {
            k: v for k, v in request.query_params.items() if k not in ("since", "until") and v
        }
        try:
            period, kept = period_of(request)
            found = drill(reports.table(code), filters, period=period, limit=DRILL_LIMIT)
        except StatelinkError as e:
            return site.refused(request, account, e.message, 400)
        return site.page(
            request,
            "records.html",
            account=account,
            state=code,
            found=found,
            kept=kept,
            names=reports.names(),
            limit=DRILL_LIMIT,
            dimensions=sorted(DIMENSIONS),
        )

    @router.get("/states/{state}/records/{seq}")
    async def record(request: Request, state: str, seq: int) -> Response:
        who = site.state_page(request, state)
        if isinstance(who, Response):
            return who
        account, code = who
        log = AuditLog.open(code, layout.audit_store(code))
        try:
            content = log.record(seq)
        except StatelinkError as e:
            return site.refused(request, account, e.message, 404)
        finally:
            log.close()
        return site.page(
            request,
            "record.html",
            account=account,
            state=code,
            seq=seq,
            text=json.dumps(content, indent=2, sort_keys=True, ensure_ascii=False),
        )

    return reports
