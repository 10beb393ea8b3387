"""Fast batched inserts: a table's INSERT compiled once for the engine's dialect.

SQLAlchemy Core builds and compiles the statement (so the same code runs on SQLite and
PostgreSQL); each batch then goes to the driver's ``executemany`` as plain tuples,
without per-row parameter processing. Used where throughput matters (the audit log).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa


class BulkInsert:
    def __init__(self, table: sa.Table, dialect: sa.Dialect) -> None:
        self.columns = [c.name for c in table.columns]
        compiled = table.insert().compile(dialect=dialect, column_keys=self.columns)
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
