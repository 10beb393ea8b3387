"""Each state's report for the dashboard: the Parquet copy of its audit log, refreshed
before use, and its last report (kept until the copy grows or the period changes)."""

from __future__ import annotations

from statelink.audit.log import AuditLog
from statelink.nation import Layout
from statelink.reports.model import Report
from statelink.reports.report import Period, build
from statelink.reports.sources import agency_names, reasons
from statelink.reports.table import AuditTable


class ReportCache:
    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self._cache: dict[tuple[str, Period], tuple[int, Report]] = {}
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

    def report(self, state: str, period: Period) -> Report:
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
