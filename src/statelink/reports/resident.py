"""A resident's access report: every access to their record, found by keyed hash.

The audit log never holds a licence number in clear: each released record (and each
released vehicle's owner) is there as the node's keyed hash of ``driver:<OLN>``. The
state computes that hash from the licence number the resident gives and looks it up in
the Parquet copy; nothing in clear is searched, and the number itself is not kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from statelink.audit.keys import NodeKeys
from statelink.messages.fields import PURPOSES
from statelink.reports.report import ALL_TIME, connect
from statelink.reports.table import AuditTable


def accesses(
    table: AuditTable,
    keys: NodeKeys,
    licence: str,
    *,
    agencies: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """When, which agency, what purpose and what was decided, oldest first."""
    if not table.parts():
        return []
    wanted = keys.hash(f"driver:{licence.strip().upper()}")
    with connect(table, ALL_TIME) as con:
        cursor = con.execute(
            """SELECT received_at, ori, component, mke, purpose, decision, status, message_id
               FROM steps WHERE list_contains(records, ?) ORDER BY received_at, seq""",
            [wanted],
        )
        names = [d[0] for d in cursor.description or ()]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        row["received_at"] = row["received_at"].isoformat()
        row["agency"] = (agencies or {}).get(row["ori"], "")
        row["purpose_label"] = PURPOSES.get(row["purpose"], "")
    return rows
