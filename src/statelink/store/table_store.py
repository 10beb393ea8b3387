"""A store of a few tables in one database, with foreign errors translated once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar, Self

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from statelink.errors import StoreError
from statelink.store.engine import Where, engine_for
from statelink.store.migration import migrate


class TableStore:
    """Base of the small stores kept with a node (settings, review queue, notices)."""

    what = "store"  # how errors name it: "WA settings could not be read"
    metadata: ClassVar[sa.MetaData]  # the store's tables
    migrations: ClassVar[str]  # its folder of Alembic revisions

    def __init__(self, state: str, engine: Engine, *, owns_engine: bool = False) -> None:
        self.state = state
        self._engine = engine
        self._owns_engine = owns_engine  # else the engine belongs to a NodeDatabase

    @classmethod
    def open(cls, state: str, where: Where) -> Self:
        """Open the state's store on its own engine (a SQLite file or a database URL),
        migrating its tables. A node's stores are opened together by NodeDatabase."""
        store = cls(state, engine_for(where), owns_engine=True)
        store.create()
        return store

    def create(self) -> None:
        """Create or migrate the store's tables."""
        self._migrate()

    def _migrate(self) -> bool:
        """Bring the tables to the newest revision; True if they were just created."""
        try:
            return migrate(self._engine, self.migrations, list(self.metadata.tables))
        except sa.exc.SQLAlchemyError as e:
            raise StoreError(
                f"{self.state} {self.what} could not be opened: {type(e).__name__}"
            ) from e

    def close(self) -> None:
        if self._owns_engine:
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
