"""Where a report's inputs come from in a data folder: the Parquet copy of a state's
audit log, refreshed and checked against its latest signed checkpoint, the directory's
agency names, and the reason text of each policy."""

from __future__ import annotations

from pathlib import Path

from statelink.audit.keys import NodeKeys
from statelink.audit.log import AuditLog
from statelink.errors import StatelinkError
from statelink.nation import Layout, known_state, open_directory, open_policy_store
from statelink.policy.engine import DEFAULT_DENY, POLICY_ERROR
from statelink.reports.anchor import Anchored, anchor, read_checked
from statelink.reports.model import Report
from statelink.reports.report import ALL_TIME, Period, build
from statelink.reports.table import AuditTable
from statelink.witness.registry import WitnessRegistry, witnessed_by


def anchored(layout: Layout, state: str) -> Anchored:
    """The state's Parquet copy, brought up to its audit log's latest signed checkpoint
    and checked against it (refused if it does not match), with that checkpoint and the
    witnesses whose cosignature of it verifies."""
    code = known_state(layout, state)
    table = AuditTable(layout.analytics(code))
    if not layout.has_audit(code):
        return Anchored(table.pinned(()), None)
    log = AuditLog.open(code, layout.audit_store(code))
    try:
        keys = NodeKeys.load(code, layout.keys(code), create=False)
        return anchor(table, log, keys, lambda size: _witnessed_by(layout, code, log, size))
    finally:
        log.close()


def _witnessed_by(layout: Layout, state: str, log: AuditLog, size: int) -> tuple[str, ...]:
    """The state's witnesses whose kept cosignature of the checkpoint of ``size`` verifies
    with the witness's key (a line that does not verify is not counted)."""
    where = layout.node_store(state)
    if isinstance(where, Path) and not where.exists():
        return ()
    witnesses = WitnessRegistry.open(state, where)
    try:
        return witnessed_by(witnesses, log.checkpoint_at(size))
    finally:
        witnesses.close()


def refreshed(layout: Layout, state: str) -> AuditTable:
    """The state's Parquet copy, checked as :func:`anchored` does (for what reads the copy
    without stating its checkpoint: drill-downs, the impact replay)."""
    return anchored(layout, state).table


def rebuild(layout: Layout, state: str) -> None:
    """Discard the state's copy; the next report copies and checks the log again."""
    table = AuditTable(layout.analytics(known_state(layout, state)))
    with table.locked():
        table.discard()


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


def state_report(
    layout: Layout,
    state: str,
    period: Period = ALL_TIME,
    *,
    top: int = 10,
) -> Report:
    code = known_state(layout, state)
    agencies, why = agency_names(layout), reasons(layout, code)
    return read_checked(
        lambda: anchored(layout, code),
        lambda copy: build(
            code,
            copy.table,
            period=period,
            agencies=agencies,
            reasons=why,
            top=top,
            anchor=copy.anchor.as_json() if copy.anchor else None,
        ),
    )
