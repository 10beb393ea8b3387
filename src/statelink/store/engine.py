"""Opening a database through SQLAlchemy Core, with the same settings for every store.

A store lives in a SQLite file (a :class:`~pathlib.Path`) or in a database named by a
SQLAlchemy URL (``postgresql://user@host/db``, driven by psycopg 3). Both take the same
code path; only the connection settings differ.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import ConnectionPoolEntry

Where = Path | str
"""A store's location: a SQLite file, or a database URL."""


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def database_url(where: Where) -> str:
    """The SQLAlchemy URL of a location; ``postgresql://`` means psycopg 3."""
    if isinstance(where, Path):
        return sqlite_url(where)
    for plain in ("postgresql://", "postgres://"):
        if where.startswith(plain):
            return "postgresql+psycopg://" + where[len(plain) :]
    return where


def is_file(where: Where) -> bool:
    return isinstance(where, Path)


def engine_for(where: Where, *, durable: bool = False) -> Engine:
    """An engine for a store's location, creating a SQLite file's folder if needed."""
    if isinstance(where, Path):
        where.parent.mkdir(parents=True, exist_ok=True)
    return open_engine(database_url(where), durable=durable)


def open_engine(url: str, *, bulk_load: bool = False, durable: bool = False) -> Engine:
    """An engine for ``url``.

    SQLite files use WAL (readers never wait for the writer), foreign keys and a 10 s
    busy timeout. ``durable`` makes every commit reach the disk (``synchronous=FULL``)
    before it returns: the audit log uses it, with group commit to share the fsync. With
    ``bulk_load`` the file is written without a journal or fsync: only for building a new
    file under a temporary name that is renamed into place once complete.
    """
    sqlite = url.startswith("sqlite")
    # a statement's parameters (names, dates of birth, plates) never appear in an error
    # message, so an error logged or shown carries no personal data
    # a connection may be used by one thread after another (the audit commits off the loop)
    if sqlite:
        engine = sa.create_engine(
            url, connect_args={"check_same_thread": False}, hide_parameters=True
        )
    else:
        engine = sa.create_engine(
            url, pool_pre_ping=True, pool_size=8, max_overflow=8, hide_parameters=True
        )
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas(bulk_load, durable))
    return engine


def _sqlite_pragmas(bulk_load: bool, durable: bool) -> Any:
    def on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=10000")
        if bulk_load:
            cursor.execute("PRAGMA journal_mode=OFF")
            cursor.execute("PRAGMA synchronous=OFF")
        else:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return on_connect
