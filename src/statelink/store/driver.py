"""Statements compiled once by SQLAlchemy Core, then run on the driver (DBAPI) directly.

SQLAlchemy builds and compiles each statement for the engine's dialect, so the same code
runs on SQLite and PostgreSQL; each call then goes to the driver with plain parameter
tuples, without SQLAlchemy's per-execution work. Used where that work would cost more
than the statement itself (the audit log):

- :class:`BulkInsert`: a table's INSERT, for ``executemany`` of a batch of rows;
- :class:`PointLookup`: a SELECT of one value by key (a proof on a log of ten million
  records reads a few dozen tree nodes; through a SQLAlchemy connection each read cost
  about seven times what the driver takes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa


class BulkInsert:
    """A table's INSERT; with ``skip_existing``, a row whose key is already there is
    left as it is (``ON CONFLICT DO NOTHING``, SQLite and PostgreSQL alike)."""

    def __init__(
        self, table: sa.Table, dialect: sa.Dialect, *, skip_existing: bool = False
    ) -> None:
        self.columns = [c.name for c in table.columns]
        statement: sa.Insert = table.insert()
        if skip_existing:
            statement = insert_for(dialect)(table).on_conflict_do_nothing()
        compiled = statement.compile(dialect=dialect, column_keys=self.columns)
        self.sql = str(compiled)
        self._positional = bool(compiled.positional)
        names = list(compiled.positiontup or self.columns)
        if self._positional and names != self.columns:
            raise ValueError(f"unexpected parameter order for {table.name}: {names}")

    def run(self, conn: sa.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert rows given as tuples in ``self.columns`` order."""
        if rows:
            conn.exec_driver_sql(self.sql, self._parameters(rows))

    def run_dbapi(self, cursor: Any, rows: Sequence[tuple[Any, ...]]) -> None:
        """The same on a driver (DBAPI) cursor, inside the caller's transaction."""
        if rows:
            cursor.executemany(self.sql, self._parameters(rows))

    def _parameters(self, rows: Sequence[tuple[Any, ...]]) -> list[Any]:
        if self._positional:
            return list(rows)
        return [dict(zip(self.columns, r, strict=True)) for r in rows]


class PointLookup:
    """A SELECT of one column whose parameters are ``keys`` (bound parameter names)."""

    def __init__(self, query: sa.Select[Any], dialect: sa.Dialect, keys: Sequence[str]) -> None:
        compiled = query.compile(dialect=dialect)
        self.sql = str(compiled)
        self.keys = tuple(keys)
        self._positional = bool(compiled.positional)
        names = tuple(compiled.positiontup or compiled.params)
        if sorted(names) != sorted(self.keys) or (self._positional and names != self.keys):
            raise ValueError(f"the query's parameters are {names}, not {self.keys}")

    def one(self, cursor: Any, *values: Any) -> Any:
        """The value of the first row for these key values (in ``keys`` order), or None."""
        cursor.execute(
            self.sql, values if self._positional else dict(zip(self.keys, values, strict=True))
        )
        row = cursor.fetchone()
        return None if row is None else row[0]


def insert_for(dialect: sa.Dialect) -> Any:
    """The dialect's INSERT that knows ON CONFLICT."""
    if dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    if dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert
    raise ValueError(f"no ON CONFLICT insert for {dialect.name}")
