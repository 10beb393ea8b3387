"""Opening a database through SQLAlchemy Core, with the same settings for every store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import ConnectionPoolEntry


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def open_engine(url: str, *, bulk_load: bool = False, durable: bool = False) -> Engine:
    """An engine for ``url``.

    SQLite files use WAL (readers never wait for the writer), foreign keys and a 10 s
    busy timeout. ``durable`` makes every commit reach the disk (``synchronous=FULL``)
    before it returns: the audit log uses it, with group commit to share the fsync. With
    ``bulk_load`` the file is written without a journal or fsync: only for building a new
    file under a temporary name that is renamed into place once complete.
    """
    sqlite = url.startswith("sqlite")
    # a connection may be used by one thread after another (the audit commits off the loop)
    engine = sa.create_engine(url, connect_args={"check_same_thread": False} if sqlite else {})
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
