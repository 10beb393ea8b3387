"""Where a report's inputs come from in a data folder: the refreshed Parquet copy of a
state's audit log, the directory's agency names, and the reason text of each policy."""

from __future__ import annotations

from statelink.audit.log import AuditLog
from statelink.errors import StatelinkError
from statelink.nation import Layout, known_state, open_directory, open_policy_store
from statelink.policy.engine import DEFAULT_DENY, POLICY_ERROR
from statelink.reports.model import Report
from statelink.reports.report import ALL_TIME, Period, build
from statelink.reports.table import AuditTable


def refreshed(layout: Layout, state: str) -> AuditTable:
    """The state's Parquet copy, brought up to date with its audit log."""
    code = known_state(layout, state)
    table = AuditTable(layout.analytics(code))
    if layout.has_audit(code):
        log = AuditLog.open(code, layout.audit_store(code))
        try:
            table.refresh(log)
        finally:
            log.close()
    return table


def agency_names(layout: Layout) -> dict[str, str]:
    return {a.ori: a.name for a in open_directory(layout)}


def reasons(layout: Layout, state: str) -> dict[str, tuple[str, str]]:
    """Each policy id's reason and law, from the sets the state applied (newest wins)."""
    found = {p.id: (p.reason, p.law) for p in (DEFAULT_DENY, POLICY_ERROR)}
    store = open_policy_store(layout, state)
    try:
        for info in store.active().infos.values():
            found[info.id] = (info.reason, info.law)
    except StatelinkError:
        pass  # no valid set: only the built-in reasons
    return found


def state_report(layout: Layout, state: str, period: Period = ALL_TIME, *, top: int = 10) -> Report:
    code = known_state(layout, state)
    return build(
        code,
        refreshed(layout, code),
        period=period,
        agencies=agency_names(layout),
        reasons=reasons(layout, code),
        top=top,
    )
