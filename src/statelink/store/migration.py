"""Schema migrations with Alembic: every store brings its tables to the newest revision.

Each store has a folder of revisions under ``store/migrations/<store>/`` and its own
version table (``alembic_version_<store>``). Opening a store runs :func:`migrate`: a
database already at the newest revision costs one query; a SQLite file made before
statelink used Alembic (tables present, no version table) is stamped at the first
revision, then upgraded. On PostgreSQL, processes that start together (hub replicas on
one database) migrate one at a time, under a transaction advisory lock per store.
"""

from __future__ import annotations

import hashlib
import threading
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).with_name("migrations")
STORES = (
    "audit",
    "members",
    "notices",
    "records",
    "review",
    "routing",
    "settings",
    "witness",
    "witnesses",
)
_lock = threading.Lock()


def _config(store: str) -> Config:
    if store not in STORES:
        raise ValueError(f"no migrations for store {store!r}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(MIGRATIONS / store))
    config.attributes["version_table"] = f"alembic_version_{store}"
    return config


@cache
def _revisions(store: str) -> tuple[str, str]:
    """The store's (first, newest) revision ids."""
    script = ScriptDirectory.from_config(_config(store))
    head = script.get_current_head()
    bases = script.get_bases()
    if head is None or len(bases) != 1:
        raise ValueError(f"store {store}: expected one line of revisions")
    return bases[0], head


def head(store: str) -> str:
    return _revisions(store)[1]


def current(engine: Engine, store: str) -> str | None:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"version_table": f"alembic_version_{store}"}
        )
        return context.get_current_revision()


def migrate(engine: Engine, store: str, tables: list[str]) -> bool:
    """Bring the store's tables in ``engine`` to the newest revision.

    ``tables`` are the store's table names, used to recognise a database made before
    migrations (stamped at the first revision rather than created again). Returns True
    when the tables were created by this call.
    """
    first, newest = _revisions(store)
    if current(engine, store) == newest:
        return False
    config = _config(store)
    with _lock, engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # processes starting together: one at a time
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_lock_key(store))))
        config.attributes["connection"] = conn
        context = MigrationContext.configure(
            conn, opts={"version_table": f"alembic_version_{store}"}
        )
        if context.get_current_revision() == newest:  # another process just migrated it
            return False
        created = context.get_current_revision() is None
        if created and _has_tables(conn, tables):
            command.stamp(config, first)
            created = False
        command.upgrade(config, "head")
    return created


def _lock_key(store: str) -> int:
    """The store's migration lock on PostgreSQL (a transaction advisory lock)."""
    digest = hashlib.sha256(f"statelink-migrate-{store}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _has_tables(conn: sa.Connection, tables: list[str]) -> bool:
    present = set(sa.inspect(conn).get_table_names())
    return bool(tables) and all(t in present for t in tables)
