"""A state's audit records as Parquet, for DuckDB: the analytics side of the audit log.

The log itself (SQLite, a Merkle tree) is the record of truth; reports read a copy of it
in columns, kept in ``states/XX/analytics/v4/`` as Parquet parts named by the sequence
numbers they hold (``part-000000000000-000000041999.parquet``). A refresh appends a part
with the records written since the last one, so the copy never falls behind by more
than the records of the moment, and no record is converted twice. DuckDB does the
conversion from the records' canonical JSON; no Python loop touches the rows.
"""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
from pathlib import Path

import duckdb

from statelink.audit.log import AuditLog
from statelink.directory.federal import IMMIGRATION

PART = re.compile(r"part-(\d{12})-(\d{12})\.parquet")

_JSON_COLUMNS = {
    "seq": "BIGINT",
    "time": "VARCHAR",
    "received_at": "VARCHAR",
    "message_id": "VARCHAR",
    "mke": "VARCHAR",
    "requester": (
        "STRUCT(ori VARCHAR, kind VARCHAR, department VARCHAR, component VARCHAR, groups VARCHAR[])"
    ),
    "owner": "VARCHAR",
    "dataset": "VARCHAR",
    "context": (
        "STRUCT(purpose VARCHAR, reason VARCHAR, has_warrant BOOLEAN, "
        "warrant STRUCT(kind VARCHAR, id VARCHAR, court VARCHAR), case_number VARCHAR, "
        "offense VARCHAR, serious_crime BOOLEAN, certified BOOLEAN, in_state BOOLEAN, "
        "multi_state BOOLEAN, review_approved BOOLEAN)"
    ),
    "decision": "VARCHAR",
    "policies": "VARCHAR[]",
    "policy_digest": "VARCHAR",
    "status": "VARCHAR",
    "released": "INTEGER",
    "records": "VARCHAR[]",
    "latency_us": "BIGINT",
    "detail": "VARCHAR",
}

SELECT = """
    seq,
    CAST(left(time, 23) AS TIMESTAMP) AS time,
    CAST(left(coalesce(nullif(received_at, ''), time), 23) AS TIMESTAMP) AS received_at,
    message_id, mke,
    requester.ori AS ori, requester.kind AS kind, requester.department AS department,
    requester.component AS component, coalesce(requester.groups, []) AS groups,
    owner, dataset,
    coalesce(context.purpose, '') AS purpose,
    coalesce(context.reason, '') AS reason,
    coalesce(context.has_warrant, false) AS has_warrant,
    coalesce(context.warrant.kind, '') AS warrant_kind,
    coalesce(context.warrant.id, '') AS warrant_id,
    coalesce(context.warrant.court, '') AS warrant_court,
    coalesce(context.case_number, '') AS case_number,
    coalesce(context.offense, '') AS offense,
    coalesce(context.serious_crime, false) AS serious_crime,
    coalesce(context.certified, false) AS certified,
    coalesce(context.in_state, false) AS in_state,
    coalesce(context.multi_state, false) AS multi_state,
    coalesce(context.review_approved, false) AS review_approved,
    decision, coalesce(policies, []) AS policies, policy_digest, status, released,
    coalesce(records, []) AS records, latency_us, detail
"""
"""The columns of the Parquet copy: facts only, personal values as keyed hashes, and the
whole decision context (so that a replay re-decides from the copy alone); times are UTC
(``received_at``: when the hub took the message; ``time``: when it was logged)."""

DERIVED = f"""
    CASE WHEN list_contains(groups, '{IMMIGRATION}') THEN 'immigration agencies'
         WHEN list_contains(groups, 'federal') THEN 'other federal agencies'
         WHEN in_state THEN 'in-state agencies'
         ELSE 'out-of-state agencies' END AS requester_class,
    list_contains(groups, '{IMMIGRATION}') AS immigration,
    CAST(date_trunc('week', received_at) AS DATE) AS week,
    array_to_string(groups, ';') AS groups_key,
    array_to_string(policies, ';') AS policies_key,
    coalesce(nullif(decision, ''), 'none') AS decision_label,
    coalesce(nullif(kind, ''), 'unknown') AS kind_label,
    coalesce(nullif(department, ''), 'state and local') AS department_label,
    coalesce(nullif(component, ''), 'state and local') AS component_label
"""
"""Columns worked out once, when records are copied, so that reports only group and count
(what a 10-million-record report needs to take well under 2 s)."""
FORMAT = 4  # the copy's layout: a change of columns starts a new copy in analytics/v<N>


def write_parquet(source: str, target: Path) -> None:
    """Write the rows of ``source`` (SQL giving the base columns) with the derived ones."""
    with duckdb.connect() as con:
        con.execute("SET enable_progress_bar = false")
        con.execute(
            f"COPY (SELECT *, {DERIVED} FROM ({source}) ORDER BY seq) "
            f"TO {quoted(target)} (FORMAT parquet, COMPRESSION zstd)"
        )


def quoted(path: Path | str) -> str:
    """A path or text as a DuckDB string literal."""
    return "'" + str(path).replace("'", "''") + "'"


class AuditTable:
    """The Parquet copy in ``folder/v<FORMAT>`` (a copy in an older layout is left alone)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder / f"v{FORMAT}"

    @property
    def glob(self) -> str:
        return str(self.folder / "part-*.parquet")

    def parts(self) -> list[tuple[int, int, Path]]:
        found = []
        if self.folder.is_dir():
            for path in self.folder.iterdir():
                match = PART.fullmatch(path.name)
                if match:
                    found.append((int(match.group(1)), int(match.group(2)), path))
        return sorted(found)

    def size(self) -> int:
        """How many records the copy holds (they are numbered from 0 without gaps)."""
        parts = self.parts()
        return parts[-1][1] + 1 if parts else 0

    @property
    def lock_path(self) -> Path:
        return self.folder / ".refresh.lock"

    def refresh(self, log: AuditLog) -> int:
        """Add the records written since the last refresh; return how many were added.

        One refresh at a time per copy, across threads and processes (a file lock): two
        that both saw the same size would otherwise each write the same records.
        """
        if log.size() <= self.size():
            return 0
        self.folder.mkdir(parents=True, exist_ok=True)
        with self.lock_path.open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            first, total = self.size(), log.size()
            if total <= first:
                return 0
            return self._append(log, first, total)

    def _append(self, log: AuditLog, first: int, total: int) -> int:
        with tempfile.TemporaryDirectory(dir=self.folder) as tmp:
            staged = Path(tmp) / "records.jsonl"
            count = 0
            with staged.open("wb") as out:
                for leaf in log.raw(first):
                    out.write(leaf)
                    out.write(b"\n")
                    count += 1
                    if first + count >= total:
                        break  # records appended meanwhile wait for the next refresh
            if count == 0:
                return 0
            name = f"part-{first:012d}-{first + count - 1:012d}.parquet"
            partial = Path(tmp) / name
            columns = (
                "{" + ", ".join(f"{quoted(k)}: {quoted(v)}" for k, v in _JSON_COLUMNS.items()) + "}"
            )
            source = (
                f"SELECT {SELECT} FROM read_json({quoted(staged)}, "
                f"format='newline_delimited', columns={columns})"
            )
            write_parquet(source, partial)
            os.replace(partial, self.folder / name)
        return count
