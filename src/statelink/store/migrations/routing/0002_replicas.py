"""routing: hub replicas share the routing store: who sent each message, every delivery,
and the resubmission claims.

Revision ID: routing_0002
Revises: routing_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "routing_0002"
down_revision = "routing_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("routing", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("member", sa.String(length=63), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("replica", sa.String(length=63), nullable=False, server_default="")
        )
    op.create_table(
        "deliveries",
        sa.Column("delivery", sa.String(length=40), nullable=False),
        sa.Column("message_id", sa.String(length=40), nullable=False),
        sa.Column("time", sa.String(length=30), nullable=False),
        sa.Column("member", sa.String(length=63), nullable=False),
        sa.Column("replica", sa.String(length=63), nullable=False),
        sa.Column("resubmitted", sa.Boolean(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("delivery"),
    )
    op.create_index("ix_deliveries_message_id", "deliveries", ["message_id"])
    op.create_table(
        "claims",
        sa.Column("member", sa.String(length=63), nullable=False),
        sa.Column("ori", sa.String(length=9), nullable=False),
        sa.Column("control", sa.String(length=10), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=40), nullable=False),
        sa.Column("received_at", sa.String(length=30), nullable=False),
        sa.Column("expires", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("member", "ori", "control"),
    )
    op.create_index("ix_claims_expires", "claims", ["expires"])


def downgrade() -> None:
    op.drop_index("ix_claims_expires", table_name="claims")
    op.drop_table("claims")
    op.drop_index("ix_deliveries_message_id", table_name="deliveries")
    op.drop_table("deliveries")
    with op.batch_alter_table("routing", schema=None) as batch_op:
        batch_op.drop_column("replica")
        batch_op.drop_column("member")
