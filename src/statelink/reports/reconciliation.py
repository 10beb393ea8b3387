"""One part of a report copy checked against the audit log, record by record.

For the part's records the log's leaves are read and each must hash to its stored leaf
hash; every stored perfect subtree fully inside the part must equal the hash recomputed
from those leaves, and each stored subtree that crosses the part's edges must equal the
hash of its stored children. So every leaf of the part has a path of checked hashes up
to the subtrees that make the signed root. Then the part's rows are derived again from
the same leaves by the copy's own conversion (``table.from_leaves``), and DuckDB compares
them with the Parquet rows (a join on ``seq``, every column ``IS DISTINCT FROM``, and any
``seq`` the part holds twice): the smallest ``seq`` found is the first record that
differs. Leaves are read in aligned chunks of ``2**CHUNK_LEVEL`` records and
rows compared a batch at a time, so memory does not grow with the part.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from statelink.audit.log import AuditLog
from statelink.errors import AuditInvalid
from statelink.reports.table import from_leaves, quoted, with_derived

CHUNK_LEVEL = 16
CHUNK = 1 << CHUNK_LEVEL
BATCH_CHUNKS = 8  # rows compared per DuckDB query: 8 chunks, 524,288 records


@dataclass(frozen=True)
class Part:
    first: int
    last: int
    path: Path


class Mismatch(Exception):
    """The first record where the copy and the log part ways (inside this module only)."""

    def __init__(self, seq: int | None, why: str, *, in_log: bool = False) -> None:
        super().__init__(why)
        self.seq = seq
        self.why = why
        self.in_log = in_log


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def reconcile(log: AuditLog, part: Part, signed: int) -> None:
    """Raise :class:`AuditInvalid` naming the first record of ``part`` that is not as the
    log's tree of ``signed`` leaves holds it."""
    try:
        _reconcile(log, part, signed)
    except Mismatch as e:
        raise AuditInvalid(_message(log.state, part, e)) from None


def _message(state: str, part: Part, e: Mismatch) -> str:
    at = f"at record {e.seq}" if e.seq is not None else "in its records"
    if e.in_log:
        return (
            f"the {state} audit log does not match its own tree {at} ({e.why}); "
            f"check it with `statelink audit verify --state {state}`"
        )
    return (
        f"the {state} report copy does not match the audit log {at} "
        f"({part.path.name}: {e.why}); rebuild the copy with "
        f"`statelink report --state {state} --rebuild`"
    )


def _reconcile(log: AuditLog, part: Part, signed: int) -> None:
    tops: list[bytes] = []  # the level-CHUNK_LEVEL subtrees of the part's full chunks
    top_start: int | None = None
    with _workspace(part) as (con, folder):
        for lo, hi in _batches(part.first, part.last + 1):
            staged = folder / "leaves.jsonl"
            with staged.open("wb") as out:
                for a, b in _chunks(lo, hi):
                    leaves, hashed = _leaves(log, a, b)
                    out.write(b"\n".join(leaves) + b"\n")
                    top = _chunk_tree(log, a, hashed)
                    if top is not None:
                        top_start = a >> CHUNK_LEVEL if top_start is None else top_start
                        tops.append(top)
            _compare(con, staged, part.path, lo, hi)
        _rows_outside(con, part)
    if top_start is not None:
        _levels_up(log, CHUNK_LEVEL, top_start, tops)
    _crossing(log, part, signed)


@contextmanager
def _workspace(part: Part) -> Iterator[tuple[duckdb.DuckDBPyConnection, Path]]:
    """A DuckDB connection and a scratch folder beside the copy; DuckDB's own errors on
    the part (unreadable, other columns) become a mismatch."""
    with tempfile.TemporaryDirectory(dir=part.path.parent) as tmp, duckdb.connect() as con:
        con.execute("SET enable_progress_bar = false")
        try:
            yield con, Path(tmp)
        except duckdb.Error as e:
            why = f"the part cannot be read as the copy's rows: {type(e).__name__}"
            raise Mismatch(None, why) from e


def _batches(lo: int, hi: int) -> Iterator[tuple[int, int]]:
    step = CHUNK * BATCH_CHUNKS
    start = lo
    while start < hi:
        end = min(hi, (start // step + 1) * step)
        yield start, end
        start = end


def _chunks(lo: int, hi: int) -> Iterator[tuple[int, int]]:
    """[lo, hi) cut at multiples of CHUNK (no subtree below CHUNK_LEVEL crosses a cut)."""
    start = lo
    while start < hi:
        end = min(hi, (start // CHUNK + 1) * CHUNK)
        yield start, end
        start = end


def _leaves(log: AuditLog, a: int, b: int) -> tuple[list[bytes], list[bytes]]:
    """Records ``a`` .. ``b``: their leaves and leaf hashes, each as stored."""
    leaves = log.leaf_range(a, b - a)
    if len(leaves) != b - a:
        raise Mismatch(a + len(leaves), "the log has no such record", in_log=True)
    stored = log.hashes(0, a, b - a)
    hashed = [_sha(b"\x00" + leaf) for leaf in leaves]
    if stored != hashed:
        i = _first_difference(stored, hashed)
        raise Mismatch(a + i, "its leaf does not hash to the stored leaf hash", in_log=True)
    return leaves, hashed


def _first_difference(stored: list[bytes], computed: list[bytes]) -> int:
    return next(
        (i for i, (s, c) in enumerate(zip(stored, computed, strict=False)) if s != c),
        min(len(stored), len(computed)),
    )


def _chunk_tree(log: AuditLog, a: int, hashes: list[bytes]) -> bytes | None:
    """Check the stored subtrees inside a chunk; its top subtree if the chunk is full."""
    level, _ = _levels_up(log, 0, a, hashes, stop=CHUNK_LEVEL)
    return hashes[0] if len(hashes) == 1 and level == CHUNK_LEVEL else None


def _levels_up(
    log: AuditLog, level: int, start: int, hashes: list[bytes], stop: int | None = None
) -> tuple[int, int]:
    """From subtree hashes at ``level`` (indexes ``start`` on), recompute every parent
    they hold both children of, compare with the stored ones, and go on up; ``hashes``
    ends holding the last level's. Return that level and its first index."""
    while (stop is None or level < stop) and len(hashes) > 1:
        first = (start + 1) // 2
        count = (start + len(hashes)) // 2 - first
        if count <= 0:
            break
        offset = 2 * first - start
        parents = [
            _sha(b"\x01" + hashes[offset + 2 * i] + hashes[offset + 2 * i + 1])
            for i in range(count)
        ]
        stored = log.hashes(level + 1, first, count)
        if stored != parents:
            i = _first_difference(stored, parents)
            seq = (first + i) << (level + 1)
            raise Mismatch(seq, f"its subtree at level {level + 1} is not as stored", in_log=True)
        level, start = level + 1, first
        hashes[:] = parents
    return level, start


def _crossing(log: AuditLog, part: Part, signed: int) -> None:
    """Each stored subtree of the signed tree that holds some of the part's records and
    some others must be the hash of its stored children."""
    checked: set[tuple[int, int]] = set()
    for level in range(1, signed.bit_length() + 1):
        for seq in (part.first, part.last):
            index = seq >> level
            begin, end = index << level, (index + 1) << level
            inside = begin >= part.first and end <= part.last + 1
            if inside or end > signed or (level, index) in checked:
                continue
            checked.add((level, index))
            left, right = log.perfect(level - 1, 2 * index), log.perfect(level - 1, 2 * index + 1)
            if log.perfect(level, index) != _sha(b"\x01" + left + right):
                why = f"its subtree at level {level} is not the hash of its children"
                raise Mismatch(max(begin, part.first), why, in_log=True)


def _rows_outside(con: duckdb.DuckDBPyConnection, part: Part) -> None:
    """Rows the part should not hold at all: a seq outside its name's range, or none."""
    found = con.execute(
        f"SELECT count(*), min(seq) FROM read_parquet({quoted(part.path)}) "
        f"WHERE seq IS NULL OR seq < {part.first} OR seq > {part.last}"
    ).fetchone()
    if found is not None and found[0]:
        seq = int(found[1]) if found[1] is not None else None
        raise Mismatch(seq, "a row the part's records do not include")


def _compare(con: duckdb.DuckDBPyConnection, staged: Path, parquet: Path, lo: int, hi: int) -> None:
    """The rows derived from the log's leaves ``lo`` .. ``hi`` against the part's rows."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE derived AS {with_derived(from_leaves(staged))}")
    count, distinct, low, high = con.execute(
        "SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM derived"
    ).fetchall()[0]
    if (count, distinct, low, high) != (hi - lo, hi - lo, lo, hi - 1):
        raise Mismatch(lo, "the log's records do not carry their own numbers", in_log=True)
    names = [
        '"' + row[0].replace('"', '""') + '"' for row in con.execute("DESCRIBE derived").fetchall()
    ]
    copy = (
        f"SELECT {', '.join(names)} FROM read_parquet({quoted(parquet)}) "
        f"WHERE seq >= {lo} AND seq < {hi}"
    )
    differs = " OR ".join(f"d.{name} IS DISTINCT FROM c.{name}" for name in names)
    found = con.execute(
        f"""SELECT least(
                (SELECT min(coalesce(d.seq, c.seq)) FROM derived d FULL JOIN ({copy}) c
                 ON d.seq = c.seq WHERE d.seq IS NULL OR c.seq IS NULL OR {differs}),
                (SELECT min(seq) FROM ({copy}) GROUP BY seq HAVING count(*) > 1))"""
    ).fetchone()
    if found is not None and found[0] is not None:
        raise Mismatch(int(found[0]), "its row differs from the log's record")
