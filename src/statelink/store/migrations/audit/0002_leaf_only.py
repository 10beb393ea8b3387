"""audit: a record row is its sequence number and its leaf, nothing else.

The values kept beside each leaf for searching (time, ORI, component, ...) were never
checked against the leaf, so an edited column could hide a record from a search while
``audit verify`` still passed. Searches now read those values out of the leaf.

Revision ID: audit_0002
Revises: audit_0001
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "audit_0002"
down_revision = "audit_0001"
branch_labels = None
depends_on = None

_COLUMNS: dict[str, tuple[str, sa.types.TypeEngine[Any]]] = {
    "time": ("time", sa.String(length=30)),
    "message_id": ("message_id", sa.String(length=40)),
    "ori": ("requester.ori", sa.String(length=9)),
    "component": ("requester.component", sa.String(length=32)),
    "mke": ("mke", sa.String(length=3)),
    "dataset": ("dataset", sa.String(length=16)),
    "purpose": ("context.purpose", sa.String(length=1)),
    "decision": ("decision", sa.String(length=6)),
    "status": ("status", sa.String(length=16)),
    "released": ("released", sa.Integer()),
}


LEAF_FUNCTION = """
CREATE OR REPLACE FUNCTION statelink_leaf(leaf bytea) RETURNS jsonb
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT convert_from(leaf, 'UTF8')::jsonb $$
"""
"""PostgreSQL: a leaf as JSON, declared immutable (a leaf's bytes decode the same way
every time) so that an index can be built on a value read out of it."""


def upgrade() -> None:
    with op.batch_alter_table("audit_record", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_message")
        for name in _COLUMNS:
            batch_op.drop_column(name)
    # the message id is looked up by the database from the leaf itself
    if op.get_bind().dialect.name == "postgresql":
        op.execute(LEAF_FUNCTION)
        op.execute(
            "CREATE INDEX ix_audit_message ON audit_record "
            "((statelink_leaf(leaf) ->> 'message_id'))"
        )
    else:
        op.execute(
            "CREATE INDEX ix_audit_message ON audit_record "
            "(json_extract(CAST(leaf AS TEXT), '$.message_id'))"
        )


def downgrade() -> None:
    """Put the columns back, filled from the leaves."""
    op.execute("DROP INDEX ix_audit_message")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION statelink_leaf(bytea)")
    with op.batch_alter_table("audit_record", schema=None) as batch_op:
        for name, (_path, kind) in _COLUMNS.items():
            default = "0" if isinstance(kind, sa.Integer) else ""
            batch_op.add_column(sa.Column(name, kind, nullable=False, server_default=default))
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name, (path, kind) in _COLUMNS.items():
        if postgresql:
            value = f"convert_from(leaf, 'UTF8')::jsonb #>> '{{{path.replace('.', ',')}}}'"
        else:
            value = f"json_extract(CAST(leaf AS TEXT), '$.{path}')"
        if isinstance(kind, sa.Integer):
            value = f"CAST({value} AS INTEGER)"
        op.execute(f"UPDATE audit_record SET {name} = coalesce({value}, {name})")
    with op.batch_alter_table("audit_record", schema=None) as batch_op:
        batch_op.create_index("ix_audit_message", ["message_id"], unique=False)
