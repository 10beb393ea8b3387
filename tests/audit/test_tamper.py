"""Tampering with a stored log makes verification fail and name the first bad index."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from statelink.audit import AuditLog, NodeKeys, verifier
from statelink.audit.merkle import leaf_hash
from tests.audit.conftest import appender, entry

SIZE = 40


def _build(folder: Path) -> None:
    log = appender(folder, checkpoint_every=10, checkpoint_seconds=3600)
    for n in range(SIZE):
        log.append([entry(n, oln=f"WDL{n:09d}")])
    log.close()


def _verify(folder: Path) -> verifier.LogReport:
    log = AuditLog.open("WA", folder / "audit.sqlite")
    key = verifier.VerifierKey.parse(NodeKeys.load("WA", folder / "keys").signer.verifier_key())
    try:
        report = verifier.verify_log(
            log.leaves(), [verifier.open_checkpoint(c.note, key) for c in log.checkpoints()]
        )
        verifier.verify_nodes(report.size, log.level)
        return report
    finally:
        log.close()


def _sql(folder: Path, *statements: str) -> None:
    with sa.create_engine(f"sqlite:///{folder / 'audit.sqlite'}").begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)


def _edit_and_rehash(folder: Path, seq: int) -> None:
    """A careful forger: change a record and store the matching leaf hash too."""
    engine = sa.create_engine(f"sqlite:///{folder / 'audit.sqlite'}")
    with engine.begin() as conn:
        leaf = conn.exec_driver_sql(f"SELECT leaf FROM audit_record WHERE seq = {seq}").scalar()
        assert isinstance(leaf, bytes)
        forged = leaf.replace(b"permit", b"deny  ")
        conn.exec_driver_sql("UPDATE audit_record SET leaf = ? WHERE seq = ?", (forged, seq))
        conn.exec_driver_sql(
            "UPDATE tree_node SET hash = ? WHERE level = 0 AND idx = ?", (leaf_hash(forged), seq)
        )
    engine.dispose()


def test_an_untouched_log_verifies(folder: Path) -> None:
    _build(folder)
    report = _verify(folder)
    assert (report.size, report.checkpoints, report.unsigned_tail) == (SIZE, 4, 0)


TAMPERING: list[tuple[str, Callable[[Path], None], int]] = [
    (
        "edit one record",
        lambda f: _sql(
            f, "UPDATE audit_record SET leaf = replace(leaf, 'permit', 'deny  ') WHERE seq = 17"
        ),
        17,
    ),
    (
        "edit a record and rehash it consistently",
        lambda f: _edit_and_rehash(f, 17),
        10,
    ),  # only the signed checkpoint of size 20 catches it: its range starts at 10
    ("delete one record", lambda f: _sql(f, "DELETE FROM audit_record WHERE seq = 23"), 23),
    (
        "swap two records",
        lambda f: _sql(
            f,
            "UPDATE audit_record SET seq = -1 WHERE seq = 5",
            "UPDATE audit_record SET seq = 5 WHERE seq = 31",
            "UPDATE audit_record SET seq = 31 WHERE seq = -1",
        ),
        5,
    ),
    (
        "drop the last signed records",
        lambda f: _sql(f, "DELETE FROM audit_record WHERE seq >= 35"),
        35,
    ),
    (
        "change a stored subtree hash (records 12 to 15)",
        lambda f: _sql(f, "UPDATE tree_node SET hash = zeroblob(32) WHERE level = 2 AND idx = 3"),
        12,
    ),
    (
        "delete a stored subtree (records 8 to 15)",
        lambda f: _sql(f, "DELETE FROM tree_node WHERE level = 3 AND idx = 1"),
        8,
    ),
    (
        "store a subtree the log does not have (records 32 to 47)",
        lambda f: _sql(f, "INSERT INTO tree_node VALUES (4, 2, zeroblob(32))"),
        32,
    ),
]


@pytest.mark.parametrize(("case", "tamper", "first_bad"), TAMPERING, ids=[t[0] for t in TAMPERING])
def test_tampering_is_found_at_the_first_bad_index(
    folder: Path, case: str, tamper: Callable[[Path], None], first_bad: int
) -> None:
    _build(folder)
    tamper(folder)
    with pytest.raises(verifier.VerificationError) as caught:
        _verify(folder)
    assert caught.value.index == first_bad, str(caught.value)


def test_a_forged_checkpoint_is_refused(folder: Path) -> None:
    _build(folder)
    _sql(
        folder,
        "UPDATE checkpoint SET note = replace(note, char(10) || '20' || char(10), "
        "char(10) || '21' || char(10)) WHERE size = 20",
    )
    with pytest.raises(verifier.VerificationError, match="signature"):
        _verify(folder)
