"""A state's audit records as Parquet, for DuckDB: the analytics side of the audit log.

The log itself (SQLite, a Merkle tree) is the record of truth; reports read a copy of it
in columns, kept in ``states/XX/analytics/v5/`` as Parquet parts named by the sequence
numbers they hold (``part-000000000000-000000041999.parquet``). A refresh appends a part
with the records signed since the last one: the copy ends at a signed checkpoint, never
in the unsigned tail, and no record is converted twice. DuckDB does the conversion from
the records' canonical JSON; no Python loop touches the rows. Each report checks the copy
against the log first (:mod:`statelink.reports.anchor`).
"""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from statelink.audit.log import AuditLog
from statelink.directory.federal import IMMIGRATION
from statelink.errors import AuditInvalid
from statelink.reports.seal import Identity

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
FORMAT = 5  # the copy's layout: a change of columns starts a new copy in analytics/v<N>


def write_parquet(source: str, target: Path) -> None:
    """Write the rows of ``source`` (SQL giving the base columns) with the derived ones."""
    with duckdb.connect() as con:
        con.execute("SET enable_progress_bar = false")
        con.execute(
            f"COPY ({with_derived(source)} ORDER BY seq) "
            f"TO {quoted(target)} (FORMAT parquet, COMPRESSION zstd)"
        )


def from_leaves(staged: Path) -> str:
    """SQL giving the base columns of the records in a file of leaves, one JSON a line:
    the one conversion from the log's leaves to the copy's rows."""
    columns = "{" + ", ".join(f"{quoted(k)}: {quoted(v)}" for k, v in _JSON_COLUMNS.items()) + "}"
    return (
        f"SELECT {SELECT} FROM read_json({quoted(staged)}, "
        f"format='newline_delimited', columns={columns})"
    )


def with_derived(source: str) -> str:
    """SQL giving every column of the copy, in the copy's order, from ``from_leaves``."""
    return f"SELECT *, {DERIVED} FROM ({source})"


def quoted(path: Path | str) -> str:
    """A path or text as a DuckDB string literal."""
    return "'" + str(path).replace("'", "''") + "'"


def part_name(first: int, last: int) -> str:
    return f"part-{first:012d}-{last:012d}.parquet"


@dataclass(frozen=True)
class CheckedPart:
    """A part as it was checked against the audit log: the one file a report reads for
    records ``first .. last``."""

    first: int
    last: int
    path: Path
    sha256: str  # of the file checked, hex
    identity: Identity  # of the file checked: a replaced or rewritten file differs


class AuditTable:
    """The Parquet copy in ``folder/v<FORMAT>`` (a copy in an older layout is left alone).

    ``checked``, if given, pins the table to those parts, as they were checked: what one
    report reads, whatever refreshes and rebuilds do meanwhile. A pinned part that is gone
    or changed when the report reads it makes the read fail (:meth:`confirm`).
    """

    def __init__(self, folder: Path, checked: tuple[CheckedPart, ...] | None = None) -> None:
        self.folder = folder / f"v{FORMAT}"
        self.checked = checked

    def pinned(self, checked: Sequence[CheckedPart]) -> AuditTable:
        """This copy, limited to ``checked`` (in order, records 0 on without gaps)."""
        return AuditTable(self.folder.parent, tuple(checked))

    @property
    def source(self) -> str:
        """The parts as a DuckDB table function (at least one part must exist); a pinned
        table's parts are confirmed unchanged first."""
        self.confirm()
        files = ", ".join(quoted(path) for _, _, path in self.parts())
        return f"read_parquet([{files}])"

    def parts(self) -> list[tuple[int, int, Path]]:
        """The parts, in order: the pinned ones, or those the folder holds now."""
        if self.checked is not None:
            return [(p.first, p.last, p.path) for p in self.checked]
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

    def confirm(self) -> None:
        """Raise :class:`AuditInvalid` if a pinned part is gone or is no longer the file
        that was checked (a rebuild or refresh ran meanwhile): the report must be made
        again, from a new check, never from fewer or unchecked records."""
        for part in self.checked or ():
            if Identity.now(part.path) != part.identity:
                raise AuditInvalid(
                    f"the report copy's part {part.path.name} changed after it was checked "
                    "(a refresh or rebuild ran meanwhile); make the report again"
                )

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Confirm the pinned parts before and after the block reads them; a DuckDB error
        met while a part changed is reported as that change."""
        self.confirm()
        try:
            yield
        except duckdb.Error:
            self.confirm()
            raise
        self.confirm()

    @property
    def lock_path(self) -> Path:
        return self.folder / ".refresh.lock"

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the copy's lock: one refresh, check or rebuild at a time, across threads
        and processes (two refreshes that both saw the same size would each write the
        same records)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with self.lock_path.open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def refresh(self, log: AuditLog) -> int:
        """Add the records signed since the last refresh; return how many were added."""
        latest = log.latest_checkpoint()
        if latest is None or latest.size <= self.size():
            return 0
        with self.locked():
            return self.catch_up(log, latest.size)

    def catch_up(self, log: AuditLog, signed: int) -> int:
        """Copy the records up to ``signed`` (a signed checkpoint's size), with the lock
        held; records after it wait for the next checkpoint."""
        first = self.size()
        if signed <= first:
            return 0
        return self._append(log, first, signed)

    def discard(self) -> None:
        """Remove every part and what records them, with the lock held: the next refresh
        copies the log again from its first record."""
        for path in self.folder.iterdir():
            if path != self.lock_path and path.is_file():
                path.unlink()

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
            if count < total - first:
                raise AuditInvalid(_missing(log.state, staged, first, total))
            name = part_name(first, first + count - 1)
            partial = Path(tmp) / name
            write_parquet(from_leaves(staged), partial)
            os.replace(partial, self.folder / name)
        return count


def _missing(state: str, staged: Path, first: int, total: int) -> str:
    """Why the log gave fewer records than its signed checkpoint holds: the first missing."""
    leaves = f"read_json({quoted(staged)}, format='newline_delimited', columns={{'seq': 'BIGINT'}})"
    with duckdb.connect() as con:
        row = con.execute(
            "SELECT count(*), min(n) FILTER (WHERE seq <> n) FROM "
            f"(SELECT seq, ? + row_number() OVER (ORDER BY seq) - 1 AS n FROM {leaves})",
            [first],
        ).fetchone()
    held, gap = row if row else (0, None)
    seq = first + int(held) if gap is None else int(gap)
    return (
        f"the {state} audit log is missing record {seq} of its latest signed checkpoint "
        f"(size {total:,}); check it with `statelink audit verify --state {state}`"
    )
