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


def open_engine(url: str, *, bulk_load: bool = False) -> Engine:
    """An engine for ``url``.

    SQLite files use WAL (readers never wait for the writer) and foreign keys. With
    ``bulk_load`` the file is written without a journal or fsync: only for building a
    new file under a temporary name that is renamed into place once complete.
    """
    engine = sa.create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas(bulk_load))
    return engine


def _sqlite_pragmas(bulk_load: bool) -> Any:
    def on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        cursor = dbapi_connection.cursor()
        if bulk_load:
            cursor.execute("PRAGMA journal_mode=OFF")
            cursor.execute("PRAGMA synchronous=OFF")
        else:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return on_connect
