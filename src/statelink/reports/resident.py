"""A resident's access report: every access to their record, found by keyed hash.

The audit log never holds a licence number in clear: each released record (and each
released vehicle's owner) is there as the node's keyed hash of ``driver:<OLN>``. The
state computes that hash from the licence number the resident gives and looks it up in
the Parquet copy; nothing in clear is searched, and the number itself is not kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict

from statelink.audit.keys import NodeKeys
from statelink.messages.fields import PURPOSES
from statelink.reports.report import ALL_TIME, session
from statelink.reports.table import AuditTable


class Access(TypedDict):
    """One access to a resident's record, as ``access-report --json`` writes it."""

    received_at: str  # ISO, UTC
    ori: str
    component: str
    mke: str
    purpose: str
    decision: str
    status: str
    message_id: str
    agency: str  # the directory's name of the ORI
    purpose_label: str


def accesses(
    table: AuditTable,
    keys: NodeKeys,
    licence: str,
    *,
    agencies: Mapping[str, str] | None = None,
) -> list[Access]:
    """When, which agency, what purpose and what was decided, oldest first."""
    if not table.parts():
        return []
    wanted = keys.hash(f"driver:{licence.strip().upper()}")
    with session(table, ALL_TIME) as con:
        rows = con.execute(
            """SELECT received_at, ori, component, mke, purpose, decision, status, message_id
               FROM steps WHERE list_contains(records, ?) ORDER BY received_at, seq""",
            [wanted],
        ).fetchall()
    names = agencies or {}
    return [
        {
            "received_at": received_at.isoformat(),
            "ori": ori,
            "component": component,
            "mke": mke,
            "purpose": purpose,
            "decision": decision,
            "status": status,
            "message_id": message_id,
            "agency": names.get(ori, ""),
            "purpose_label": PURPOSES.get(purpose, ""),
        }
        for received_at, ori, component, mke, purpose, decision, status, message_id in rows
    ]
