"""review: the tables as of statelink 0.1 (before migrations).

Revision ID: review_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "review_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_item",
        sa.Column("message_id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("ori", sa.String(length=9), nullable=False),
        sa.Column("agency", sa.String(length=120), nullable=False),
        sa.Column("mke", sa.String(length=3), nullable=False),
        sa.Column("purpose", sa.String(length=1), nullable=False),
        sa.Column("offense", sa.String(length=4), nullable=False),
        sa.Column("case_number", sa.String(length=40), nullable=False),
        sa.Column("warrant", sa.String(length=200), nullable=False),
        sa.Column("policies", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("reviewer", sa.String(length=120), server_default="", nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("message_id"),
    )
    with op.batch_alter_table("review_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_item_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("review_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_item_status"))

    op.drop_table("review_item")
