"""Statements compiled by SQLAlchemy and run on the driver, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from statelink.store import engine_for
from statelink.store.driver import BulkInsert, PointLookup

metadata = sa.MetaData()
pair = sa.Table(
    "pair",
    metadata,
    sa.Column("a", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("b", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("value", sa.LargeBinary, nullable=False),
)
BY_KEY = sa.select(pair.c.value).where(pair.c.a == sa.bindparam("a"), pair.c.b == sa.bindparam("b"))


def test_rows_inserted_in_bulk_are_found_by_key(node_db: Path | str) -> None:
    engine = engine_for(node_db)
    try:
        metadata.create_all(engine)
        with engine.begin() as conn:
            BulkInsert(pair, engine.dialect).run(
                conn, [(a, b, b"%d" % (a * b)) for a in range(3) for b in range(4)]
            )
        lookup = PointLookup(BY_KEY, engine.dialect, ("a", "b"))
        with engine.connect() as conn:
            cursor = conn.connection.cursor()
            assert lookup.one(cursor, 2, 3) == b"6"
            assert lookup.one(cursor, 0, 1) == b"0"
            assert lookup.one(cursor, 3, 0) is None
            cursor.close()
    finally:
        engine.dispose()


@pytest.mark.parametrize("keys", [("a",), ("a", "b", "c"), ("b", "a")])
def test_a_lookup_must_name_the_query_parameters_in_order(keys: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="the query's parameters are"):
        PointLookup(BY_KEY, sqlite.dialect(), keys)


def test_named_parameters_may_be_given_in_any_order() -> None:
    dialect = engine_for("postgresql://nobody@127.0.0.1/unused").dialect  # never connects
    lookup = PointLookup(BY_KEY, dialect, ("b", "a"))
    assert "%(a)s" in lookup.sql
    assert "%(b)s" in lookup.sql
