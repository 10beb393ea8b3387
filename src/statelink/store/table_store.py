"""A store of a few tables in one database, with foreign errors translated once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar, Self

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from statelink.errors import StoreError
from statelink.store.engine import open_engine, sqlite_url


class TableStore:
    """Base of the small stores kept with a node (settings, review queue, notices)."""

    what = "store"  # how errors name it: "WA settings could not be read"
    metadata: ClassVar[sa.MetaData]  # the store's tables

    def __init__(self, state: str, engine: Engine) -> None:
        self.state = state
        self._engine = engine

    @classmethod
    def open(cls, state: str, path: Path) -> Self:
        """Open the state's store in a SQLite file, creating its tables if new."""
        path.parent.mkdir(parents=True, exist_ok=True)
        store = cls(state, open_engine(sqlite_url(path)))
        cls.metadata.create_all(store._engine)
        return store

    def close(self) -> None:
        self._engine.dispose()

    def _read(self, query: sa.Executable) -> list[sa.Row[Any]]:
        try:
            with self._engine.connect() as conn:
                return list(conn.execute(query))
        except sa.exc.SQLAlchemyError as e:
            raise StoreError(
                f"{self.state} {self.what} could not be read: {type(e).__name__}"
            ) from e

    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        try:
            with self._engine.begin() as conn:
                yield conn
        except sa.exc.SQLAlchemyError as e:
            raise StoreError(
                f"{self.state} {self.what} could not be saved: {type(e).__name__}"
            ) from e
