"""Database engines: one way to open SQLite and PostgreSQL for every store."""

from statelink.store.engine import Where, database_url, engine_for, is_file, open_engine, sqlite_url

__all__ = ["Where", "database_url", "engine_for", "is_file", "open_engine", "sqlite_url"]
