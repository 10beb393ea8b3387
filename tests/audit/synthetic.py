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
from tests.audit.vectors import LEAVES

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


def grow_vectors(where: Where, keys: Path, checkpoints: Sequence[int]) -> list[bytes]:
    """The RFC 6962/9162 8-leaf vector tree as a log, signed at each size in
    ``checkpoints``. The log keeps JSON records only (its index reads the leaf), and the
    vector leaves are not JSON: the tree (its leaf hashes, tiles, roots and proofs) is the
    vectors', each record a JSON stand-in. Returns the stand-ins."""
    stand_ins = [b'{"vector":%d}' % seq for seq in range(len(LEAVES))]
    log = AuditLog.open("WA", where)
    signer = NodeKeys.load("WA", keys)
    compact = CompactRange.at(log.size(), log.perfect)
    try:
        for size in checkpoints:
            rows: list[tuple[object, ...]] = []
            nodes: list[tuple[int, int, bytes]] = []
            while compact.size < size:
                seq = compact.size
                nodes.extend(compact.append(leaf_hash(LEAVES[seq])))
                rows.append((seq, stand_ins[seq]))
            root = compact.root()
            log.write(
                rows, nodes, CheckpointRow(size, root, now(), signer.signer.checkpoint(size, root))
            )
    finally:
        log.close()
    return stand_ins
