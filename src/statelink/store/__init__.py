"""Database engines: one way to open SQLite (and later PostgreSQL) for every store."""

from statelink.store.engine import open_engine, sqlite_url

__all__ = ["open_engine", "sqlite_url"]
