"""routing: the tables as of statelink 0.1 (before migrations).

Revision ID: routing_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "routing_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "routing",
        sa.Column("message_id", sa.String(length=40), nullable=False),
        sa.Column("time", sa.String(length=30), nullable=False),
        sa.Column("ori", sa.String(length=9), nullable=False),
        sa.Column("control", sa.String(length=10), nullable=False),
        sa.Column("mke", sa.String(length=3), nullable=False),
        sa.Column("dest", sa.String(length=20), nullable=False),
        sa.Column("purpose", sa.String(length=1), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("elapsed_ms", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("message_id"),
    )
    with op.batch_alter_table("routing", schema=None) as batch_op:
        batch_op.create_index("ix_routing_ori_time", ["ori", "time"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("routing", schema=None) as batch_op:
        batch_op.drop_index("ix_routing_ori_time")

    op.drop_table("routing")
