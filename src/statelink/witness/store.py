"""What a witness keeps (``witness.sqlite`` in its folder): the logs it witnesses, each
with the verifier key of the log and the latest checkpoint it cosigned.

An update is a compare-and-swap: the new checkpoint replaces the stored one only if the
stored one is still the one the request was checked against (its size and root), in one
durable transaction; of two racing updates from one size, one wins and the other is told
the new size (409), so a witness never rolls a log back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from statelink.audit import verifier
from statelink.errors import NotFound, StoreError, UsageError
from statelink.store import engine_for
from statelink.store.migration import migrate

EMPTY_ROOT = hashlib.sha256(b"").digest()
STORE_FILE = "witness.sqlite"

metadata = sa.MetaData()
witnessed_log = sa.Table(
    "witnessed_log",
    metadata,
    sa.Column("origin", sa.String(200), primary_key=True),
    sa.Column("log_key", sa.Text, nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("root", sa.LargeBinary(32), nullable=False),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("cosignature", sa.Text, nullable=False, server_default=""),
    sa.Column("updated", sa.String(30), nullable=False, server_default=""),
)


@dataclass(frozen=True)
class WitnessedLog:
    origin: str
    log_key: str
    size: int  # of the latest checkpoint cosigned (0 before the first)
    root: bytes
    note: str  # that checkpoint, as the log signed it ("" before the first)
    cosignature: str  # the line the witness gave for it
    updated: str


class WitnessStore:
    def __init__(self, engine: Engine, where: Path) -> None:
        self._engine = engine
        self.where = where

    @classmethod
    def open(cls, folder: Path) -> WitnessStore:
        where = folder / STORE_FILE
        store = cls(engine_for(where, durable=True), where)
        try:
            migrate(store._engine, "witness", list(metadata.tables))
        except sa.exc.SQLAlchemyError as e:
            store.close()
            raise StoreError(f"cannot open the witness store {where}: {type(e).__name__}") from e
        return store

    def close(self) -> None:
        self._engine.dispose()

    def add_log(self, origin: str, log_key: str) -> WitnessedLog:
        """Witness a log: its origin and the verifier key its checkpoints are signed with."""
        try:
            verifier.VerifierKey.parse(log_key)
        except verifier.VerificationError as e:
            raise UsageError(f"--key: {e}") from None
        if not origin or any(c.isspace() for c in origin):
            raise UsageError(f"an origin is one word without spaces, given {origin!r}")
        if self.log(origin) is not None:
            raise UsageError(f"this witness already witnesses {origin}")
        row = {"origin": origin, "log_key": log_key.strip(), "size": 0, "root": EMPTY_ROOT}
        with self._begin("saved") as conn:
            conn.execute(witnessed_log.insert().values(**row, updated=_now()))
        return self.require(origin)

    def logs(self) -> list[WitnessedLog]:
        with self._begin("read") as conn:
            rows = conn.execute(sa.select(witnessed_log).order_by(witnessed_log.c.origin))
            return [_witnessed(r) for r in rows]

    def log(self, origin: str) -> WitnessedLog | None:
        with self._begin("read") as conn:
            row = conn.execute(
                sa.select(witnessed_log).where(witnessed_log.c.origin == origin)
            ).first()
        return _witnessed(row) if row is not None else None

    def require(self, origin: str) -> WitnessedLog:
        found = self.log(origin)
        if found is None:
            raise NotFound(f"this witness does not witness {origin}")
        return found

    def advance(self, was: WitnessedLog, size: int, root: bytes, note: str, line: str) -> bool:
        """Replace ``was`` by the checkpoint (size, root, note) and its cosignature line,
        only if the stored checkpoint is still ``was``; False if another update came first."""
        c = witnessed_log.c
        update = (
            witnessed_log.update()
            .where(c.origin == was.origin, c.size == was.size, c.root == was.root)
            .values(size=size, root=root, note=note, cosignature=line, updated=_now())
        )
        with self._begin("saved") as conn:
            return conn.execute(update).rowcount == 1

    @contextmanager
    def _begin(self, doing: str) -> Iterator[sa.Connection]:
        """One transaction, SQLAlchemy's errors translated into a StoreError."""
        try:
            with self._engine.begin() as conn:
                yield conn
        except sa.exc.SQLAlchemyError as e:
            raise StoreError(
                f"the witness store {self.where} could not be {doing}: {type(e).__name__}"
            ) from e


def _witnessed(row: sa.Row[tuple[object, ...]]) -> WitnessedLog:
    m = row._mapping
    return WitnessedLog(
        m["origin"], m["log_key"], int(m["size"]), bytes(m["root"]), m["note"],
        m["cosignature"], m["updated"],
    )  # fmt: skip


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
