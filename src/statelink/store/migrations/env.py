"""Alembic environment for statelink's stores; driven by :mod:`statelink.store.migration`.

Each store (audit, records, settings, ...) has its own folder of revisions and its own
version table, so stores can share a database (PostgreSQL) or each have a file (SQLite).
"""

from alembic import context

config = context.config
context.configure(
    connection=config.attributes["connection"],
    version_table=config.attributes["version_table"],
    render_as_batch=True,  # SQLite alters tables by copying them
)
with context.begin_transaction():
    context.run_migrations()
