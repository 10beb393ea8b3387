"""witnesses: a state's witnesses and the cosignatures they gave its checkpoints.

Revision ID: witnesses_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "witnesses_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "witness",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("vkey", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("added", sa.String(length=30), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "cosignature",
        sa.Column("witness", sa.String(length=200), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("witness", "size"),
    )


def downgrade() -> None:
    op.drop_table("cosignature")
    op.drop_table("witness")
