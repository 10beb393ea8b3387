"""Appending batches to one state's audit log, durably, with checkpoints on schedule.

This is the synchronous core that the audit service runs for each state: a batch of
records gets consecutive sequence numbers, its leaves and new tree nodes are inserted
and committed (``synchronous=FULL``: on disk when ``append`` returns). A signed
checkpoint is made every ``checkpoint_every`` records or ``checkpoint_seconds`` seconds,
whichever comes first, and on close. If a batch fails, nothing of it stays, and the next
batch continues from the last committed record. One appender at a time may hold a log
(an exclusive lock on ``audit.sqlite.lock``); a second one is refused.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import structlog

from statelink.audit.keys import NodeKeys
from statelink.audit.log import AuditLog, CheckpointRow, now
from statelink.audit.merkle import leaf_hash
from statelink.audit.record import AuditRecord, Entry
from statelink.errors import AuditUnavailable

log = structlog.get_logger(__name__)

CHECKPOINT_EVERY = 1000
CHECKPOINT_SECONDS = 10.0
LOCK_WAIT_SECONDS = 3.0
"""How long a new writer tries the log's writer lock: a writer killed a moment before
(its process, its database session) lets go of it within that time."""


@dataclass
class _Schedule:
    every: int
    seconds: float
    size: int  # tree size at the last checkpoint
    at: float  # monotonic time of the last checkpoint


class LogAppender:
    def __init__(
        self,
        audit_log: AuditLog,
        keys: NodeKeys,
        *,
        checkpoint_every: int = CHECKPOINT_EVERY,
        checkpoint_seconds: float = CHECKPOINT_SECONDS,
    ) -> None:
        self._lock = _writer_lock(audit_log)
        self.log = audit_log
        self.keys = keys
        self._compact = audit_log.compact()
        latest = audit_log.latest_checkpoint()
        self._schedule = _Schedule(
            checkpoint_every, checkpoint_seconds, latest.size if latest else 0, time.monotonic()
        )

    @property
    def size(self) -> int:
        return self._compact.size

    def append(self, batch: Sequence[Entry]) -> list[tuple[int, str]]:
        """Log records whose personal values are replaced here by keyed hashes; return
        each record's (seq, leaf hash)."""
        before = (self._compact.copy(), self._schedule.size, self._schedule.at)
        rows: list[tuple[object, ...]] = []
        nodes: list[tuple[int, int, bytes]] = []
        receipts: list[tuple[int, str]] = []
        try:
            for entry in batch:
                record = self._hashed(entry, self._compact.size)
                leaf = record.canonical()
                hashed = leaf_hash(leaf)
                nodes.extend(self._compact.append(hashed))
                rows.append(_row(record, leaf))
                receipts.append((record.seq, hashed.hex()))
            self.log.write(rows, nodes, self._due(force=False))
        except Exception:
            self._compact, self._schedule.size, self._schedule.at = before
            raise
        return receipts

    def _hashed(self, entry: Entry, seq: int) -> AuditRecord:
        """The record as logged: its seq, and keyed hashes in place of personal values."""
        hashed_by = self.keys.hash
        operator = entry.operator
        return entry.record.logged(
            seq,
            hashed_by(entry.search),
            hashed_by(f"operator:{operator}") if operator else "",
            tuple(hashed_by(s) for s in dict.fromkeys(entry.subjects)),
        )

    def seconds_to_checkpoint(self) -> float | None:
        """How long until records not yet signed are due for a checkpoint, if any."""
        if self._compact.size == self._schedule.size:
            return None
        return max(0.0, self._schedule.at + self._schedule.seconds - time.monotonic())

    def checkpoint_if_due(self, *, force: bool = False) -> CheckpointRow | None:
        before = (self._schedule.size, self._schedule.at)
        signed = self._due(force=force)
        if signed is not None:
            try:
                self.log.write([], [], signed)
            except Exception:
                self._schedule.size, self._schedule.at = before  # due again next time
                raise
            log.info("audit_checkpoint", state=self.log.state, size=signed.size)
        return signed

    def close(self) -> None:
        """Sign the records no checkpoint covers yet, then close the log."""
        try:
            self.checkpoint_if_due(force=True)
        finally:
            self.log.close()
            self._lock.close()

    def _due(self, *, force: bool) -> CheckpointRow | None:
        """A signed checkpoint of the current tree, if one is due (the schedule moves on)."""
        schedule = self._schedule
        grown = self._compact.size - schedule.size
        if grown <= 0:
            return None
        elapsed = time.monotonic() - schedule.at
        if not (force or grown >= schedule.every or elapsed >= schedule.seconds):
            return None
        root = self._compact.root()
        signed = CheckpointRow(
            self._compact.size, root, now(), self.keys.signer.checkpoint(self._compact.size, root)
        )
        schedule.size, schedule.at = self._compact.size, time.monotonic()
        return signed


class Closable(Protocol):
    def close(self) -> None: ...


def _writer_lock(audit_log: AuditLog, wait: float = LOCK_WAIT_SECONDS) -> Closable:
    """Hold the log's writer lock: two writers would give two records the same number.

    A writer that was just killed may hold it for a moment more (its database session
    or its audit process ends a little after it), so the lock is tried for ``wait``
    seconds before the log is declared in use by another process."""
    deadline = time.monotonic() + wait
    while True:
        held = _try_writer_lock(audit_log)
        if held is not None:
            return held
        if time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    if not isinstance(audit_log.where, Path):
        raise AuditUnavailable(
            f"the {audit_log.state} audit log is in use by another statelink process"
        )
    raise AuditUnavailable(
        f"the {audit_log.state} audit log is in use by another statelink process; "
        "send messages through it (--hub URL) instead of starting a second one"
    )


def _try_writer_lock(audit_log: AuditLog) -> Closable | None:
    if not isinstance(audit_log.where, Path):
        return audit_log.advisory_lock()
    path = audit_log.where
    lock = open(path.with_name(path.name + ".lock"), "ab")  # noqa: SIM115
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        return None
    return lock


def _row(record: AuditRecord, leaf: bytes) -> tuple[object, ...]:
    """The record's row: its sequence number and its leaf."""
    return (record.seq, leaf)
