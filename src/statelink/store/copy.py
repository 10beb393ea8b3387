"""Copying a store's tables from one database to another (SQLite files into PostgreSQL).

A state that moves its node to PostgreSQL copies what it has: records, settings, review
queue, notices and the audit log, row for row (the audit log's leaves are bytes, so the
copy verifies against the same checkpoints). The target's tables are created by the
stores' migrations first, and must be empty.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from statelink.errors import StoreError
from statelink.store.migration import migrate

BATCH = 5000


@dataclass(frozen=True)
class Tables:
    """One store's tables and the name of its migrations."""

    migrations: str
    metadata: sa.MetaData


def copy_tables(
    stores: list[Tables],
    source: Engine,
    target: Engine,
    *,
    on_rows: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Copy every table of ``stores`` from ``source`` into ``target``; rows per table."""
    for store in stores:
        migrate(target, store.migrations, list(store.metadata.tables))
    copied: dict[str, int] = {}
    try:
        with source.connect() as reader, target.begin() as writer:
            present = set(sa.inspect(reader).get_table_names())
            for store in stores:
                for table in store.metadata.sorted_tables:
                    if writer.execute(sa.select(sa.func.count()).select_from(table)).scalar():
                        raise StoreError(f"the target's {table.name} table is not empty")
                    copied[table.name] = 0
                    if table.name not in present:
                        continue
                    order = list(table.primary_key.columns) or list(table.columns)
                    result = reader.execute(sa.select(table).order_by(*order))
                    while rows := result.fetchmany(BATCH):
                        writer.execute(table.insert(), [dict(r._mapping) for r in rows])
                        copied[table.name] += len(rows)
                        if on_rows is not None:
                            on_rows(table.name, len(rows))
                    _advance_sequence(writer, table)
    except sa.exc.SQLAlchemyError as e:
        raise StoreError(f"copy failed: {type(e).__name__}: {e}") from e
    return copied


def _advance_sequence(conn: sa.Connection, table: sa.Table) -> None:
    """On PostgreSQL, move a serial key's sequence past the copied ids (they were given
    explicitly, so the sequence did not move) or the next insert would reuse one."""
    if conn.dialect.name != "postgresql":
        return
    key = list(table.primary_key.columns)
    if len(key) != 1 or key[0].autoincrement is False or not isinstance(key[0].type, sa.Integer):
        return
    column = key[0].name
    conn.execute(
        sa.text(
            f"SELECT setval(pg_get_serial_sequence(:table, :column), "
            f"COALESCE(MAX({column}), 1), MAX({column}) IS NOT NULL) FROM {table.name}"
        ),
        {"table": table.name, "column": column},
    )
