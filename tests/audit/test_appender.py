"""Appending: consecutive sequence numbers, durable batches, checkpoints on schedule."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from statelink.audit import AuditLog, NodeKeys, verifier
from statelink.audit.merkle import leaf_hash
from statelink.errors import StoreError
from tests.audit.conftest import appender, entry


def test_records_get_consecutive_numbers_and_their_leaf_is_canonical(folder: Path) -> None:
    log = appender(folder)
    receipts = log.append([entry(n) for n in range(5)])
    assert [seq for seq, _ in receipts] == [0, 1, 2, 3, 4]
    record = log.log.record(3)
    assert record.seq == 3
    as_json = record.to_json()
    leaf = json.dumps(as_json, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert record.canonical() == leaf
    assert leaf_hash(leaf).hex() == receipts[3][1] == log.log.leaf_hash(3).hex()
    log.close()


def test_no_personal_value_is_written_in_clear(folder: Path) -> None:
    log = appender(folder)
    log.append([entry(0, oln="WDLSECRET1234")])
    path = log.log.where
    assert isinstance(path, Path)
    log.close()
    stored = path.read_bytes() + b"".join(p.read_bytes() for p in path.parent.glob("*-wal"))
    assert b"WDLSECRET1234" not in stored
    assert b"J SMITH" not in stored
    keys = NodeKeys.load("WA", folder / "keys")
    reopened = AuditLog.open("WA", folder / "audit.sqlite")
    record = reopened.record(0)
    assert record.records == (keys.hash("driver:WDLSECRET1234"),)
    assert record.search == keys.hash("DQ:OLN=WDLSECRET1234")
    assert record.operator == keys.hash("operator:J SMITH")
    reopened.close()


def test_keys_are_private_to_their_owner(folder: Path) -> None:
    NodeKeys.load("WA", folder / "keys")
    for key_file in (folder / "keys").iterdir():
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_checkpoints_every_n_records_and_at_close(folder: Path) -> None:
    log = appender(folder, checkpoint_every=3, checkpoint_seconds=3600)
    for n in range(7):
        log.append([entry(n)])
    assert [c.size for c in log.log.checkpoints()] == [3, 6]
    log.close()
    reopened = AuditLog.open("WA", folder / "audit.sqlite")
    assert [c.size for c in reopened.checkpoints()] == [3, 6, 7]
    reopened.close()


def test_a_time_based_checkpoint_signs_a_quiet_log(folder: Path) -> None:
    log = appender(folder, checkpoint_every=1000, checkpoint_seconds=0)
    log.append([entry(0)])
    assert log.seconds_to_checkpoint() is None  # signed with the batch: it was due
    assert [c.size for c in log.log.checkpoints()] == [1]
    log.close()


def test_a_failed_batch_leaves_nothing_and_the_log_goes_on(folder: Path) -> None:
    log = appender(folder)
    log.append([entry(0)])
    with sa.create_engine(f"sqlite:///{folder / 'audit.sqlite'}").begin() as conn:
        conn.exec_driver_sql(
            "CREATE TRIGGER no_more BEFORE INSERT ON audit_record "
            "BEGIN SELECT RAISE(ABORT, 'disk says no'); END"
        )
    with pytest.raises(StoreError, match="disk says no"):
        log.append([entry(1), entry(2)])
    assert log.size == 1
    with sa.create_engine(f"sqlite:///{folder / 'audit.sqlite'}").begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER no_more")
    assert [seq for seq, _ in log.append([entry(3)])] == [1]
    log.close()
    reopened = AuditLog.open("WA", folder / "audit.sqlite")
    key = verifier.VerifierKey.parse(NodeKeys.load("WA", folder / "keys").signer.verifier_key())
    report = verifier.verify_log(
        reopened.leaves(), [verifier.open_checkpoint(c.note, key) for c in reopened.checkpoints()]
    )
    assert report.size == 2
    reopened.close()


def test_a_reopened_log_continues_its_tree(folder: Path) -> None:
    first = appender(folder)
    first.append([entry(n) for n in range(5)])
    first.close()
    second = appender(folder)
    assert second.size == 5
    assert [seq for seq, _ in second.append([entry(5)])] == [5]
    second.close()
