"""witness: the logs a witness witnesses, each with its latest cosigned checkpoint.

Revision ID: witness_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "witness_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "witnessed_log",
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("log_key", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("cosignature", sa.Text(), server_default="", nullable=False),
        sa.Column("updated", sa.String(length=30), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("origin"),
    )


def downgrade() -> None:
    op.drop_table("witnessed_log")
