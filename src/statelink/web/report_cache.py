"""Each state's report for the dashboard: the Parquet copy of its audit log, refreshed
and checked against the log's latest signed checkpoint before use (a copy that does not
match is refused), and its last report (kept until the checkpoint or the period changes)."""

from __future__ import annotations

from statelink.nation import Layout
from statelink.reports.model import Report
from statelink.reports.report import Period, build
from statelink.reports.sources import agency_names, anchored, reasons
from statelink.reports.table import AuditTable


class ReportCache:
    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self._cache: dict[tuple[str, Period], tuple[int, Report]] = {}
        self._names: dict[str, str] | None = None

    def table(self, state: str) -> AuditTable:
        """The state's copy, checked (and pinned to what was checked)."""
        return anchored(self.layout, state).table

    def names(self) -> dict[str, str]:
        if self._names is None:
            self._names = agency_names(self.layout)
        return self._names

    def report(self, state: str, period: Period) -> Report:
        copy = anchored(self.layout, state)
        size = copy.table.size()
        cached = self._cache.get((state, period))
        if cached is not None and cached[0] == size:
            made = cached[1]
        else:
            made = build(
                state,
                copy.table,
                period=period,
                agencies=self.names(),
                reasons=reasons(self.layout, state),
            )
            self._cache[(state, period)] = (size, made)
        return {**made, "anchor": copy.anchor.as_json() if copy.anchor else None}
