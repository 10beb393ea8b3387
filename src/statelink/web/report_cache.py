"""Each state's report for the dashboard: the Parquet copy of its audit log, refreshed
and checked against the log's latest signed checkpoint before use (a copy that does not
match is refused), and its last report (kept until the checkpoint or the period changes).

A check (opening the log and the witness registry, hashing every part) is reused for
:data:`FRESH_S` seconds while the files it checked are still there, unchanged
(:meth:`AuditTable.confirm`): what the check found still holds of them, a rebuild or a
tampered part is noticed at once, and a checkpoint signed meanwhile is taken up by the
next check (the report says which checkpoint it covers).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from statelink.errors import AuditInvalid
from statelink.nation import Layout
from statelink.reports.anchor import Anchored, read_checked
from statelink.reports.model import Report
from statelink.reports.report import Period, build
from statelink.reports.sources import agency_names, anchored, reasons
from statelink.reports.table import AuditTable

FRESH_S = 1.0


class ReportCache:
    def __init__(self, layout: Layout, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.layout = layout
        self._clock = clock
        self._cache: dict[tuple[str, Period], tuple[int, Report]] = {}
        self._checks: dict[str, tuple[float, Anchored]] = {}
        self._names: dict[str, str] | None = None

    def table(self, state: str) -> AuditTable:
        """The state's copy, checked (and pinned to what was checked)."""
        return self.anchored(state).table

    def anchored(self, state: str) -> Anchored:
        """The state's copy as last checked, if that was under :data:`FRESH_S` seconds
        ago and its parts are unchanged; else checked now."""
        now = self._clock()
        kept = self._checks.get(state)
        if kept is not None and 0 <= now - kept[0] < FRESH_S:
            try:
                kept[1].table.confirm()
                return kept[1]
            except AuditInvalid:
                pass  # a part changed since: check again
        found = anchored(self.layout, state)
        self._checks[state] = (now, found)
        return found

    def names(self) -> dict[str, str]:
        if self._names is None:
            self._names = agency_names(self.layout)
        return self._names

    def report(self, state: str, period: Period) -> Report:
        return read_checked(
            lambda: self.anchored(state), lambda copy: self._made(state, period, copy)
        )

    def _made(self, state: str, period: Period, copy: Anchored) -> Report:
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
