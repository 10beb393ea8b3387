"""A report's copy is checked against the signed audit log: a tampered copy is refused,
naming the first record that differs, and a rebuilt copy is accepted again."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from statelink.audit.appender import LogAppender
from statelink.audit.keys import NodeKeys
from statelink.audit.log import AuditLog
from statelink.audit.record import AuditRecord, Entry
from statelink.errors import AuditInvalid
from statelink.nation import Layout
from statelink.reports import reconciliation, report
from statelink.reports.anchor import Anchored, anchor, read_checked, statement
from statelink.reports.model import ImmigrationCount
from statelink.reports.report import build
from statelink.reports.seal import SEALS_FILE
from statelink.reports.table import AuditTable, quoted
from tests.audit.synthetic import grow


def _unwitnessed(size: int) -> tuple[str, ...]:
    return ()


@dataclass
class Copy:
    """A private Parquet copy of the year's WA log, in two parts."""

    table: AuditTable
    log: AuditLog
    keys: NodeKeys

    def anchored(self) -> Anchored:
        return anchor(self.table, self.log, self.keys, _unwitnessed)

    def parts(self) -> list[Path]:
        return [path for _, _, path in self.table.parts()]


@pytest.fixture
def copy(year: Layout, tmp_path: Path) -> Iterator[Copy]:
    log = AuditLog.open("WA", year.audit_store("WA"))
    keys = NodeKeys.load("WA", year.keys("WA"), create=False)
    table = AuditTable(tmp_path / "analytics")
    signed = log.latest_checkpoint()
    assert signed is not None
    assert signed.size == log.size() > 100
    with table.locked():
        table.catch_up(log, signed.size // 2)  # a first part, not yet checked
    try:
        yield Copy(table, log, keys)
    finally:
        log.close()


def _rewrite(path: Path, select: str) -> None:
    """Rewrite a Parquet part with DuckDB: ``select`` reads ``part``."""
    staged = path.with_name("edited.parquet")
    with duckdb.connect() as con:
        con.execute(
            f"COPY (SELECT * FROM ({select.format(part=f'read_parquet({quoted(path)})')}) "
            f"ORDER BY seq) TO {quoted(staged)} (FORMAT parquet)"
        )
    os.replace(staged, path)


def _middle(path: Path) -> int:
    with duckdb.connect() as con:
        found = con.execute(f"SELECT median(seq)::BIGINT FROM read_parquet({quoted(path)})")
        row = found.fetchone()
    assert row is not None
    return int(row[0])


def test_a_fresh_copy_covers_the_latest_signed_checkpoint(copy: Copy) -> None:
    anchored = copy.anchored()
    signed = copy.log.latest_checkpoint()
    assert signed is not None
    assert anchored.anchor is not None
    assert (anchored.anchor.size, anchored.anchor.root) == (signed.size, signed.root)
    assert anchored.anchor.origin == "statelink.example/audit/WA"
    assert anchored.anchor.witnessed_by == ()
    assert anchored.table.size() == signed.size
    assert len(copy.parts()) == 2
    seals = json.loads((copy.table.folder / SEALS_FILE).read_text(encoding="utf-8"))["seals"]
    assert [s["part"] for s in seals] == [p.name for p in copy.parts()]
    assert {s["size"] for s in seals} == {signed.size}
    made = build("WA", anchored.table, anchor=anchored.anchor.as_json())
    assert made["anchor"] == {
        "origin": "statelink.example/audit/WA",
        "size": signed.size,
        "root": signed.root.hex(),
        "witnessed_by": [],
    }
    text = statement(made["anchor"], "WA")
    assert f"up to record {signed.size - 1:,}" in text
    assert signed.root.hex()[:16] in text
    assert "not witnessed" in text
    again = copy.anchored()  # sealed: checked by the files' hashes alone
    assert again.anchor == anchored.anchor


def _edit_component(copy: Copy, part: int = 1) -> int:
    path = copy.parts()[part]
    seq = _middle(path)
    _rewrite(
        path,
        f"SELECT * REPLACE (CASE WHEN seq = {seq} THEN 'EDITED' ELSE component END "
        f"AS component) FROM {{part}}",
    )
    return seq


def _delete_row(copy: Copy) -> int:
    path = copy.parts()[1]
    seq = _middle(path)
    _rewrite(path, f"SELECT * FROM {{part}} WHERE seq <> {seq}")
    return seq


def _swap_parts(copy: Copy) -> int:
    first, second = copy.parts()
    staged = first.with_name("swap.parquet")
    first.rename(staged)
    second.rename(first)
    staged.rename(second)
    return 0


def _edit_row_and_its_seal(copy: Copy) -> int:
    """Without the node's key, a seal cannot be made to match an edited part."""
    seq = _edit_component(copy)
    path = copy.parts()[1]
    seals_path = copy.table.folder / SEALS_FILE
    seals = json.loads(seals_path.read_text(encoding="utf-8"))
    for seal in seals["seals"]:
        if seal["part"] == path.name:
            seal["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    seals_path.write_text(json.dumps(seals), encoding="utf-8")
    return seq


@pytest.mark.parametrize(
    "tamper",
    [_edit_component, _delete_row, _swap_parts, _edit_row_and_its_seal],
    ids=["edit-a-row", "delete-a-row", "swap-parts", "edit-a-row-and-its-seal"],
)
def test_a_tampered_copy_is_refused_naming_the_first_bad_record(
    copy: Copy, tamper: Callable[[Copy], int]
) -> None:
    copy.anchored()
    seq = tamper(copy)
    with pytest.raises(AuditInvalid) as refused:
        copy.anchored()
    message = refused.value.message
    assert f"does not match the audit log at record {seq} " in message
    assert "statelink report --state WA --rebuild" in message
    with pytest.raises(AuditInvalid):
        copy.anchored()  # still refused: nothing was sealed meanwhile
    with copy.table.locked():
        copy.table.discard()
    rebuilt = copy.anchored()
    assert rebuilt.anchor is not None
    assert rebuilt.table.size() == copy.log.size()


def test_a_copy_never_checked_is_checked_before_use(copy: Copy) -> None:
    seq = _edit_component(copy, 0)  # the first part, before any check
    assert 0 < seq < copy.table.size()
    with pytest.raises(AuditInvalid, match=f"at record {seq} "):
        copy.anchored()


def test_a_garbled_seals_file_only_costs_a_full_check(copy: Copy) -> None:
    first = copy.anchored()
    seals = copy.table.folder / SEALS_FILE
    seals.write_text('{"seals": [{"part": "x"}, 3]}', encoding="utf-8")
    again = copy.anchored()
    assert again.anchor == first.anchor
    assert len(json.loads(seals.read_text(encoding="utf-8"))["seals"]) == 2


def test_the_copy_stops_at_the_latest_checkpoint(year: Layout, tmp_path: Path) -> None:
    """Records not yet signed are left for the next checkpoint; the seals carry over."""
    own = tmp_path / "audit.sqlite"
    shutil.copyfile(year.audit("WA"), own)
    keys = NodeKeys.load("WA", year.keys("WA"), create=False)
    log = AuditLog.open("WA", own)
    table = AuditTable(tmp_path / "analytics")
    sample = AuditRecord.from_json(json.loads(log.leaf_range(0, 1)[0]))
    appender = LogAppender(log, keys, checkpoint_every=10**9, checkpoint_seconds=1e9)
    try:
        signed = anchor(table, log, keys, _unwitnessed)
        assert signed.anchor is not None
        appender.append([Entry(sample, "DQ:OLN=SAMPLE1", "")] * 5)
        assert log.size() == signed.anchor.size + 5
        unsigned = anchor(table, log, keys, _unwitnessed)
        assert unsigned.anchor == signed.anchor
        assert table.size() == signed.anchor.size
        appender.checkpoint_if_due(force=True)
        grown = anchor(table, log, keys, _unwitnessed)
        assert grown.anchor is not None
        assert grown.anchor.size == log.size()
        assert table.size() == log.size()
        assert len(table.parts()) == 2
    finally:
        appender.close()


def test_a_copy_beyond_the_signed_log_is_refused(copy: Copy) -> None:
    copy.anchored()
    size = copy.table.size()
    beyond = copy.table.folder / f"part-{size:012d}-{size + 2:012d}.parquet"
    shutil.copyfile(copy.parts()[1], beyond)
    _rewrite(beyond, "SELECT * FROM {part} LIMIT 3")
    with pytest.raises(
        AuditInvalid,
        match=f"beyond the audit log's latest signed checkpoint \\(from record {size}\\)",
    ):
        copy.anchored()


def _change_leaf(db: sqlite3.Connection, seq: int) -> None:
    db.execute("UPDATE audit_record SET leaf = leaf || x'20' WHERE seq = ?", (seq,))


def _change_leaf_and_its_hash(db: sqlite3.Connection, seq: int) -> None:
    """The leaf and its leaf hash agree again; the subtree above it does not."""
    (leaf,) = db.execute("SELECT leaf FROM audit_record WHERE seq = ?", (seq,)).fetchone()
    changed = bytes(leaf) + b" "
    db.execute("UPDATE audit_record SET leaf = ? WHERE seq = ?", (changed, seq))
    hashed = hashlib.sha256(b"\x00" + changed).digest()
    db.execute("UPDATE tree_node SET hash = ? WHERE level = 0 AND idx = ?", (hashed, seq))


@pytest.mark.parametrize(
    ("tamper", "why"),
    [
        (_change_leaf, "its leaf does not hash to the stored leaf hash"),
        (_change_leaf_and_its_hash, "its subtree at level 1 is not as stored"),
    ],
    ids=["leaf", "leaf-and-leaf-hash"],
)
@pytest.mark.parametrize("chunk_level", [16, 2], ids=["chunks-of-65536", "chunks-of-4"])
def test_a_log_that_does_not_match_its_tree_is_refused(
    year: Layout,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tamper: Callable[[sqlite3.Connection, int], None],
    why: str,
    chunk_level: int,
) -> None:
    monkeypatch.setattr(reconciliation, "CHUNK_LEVEL", chunk_level)
    monkeypatch.setattr(reconciliation, "CHUNK", 1 << chunk_level)
    own = tmp_path / "audit.sqlite"
    shutil.copyfile(year.audit("WA"), own)
    keys = NodeKeys.load("WA", year.keys("WA"), create=False)
    log = AuditLog.open("WA", own)
    try:
        table = AuditTable(tmp_path / "analytics")
        assert (
            anchor(table, log, keys, _unwitnessed).anchor is not None
        )  # every level checked, untouched
        with table.locked():
            table.discard()
        seq = log.size() // 3 * 2  # even: the left leaf of its level-1 subtree
        with sqlite3.connect(own) as db:
            tamper(db, seq)
        with pytest.raises(AuditInvalid) as refused:
            anchor(table, log, keys, _unwitnessed)
    finally:
        log.close()
    assert f"the WA audit log does not match its own tree at record {seq} ({why})" in (
        refused.value.message
    )


@pytest.mark.parametrize(
    ("deleted", "missing"),
    [("seq >= 900", 900), ("seq = 500", 500), ("true", 0)],
    ids=["its-last-records", "a-middle-record", "every-record"],
)
def test_a_log_missing_records_gives_no_copy_shorter_than_its_checkpoint(
    tmp_path: Path, deleted: str, missing: int
) -> None:
    """The stored tree still gives the signed root, but ``audit_record`` lacks records:
    the copy is not cut short to match, and nothing is anchored."""
    db = tmp_path / "audit.sqlite"
    keys = grow(db, tmp_path / "keys", [100, 1000])
    with closing(sqlite3.connect(db)) as c, c:
        c.execute(f"DELETE FROM audit_record WHERE {deleted}")
    log = AuditLog.open("WA", db)
    table = AuditTable(tmp_path / "analytics")
    try:
        with pytest.raises(AuditInvalid) as refused:
            anchor(table, log, keys, _unwitnessed)
    finally:
        log.close()
    assert (
        f"the WA audit log is missing record {missing} of its latest signed checkpoint (size 1,000)"
    ) in refused.value.message
    assert table.parts() == []


def test_a_copy_that_stops_short_of_the_checkpoint_is_refused(
    copy: Copy, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = copy.table.size()  # the fixture's copy holds half the signed log
    monkeypatch.setattr(AuditTable, "catch_up", lambda self, log, signed: 0)
    with pytest.raises(AuditInvalid, match=f"record {held} is missing"):
        copy.anchored()


def _rebuild(copy: Copy) -> None:
    """What `statelink report --rebuild` and the next report do to the copy."""
    with copy.table.locked():
        copy.table.discard()
    copy.anchored()


def test_a_rebuild_between_the_check_and_the_read_fails_the_read(copy: Copy) -> None:
    checked = copy.anchored()
    with copy.table.locked():
        copy.table.discard()
    with pytest.raises(AuditInvalid, match="changed after it was checked"):
        build("WA", checked.table)  # not an empty report that claims the checkpoint
    copy.anchored()  # rebuilt: one part, named otherwise
    assert len(copy.parts()) == 1
    with pytest.raises(AuditInvalid, match="changed after it was checked"):
        build("WA", checked.table)


def _replace_with_same_bytes(copy: Copy) -> None:
    """A part swapped for another file (here with the same bytes): not the file checked."""
    path = copy.parts()[0]
    staged = path.with_name("swapped.parquet")
    shutil.copyfile(path, staged)
    os.replace(staged, path)


@pytest.mark.parametrize(
    "meanwhile", [_rebuild, _replace_with_same_bytes], ids=["rebuild", "swapped-part"]
)
def test_a_copy_that_changes_while_a_report_reads_it_fails_the_report(
    copy: Copy, monkeypatch: pytest.MonkeyPatch, meanwhile: Callable[[Copy], None]
) -> None:
    checked = copy.anchored()
    reading = report._immigration

    def changed_midway(con: duckdb.DuckDBPyConnection) -> list[ImmigrationCount]:
        meanwhile(copy)
        return reading(con)

    monkeypatch.setattr(report, "_immigration", changed_midway)
    with pytest.raises(AuditInvalid, match="changed after it was checked"):
        build("WA", checked.table)


def test_a_report_whose_copy_is_rebuilt_before_it_reads_is_checked_again(copy: Copy) -> None:
    expected = build("WA", copy.anchored().table)
    checks: list[Anchored] = []

    def check() -> Anchored:
        checks.append(copy.anchored())
        if len(checks) == 1:
            with copy.table.locked():
                copy.table.discard()  # a rebuild right after the first check
        return checks[-1]

    assert read_checked(check, lambda c: build("WA", c.table)) == expected
    assert len(checks) == 2
    assert checks[1].table.size() == copy.log.size()
