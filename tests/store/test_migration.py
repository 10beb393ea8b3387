"""Alembic migrations: new databases get the newest schema; files made before are stamped."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from statelink.review import ReviewQueue
from statelink.review.queue import metadata as review_tables
from statelink.store import engine_for
from statelink.store.migration import STORES, current, head, migrate


def test_every_store_migrates_a_new_database_to_its_newest_revision(
    node_db: Path | str,
) -> None:
    engine = engine_for(node_db)
    try:
        for store in STORES:
            assert current(engine, store) is None
        from statelink.audit.log import metadata as audit
        from statelink.hub.members import metadata as members
        from statelink.hub.routing_log import metadata as routing
        from statelink.notices.store import metadata as notices
        from statelink.policy.settings import metadata as settings
        from statelink.records.schema import metadata as records

        tables = {
            "audit": audit, "members": members, "notices": notices, "records": records,
            "review": review_tables, "routing": routing, "settings": settings,
        }  # fmt: skip
        for store, metadata in tables.items():
            assert migrate(engine, store, list(metadata.tables)) is True
            assert current(engine, store) == head(store)
            assert migrate(engine, store, list(metadata.tables)) is False  # already there
        present = set(sa.inspect(engine).get_table_names())
        for metadata in tables.values():
            assert set(metadata.tables) <= present
    finally:
        engine.dispose()


def test_a_file_made_before_migrations_is_stamped_not_recreated(tmp_path: Path) -> None:
    path = tmp_path / "node.sqlite"
    engine = sa.create_engine(f"sqlite:///{path}")
    review_tables.create_all(engine)  # as statelink 0.1 did, without Alembic
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO review_item (message_id, status, created_at, expires_at, ori,"
                " agency, mke, purpose, offense, case_number, warrant, policies)"
                " VALUES ('M1', 'pending', '2026-01-01 00:00:00', '2026-01-04 00:00:00',"
                " 'NY0303000', 'NYPD', 'DQ', 'C', '', '', '', '[]')"
            )
        )
    engine.dispose()
    queue = ReviewQueue.open("WA", path)
    try:
        assert current(queue._engine, "review") == head("review")
        assert [i.message_id for i in queue.find()] == ["M1"]
    finally:
        queue.close()
