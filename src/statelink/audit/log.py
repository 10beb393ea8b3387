"""A node's audit log on disk (``states/XX/audit.sqlite``), through SQLAlchemy Core.

Tables:

- ``audit_record``: each record's leaf bytes (its canonical JSON) by sequence number,
  and nothing else: a search reads the values it filters on out of the leaf, in the
  database (``json_extract`` in SQLite, ``jsonb`` in PostgreSQL), so what a filter finds
  is what the leaves say, and the leaves are what ``audit verify`` checks;
- ``tree_node``: the hash of every perfect subtree (level 0 holds the leaf hashes);
- ``checkpoint``: every signed checkpoint (C2SP note) with its size and root.

A batch of records, their tree nodes and a checkpoint, if one is due, are written in one
transaction, committed durably. Every insert lands at the end of its index (sequence
numbers and tree positions only grow), so appending stays fast as the log grows. The
keyed hashes of released records are inside each record (``records``); finding a
person's accesses by hash is done off the query path, not by an index kept on append.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.pool import PoolProxiedConnection

from statelink.audit.merkle import CompactRange, TreeReader
from statelink.audit.record import AuditRecord
from statelink.errors import NotFound, StoreError
from statelink.store import Where, engine_for
from statelink.store.advisory_lock import AdvisoryLock
from statelink.store.driver import BulkInsert, PointLookup
from statelink.store.migration import migrate

metadata = sa.MetaData()
record = sa.Table(
    "audit_record",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("leaf", sa.LargeBinary, nullable=False),
)
"""Only the sequence number and the leaf: every value a search filters on is read from
the leaf itself (:data:`FIELDS`), so no column beside it can say something else."""
tree_node = sa.Table(
    "tree_node",
    metadata,
    sa.Column("level", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("idx", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("hash", sa.LargeBinary(32), nullable=False),
    sqlite_with_rowid=False,
)
checkpoint = sa.Table(
    "checkpoint",
    metadata,
    sa.Column("size", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("root", sa.LargeBinary(32), nullable=False),
    sa.Column("time", sa.String(30), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
)

FIELDS: dict[str, tuple[str, ...]] = {
    "time": ("time",),
    "received_at": ("received_at",),
    "message_id": ("message_id",),
    "ori": ("requester", "ori"),
    "component": ("requester", "component"),
    "mke": ("mke",),
    "decision": ("decision",),
    "status": ("status",),
}
"""Where in a leaf each filter of :class:`Filters` finds its value."""

_NODE = sa.select(tree_node.c.hash).where(
    tree_node.c.level == sa.bindparam("level"), tree_node.c.idx == sa.bindparam("idx")
)


@dataclass(frozen=True)
class CheckpointRow:
    size: int
    root: bytes
    time: str
    note: str


@dataclass(frozen=True)
class Filters:
    """What ``audit show`` and exports select; every field is optional, values as stored
    (ORIs, components and message keys upper case, decisions lower case).

    ``since`` and ``until`` are the time the hub received the message (``received_at``,
    ISO 8601 UTC; since inclusive, until not), the one clock of every report and export.
    ``newest_first`` lists the latest record first; ``after`` continues a listing after
    the record with that seq, in the listing's order (older ones when newest first).
    """

    since: str = ""
    until: str = ""
    ori: str = ""
    component: str = ""
    mke: str = ""
    decision: str = ""
    status: str = ""
    message_id: str = ""
    first: int = 0
    limit: int | None = None
    newest_first: bool = False
    after: int | None = None


class AuditLog:
    def __init__(self, state: str, engine: Engine, where: Where) -> None:
        self.state = state
        self.where = where
        self._engine = engine
        self._local = threading.local()
        self._insert_record = BulkInsert(record, engine.dialect)
        self._insert_node = BulkInsert(tree_node, engine.dialect)
        self._insert_checkpoint = BulkInsert(checkpoint, engine.dialect)
        self._node = PointLookup(_NODE, engine.dialect, ("level", "idx"))
        self._writer: PoolProxiedConnection | None = None

    @classmethod
    def open(cls, state: str, where: Where) -> AuditLog:
        """The state's audit log in a SQLite file or a database URL (created if new)."""
        log = cls(state, engine_for(where, durable=True), where)
        try:
            migrate(log._engine, "audit", list(metadata.tables))
        except sa.exc.SQLAlchemyError as e:
            raise StoreError(f"cannot open the {state} audit log: {type(e).__name__}") from e
        return log

    def advisory_lock(self) -> AdvisoryLock | None:
        """On PostgreSQL, the log's writer lock (a session advisory lock), or None if taken."""
        key = int.from_bytes(
            hashlib.sha256(f"statelink-audit-{self.state}".encode()).digest()[:8],
            "big",
            signed=True,
        )
        conn = self._engine.connect()
        try:
            taken = conn.execute(sa.select(sa.func.pg_try_advisory_lock(key))).scalar()
        except sa.exc.SQLAlchemyError as e:
            conn.close()
            raise StoreError(f"cannot lock the {self.state} audit log: {type(e).__name__}") from e
        conn.commit()
        if not taken:
            conn.close()
            return None
        return AdvisoryLock(conn, key)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._drop_reader()
        self._engine.dispose()

    def _reader(self) -> Any:
        """This thread's driver cursor for tree lookups, on a connection kept open in
        autocommit (each lookup sees the latest commit; no snapshot is held)."""
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            cursor = conn.connection.cursor()
            self._local.conn, self._local.cursor = conn, cursor
        return cursor

    def _drop_reader(self) -> None:
        """Close this thread's lookup cursor and connection (the next lookup opens new ones)."""
        conn = getattr(self._local, "conn", None)
        self._local.conn = self._local.cursor = None
        if conn is not None:
            conn.close()  # closes the driver cursor with it

    # --- writing (the audit service only) ------------------------------------------

    def write(
        self,
        rows: list[tuple[Any, ...]],
        nodes: list[tuple[int, int, bytes]],
        signed: CheckpointRow | None,
    ) -> None:
        """Insert records, new tree nodes and maybe a checkpoint in one transaction and
        commit it durably; if anything fails, nothing of it stays. Rows are tuples in the
        tables' column order (seq, leaf; level, index, hash).

        The audit service's appender is the only caller, once per batch: it goes straight
        to the driver on one connection kept open for writing, because SQLAlchemy's
        per-statement work cost more than the inserts themselves in a batch of a few
        records (the statements are still compiled by SQLAlchemy, for either database).
        """
        writer = self._writer
        if writer is None:
            writer = self._writer = self._engine.raw_connection()
        cursor = writer.cursor()
        try:
            self._insert_record.run_dbapi(cursor, rows)
            self._insert_node.run_dbapi(cursor, nodes)
            if signed is not None:
                self._insert_checkpoint.run_dbapi(
                    cursor, [(signed.size, signed.root, signed.time, signed.note)]
                )
            writer.commit()
        except self._engine.dialect.loaded_dbapi.Error as e:
            self._drop_writer()
            raise StoreError(
                f"the {self.state} audit log could not be written: {type(e).__name__}: {e}"
            ) from e
        except BaseException:
            self._drop_writer()
            raise
        finally:
            cursor.close()

    def _drop_writer(self) -> None:
        """Roll back and let go of the writing connection (the next write opens another)."""
        writer, self._writer = self._writer, None
        if writer is not None:
            try:
                writer.rollback()
            except Exception:
                writer.invalidate()
            writer.close()

    # --- the tree ------------------------------------------------------------------

    def size(self) -> int:
        with self._engine.connect() as conn:
            found = conn.execute(sa.select(sa.func.max(record.c.seq))).scalar()
        return 0 if found is None else int(found) + 1

    def perfect(self, level: int, index: int) -> bytes:
        try:
            found = self._node.one(self._reader(), level, index)
        except self._engine.dialect.loaded_dbapi.Error as e:
            self._drop_reader()
            raise StoreError(
                f"the {self.state} audit log could not be read: {type(e).__name__}: {e}"
            ) from e
        if found is None:
            raise StoreError(f"{self.state} audit log has no tree node ({level}, {index})")
        return bytes(found)

    def reader(self) -> TreeReader:
        return TreeReader(self.perfect)

    def compact(self) -> CompactRange:
        """The right edge of the stored tree (for the appender, at start)."""
        return CompactRange.at(self.size(), self.perfect)

    # --- checkpoints --------------------------------------------------------------------

    def checkpoints(self) -> list[CheckpointRow]:
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(checkpoint).order_by(checkpoint.c.size))
            return [CheckpointRow(r.size, bytes(r.root), r.time, r.note) for r in rows]

    def latest_checkpoint(self) -> CheckpointRow | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(checkpoint).order_by(checkpoint.c.size.desc()).limit(1)
            ).first()
        return CheckpointRow(row.size, bytes(row.root), row.time, row.note) if row else None

    def checkpoint_at(self, size: int) -> CheckpointRow:
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(checkpoint).where(checkpoint.c.size == size)).first()
        if row is None:
            raise NotFound(f"{self.state} has no signed checkpoint at size {size}")
        return CheckpointRow(row.size, bytes(row.root), row.time, row.note)

    # --- records --------------------------------------------------------------------------

    def record(self, seq: int) -> AuditRecord:
        with self._engine.connect() as conn:
            leaf = conn.execute(sa.select(record.c.leaf).where(record.c.seq == seq)).scalar()
        if leaf is None:
            raise NotFound(f"{self.state} audit log has no record {seq}")
        return AuditRecord.from_json(json.loads(_bytes(leaf)))

    def leaf_hash(self, seq: int) -> bytes:
        return self.perfect(0, seq)

    def leaves(self) -> Iterator[tuple[int, bytes, bytes]]:
        """Every (seq, leaf bytes, stored leaf hash) in order, streamed."""
        query = (
            sa.select(record.c.seq, record.c.leaf, tree_node.c.hash)
            .join_from(
                record,
                tree_node,
                sa.and_(tree_node.c.level == 0, tree_node.c.idx == record.c.seq),
                isouter=True,
            )
            .order_by(record.c.seq)
        )
        with self._engine.connect() as conn:
            for seq, leaf, hashed in conn.execution_options(yield_per=5000).execute(query):
                yield int(seq), _bytes(leaf), _bytes(hashed)

    def hashes(self, level: int, start: int, count: int) -> list[bytes]:
        """The stored hashes of the perfect subtrees at ``level``, indexes ``start`` to
        ``start + count`` (fewer if the tree has fewer), in order."""
        c = tree_node.c
        query = (
            sa.select(c.hash)
            .where(c.level == level, c.idx >= start, c.idx < start + count)
            .order_by(c.idx)
        )
        with self._engine.connect() as conn:
            return [_bytes(h) for (h,) in conn.execute(query)]

    def levels(self) -> int:
        """How many levels of stored subtree hashes the tree has (0 if empty)."""
        with self._engine.connect() as conn:
            found = conn.execute(sa.select(sa.func.max(tree_node.c.level))).scalar()
        return 0 if found is None else int(found) + 1

    def level(self, level: int) -> Iterator[tuple[int, bytes]]:
        """Every stored (index, hash) at ``level``, in order, streamed."""
        c = tree_node.c
        query = sa.select(c.idx, c.hash).where(c.level == level).order_by(c.idx)
        with self._engine.connect() as conn:
            for idx, hashed in conn.execution_options(yield_per=10_000).execute(query):
                yield int(idx), _bytes(hashed)

    def leaf_range(self, start: int, count: int) -> list[bytes]:
        """The leaf bytes of records ``start`` to ``start + count`` (fewer if the log has
        fewer), in order."""
        c = record.c
        query = sa.select(c.leaf).where(c.seq >= start, c.seq < start + count).order_by(c.seq)
        with self._engine.connect() as conn:
            return [_bytes(leaf) for (leaf,) in conn.execute(query)]

    def raw(self, first: int = 0) -> Iterator[bytes]:
        """The canonical JSON of every record from ``first`` on, in order, streamed."""
        query = sa.select(record.c.leaf).where(record.c.seq >= first).order_by(record.c.seq)
        with self._engine.connect() as conn:
            for (leaf,) in conn.execution_options(yield_per=10_000).execute(query):
                yield _bytes(leaf)

    def find(self, filters: Filters) -> Iterator[AuditRecord]:
        """Records matching every filter, oldest first (or newest first). Every filter is
        applied to the values in the leaf itself."""
        seq = record.c.seq
        query = sa.select(record.c.leaf).order_by(seq.desc() if filters.newest_first else seq)
        for name in ("ori", "component", "mke", "decision", "status", "message_id"):
            value = getattr(filters, name)
            if value:
                query = query.where(self._field(name) == value)
        if filters.since:
            query = query.where(self._field("received_at") >= filters.since)
        if filters.until:
            query = query.where(self._field("received_at") < filters.until)
        if filters.first:
            query = query.where(seq >= filters.first)
        if filters.after is not None:
            query = query.where(
                seq < filters.after if filters.newest_first else seq > filters.after
            )
        if filters.limit is not None:
            query = query.limit(filters.limit)
        try:
            with self._engine.connect() as conn:
                for (leaf,) in conn.execution_options(yield_per=5000).execute(query):
                    yield AuditRecord.from_json(json.loads(_bytes(leaf)))
        except sa.exc.SQLAlchemyError as e:
            raise StoreError(
                f"the {self.state} audit log could not be searched ({type(e).__name__}); "
                f"a record may not be JSON: run `statelink audit verify --state {self.state}`"
            ) from e

    def _field(self, name: str) -> sa.ColumnElement[str]:
        """The value of a leaf field (:data:`FIELDS`) as text, read by the database, in
        the very form of the message-id index (``audit_0002``), so that it is used."""
        path = FIELDS[name]
        if self._engine.dialect.name == "postgresql":
            steps = "".join(f" -> '{step}'" for step in path[:-1])
            return sa.literal_column(
                f"(statelink_leaf(audit_record.leaf){steps} ->> '{path[-1]}')", sa.Text
            )
        json_path = sa.literal_column("'$." + ".".join(path) + "'", sa.Text)
        return sa.func.json_extract(sa.cast(record.c.leaf, sa.Text), json_path, type_=sa.Text)


def _bytes(value: object) -> bytes:
    """Stored bytes as bytes, even if someone rewrote them as text (a tampered row)."""
    if value is None:
        return b""
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    raise StoreError(f"an audit log value is neither bytes nor text: {type(value).__name__}")


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
