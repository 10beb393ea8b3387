"""Audit logs of any size, built fast: synthetic leaves, their tree, signed checkpoints.

Records and tree nodes are written straight to the log (as the appender writes them),
without the audit service, so a log of 70,000 records takes a second or two.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from statelink.audit import AuditLog, NodeKeys
from statelink.audit.log import CheckpointRow, now
from statelink.audit.merkle import CompactRange, leaf_hash
from statelink.store import Where

BATCH = 20_000


def synthetic_leaf(seq: int) -> bytes:
    """A leaf shaped like a record's canonical JSON (it carries its own seq)."""
    record = {"seq": seq, "mke": "DQ", "decision": "permit", "status": "HIT", "v": 1}
    return json.dumps(record, sort_keys=True, separators=(",", ":")).encode()


def grow(
    where: Where,
    keys: Path,
    checkpoints: Sequence[int],
    *,
    leaves: Sequence[bytes] | None = None,
    state: str = "WA",
) -> NodeKeys:
    """Append records to the log until each size in ``checkpoints``, signing a checkpoint
    at each; ``leaves`` if given, else synthetic ones."""
    log = AuditLog.open(state, where)
    signer = NodeKeys.load(state, keys)
    compact = CompactRange.at(log.size(), log.perfect)
    try:
        for size in checkpoints:
            rows: list[tuple[object, ...]] = []
            nodes: list[tuple[int, int, bytes]] = []
            while compact.size < size:
                seq = compact.size
                leaf = leaves[seq] if leaves is not None else synthetic_leaf(seq)
                nodes.extend(compact.append(leaf_hash(leaf)))
                rows.append((seq, leaf))
                if len(rows) >= BATCH:
                    log.write(rows, nodes, None)
                    rows, nodes = [], []
            root = compact.root()
            row = CheckpointRow(size, root, now(), signer.signer.checkpoint(size, root))
            log.write(rows, nodes, row)
    finally:
        log.close()
    return signer


def tamper(path: Path, seq: int) -> None:
    """Change one record's leaf in a SQLite log, as someone with the file could."""
    with sqlite3.connect(path) as db:
        changed = db.execute(
            "UPDATE audit_record SET leaf = ? WHERE seq = ?", (synthetic_leaf(seq + 1), seq)
        ).rowcount
    assert changed == 1
