"""Exporting a state's audit records: JSON lines as logged, or flat CSV and Parquet.

The flat form has one column per fact (lists joined with ``;``), for spreadsheets and
for analytics with DuckDB. The CSV is spreadsheet-safe (:mod:`statelink.spreadsheet`):
a text cell that would start a formula gets a ``'`` in front; numbers and booleans are
written as they are. Parquet is written by DuckDB, with typed columns, from the same flat
rows staged as JSON lines: like the JSON lines export, it keeps every value exactly as
logged (an empty text is an empty string, not NULL), since it is not for spreadsheets.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import duckdb

from statelink.audit.record import AuditRecord
from statelink.errors import UsageError
from statelink.spreadsheet import DictWriter

COLUMNS: dict[str, str] = {
    "seq": "BIGINT",
    "time": "VARCHAR",
    "node": "VARCHAR",
    "message_id": "VARCHAR",
    "received_at": "VARCHAR",
    "control": "VARCHAR",
    "mke": "VARCHAR",
    "ori": "VARCHAR",
    "kind": "VARCHAR",
    "department": "VARCHAR",
    "component": "VARCHAR",
    "groups": "VARCHAR",
    "owner": "VARCHAR",
    "dataset": "VARCHAR",
    "purpose": "VARCHAR",
    "reason": "VARCHAR",
    "has_warrant": "BOOLEAN",
    "warrant_kind": "VARCHAR",
    "warrant_id": "VARCHAR",
    "warrant_court": "VARCHAR",
    "case_number": "VARCHAR",
    "offense": "VARCHAR",
    "serious_crime": "BOOLEAN",
    "certified": "BOOLEAN",
    "in_state": "BOOLEAN",
    "multi_state": "BOOLEAN",
    "review_approved": "BOOLEAN",
    "decision": "VARCHAR",
    "policies": "VARCHAR",
    "policy_digest": "VARCHAR",
    "status": "VARCHAR",
    "released": "INTEGER",
    "records": "VARCHAR",
    "search": "VARCHAR",
    "operator": "VARCHAR",
    "latency_us": "BIGINT",
    "detail": "VARCHAR",
}
FORMATS = ("jsonl", "csv", "parquet")


Row = dict[str, str | int | bool]
"""A record as a flat row of :data:`COLUMNS`."""


def flatten(record: AuditRecord) -> Row:
    """One record as a flat row of :data:`COLUMNS`."""
    requester, context = record.requester, record.context
    warrant = context.get("warrant") or {}
    return {
        "seq": record.seq,
        "time": record.time,
        "node": record.node,
        "message_id": record.message_id,
        "received_at": record.received_at,
        "control": record.control,
        "mke": record.mke,
        "ori": requester.ori,
        "kind": requester.kind,
        "department": requester.department,
        "component": requester.component,
        "groups": ";".join(requester.groups),
        "owner": record.owner,
        "dataset": record.dataset,
        "purpose": context.get("purpose", ""),
        "reason": context.get("reason", ""),
        "has_warrant": context.get("has_warrant", False),
        "warrant_kind": warrant.get("kind", ""),
        "warrant_id": warrant.get("id", ""),
        "warrant_court": warrant.get("court", ""),
        "case_number": context.get("case_number", ""),
        "offense": context.get("offense", ""),
        "serious_crime": context.get("serious_crime", False),
        "certified": context.get("certified", False),
        "in_state": context.get("in_state", False),
        "multi_state": context.get("multi_state", False),
        "review_approved": context.get("review_approved", False),
        "decision": record.decision,
        "policies": ";".join(record.policies),
        "policy_digest": record.policy_digest,
        "status": record.status,
        "released": record.released,
        "records": ";".join(record.records),
        "search": record.search,
        "operator": record.operator,
        "latency_us": record.latency_us,
        "detail": record.detail,
    }


def export(records: Iterable[AuditRecord], out: Path, fmt: str) -> int:
    """Write records to ``out`` in ``fmt``; return how many."""
    if fmt not in FORMATS:
        raise UsageError(f"--format: expected one of {', '.join(FORMATS)}, given {fmt!r}")
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "jsonl":
        return _write_jsonl((record.to_json() for record in records), out)
    if fmt == "csv":
        return _write_csv(records, out)
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / "records.jsonl"
        count = _write_jsonl((flatten(record) for record in records), staged)
        types = ", ".join(f"'{name}': '{kind}'" for name, kind in COLUMNS.items())
        source, target = _quoted(staged), _quoted(out)
        duckdb.sql(
            f"COPY (SELECT * FROM read_json({source}, format='newline_delimited', "
            f"columns={{{types}}})) TO {target} (FORMAT parquet)"
        )
    return count


def _write_jsonl(rows: Iterable[Mapping[str, Any]], out: Path) -> int:
    count = 0
    with out.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, sort_keys=True, ensure_ascii=False) + "\n")
            count += 1
    return count


def _write_csv(records: Iterable[AuditRecord], out: Path) -> int:
    count = 0
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = DictWriter(f, tuple(COLUMNS))
        writer.writeheader()
        for record in records:
            writer.writerow(flatten(record))
            count += 1
    return count


def _quoted(path: Path) -> str:
    """A path as a DuckDB string literal."""
    return "'" + str(path).replace("'", "''") + "'"
