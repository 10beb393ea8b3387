"""The audit log on SQLite and on PostgreSQL: same records, same tree, same proofs."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from statelink.audit import AuditLog, NodeKeys, verifier
from statelink.audit.appender import LogAppender
from statelink.audit.log import tree_node
from statelink.errors import AuditUnavailable, StoreError
from statelink.store import engine_for
from tests.audit.conftest import entry


def _appender(where: Path | str, keys: Path) -> LogAppender:
    return LogAppender(
        AuditLog.open("WA", where),
        NodeKeys.load("WA", keys),
        checkpoint_every=4,
        checkpoint_seconds=3600,
    )


def test_a_log_appends_reopens_and_verifies(node_db: Path | str, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    first = _appender(node_db, keys)
    receipts = first.append([entry(n, oln=f"WDL{n:09d}") for n in range(6)])
    assert [seq for seq, _ in receipts] == list(range(6))
    first.close()

    second = _appender(node_db, keys)
    assert second.size == 6
    assert [seq for seq, _ in second.append([entry(6)])] == [6]
    second.close()

    log = AuditLog.open("WA", node_db)
    key = verifier.VerifierKey.parse(NodeKeys.load("WA", keys).signer.verifier_key())
    try:
        report = verifier.verify_log(
            log.leaves(), [verifier.open_checkpoint(c.note, key) for c in log.checkpoints()]
        )
        assert report.size == 7
        assert report.unsigned_tail == 0  # close signs a last checkpoint
        assert log.leaf_hash(3).hex() == receipts[3][1]
    finally:
        log.close()


def test_a_second_writer_is_refused(node_db: Path | str, tmp_path: Path) -> None:
    first = _appender(node_db, tmp_path / "keys")
    try:
        with pytest.raises(AuditUnavailable, match="in use by another"):
            _appender(node_db, tmp_path / "keys")
    finally:
        first.close()
    _appender(node_db, tmp_path / "keys").close()  # free again once the first is closed


def test_a_failed_batch_is_a_store_error_and_the_log_goes_on(
    node_db: Path | str, tmp_path: Path
) -> None:
    """The writer's kept connection rolls back a failed batch, on either database, and
    the next batch is written on a fresh one."""
    log = _appender(node_db, tmp_path / "keys")
    try:
        log.append([entry(0)])
        engine = engine_for(node_db)
        with engine.begin() as conn:  # someone else takes the next sequence number
            conn.execute(tree_node.insert(), [{"level": 0, "idx": 1, "hash": b"\0" * 32}])
        with pytest.raises(StoreError, match="WA audit log could not be written"):
            log.append([entry(1), entry(2)])
        assert log.size == 1
        with engine.begin() as conn:
            conn.execute(tree_node.delete().where(tree_node.c.idx == 1, tree_node.c.level == 0))
        engine.dispose()
        assert [seq for seq, _ in log.append([entry(3)])] == [1]
    finally:
        log.close()
    reopened = AuditLog.open("WA", node_db)
    key = verifier.VerifierKey.parse(NodeKeys.load("WA", tmp_path / "keys").signer.verifier_key())
    try:
        report = verifier.verify_log(
            reopened.leaves(),
            [verifier.open_checkpoint(c.note, key) for c in reopened.checkpoints()],
        )
        assert report.size == 2
    finally:
        reopened.close()


def test_proofs_read_from_the_stored_tree_verify(node_db: Path | str, tmp_path: Path) -> None:
    """Inclusion and consistency proofs built from the stored nodes (read on the driver)
    check out with the independent verifier against the signed checkpoints."""
    keys = tmp_path / "keys"
    appender = _appender(node_db, keys)
    for batch in (range(4), range(4, 8), range(8, 11)):  # a checkpoint after each
        appender.append([entry(n, oln=f"WDL{n:09d}") for n in batch])
    appender.close()
    log = AuditLog.open("WA", node_db)
    key = verifier.VerifierKey.parse(NodeKeys.load("WA", keys).signer.verifier_key())
    try:
        signed = [verifier.open_checkpoint(c.note, key) for c in log.checkpoints()]
        assert [c.size for c in signed] == [4, 8, 11]
        reader = log.reader()
        for checkpoint in signed:
            for seq in range(checkpoint.size):
                path = reader.inclusion(seq, checkpoint.size)
                verifier.verify_inclusion(
                    log.leaf_hash(seq), seq, checkpoint.size, path, checkpoint.root
                )
        for first, second in [
            (signed[0], signed[1]),
            (signed[0], signed[2]),
            (signed[1], signed[2]),
        ]:
            path = reader.consistency(first.size, second.size)
            verifier.verify_consistency(first.size, second.size, first.root, second.root, path)
    finally:
        log.close()


def test_a_tree_that_cannot_be_read_is_a_store_error(node_db: Path | str, tmp_path: Path) -> None:
    appender = _appender(node_db, tmp_path / "keys")
    appender.append([entry(0)])
    appender.close()
    log = AuditLog.open("WA", node_db)
    engine = engine_for(node_db)
    try:
        assert len(log.leaf_hash(0)) == 32
        with engine.begin() as conn:
            conn.execute(sa.text("ALTER TABLE tree_node RENAME TO tree_node_away"))
        with pytest.raises(StoreError, match="WA audit log could not be read"):
            log.leaf_hash(0)
        with engine.begin() as conn:
            conn.execute(sa.text("ALTER TABLE tree_node_away RENAME TO tree_node"))
        assert len(log.leaf_hash(0)) == 32  # a new lookup connection, the same tree
        with pytest.raises(StoreError, match="has no tree node"):
            log.leaf_hash(1)
    finally:
        engine.dispose()
        log.close()
