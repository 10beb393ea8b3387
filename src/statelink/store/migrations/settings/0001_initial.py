"""settings: the tables as of statelink 0.1 (before migrations).

Revision ID: settings_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "settings_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "certification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ori", sa.String(length=9), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("document", sa.String(length=200), server_default="", nullable=False),
        sa.Column("signer", sa.String(length=120), server_default="", nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_reason", sa.String(length=200), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("certification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certification_ori"), ["ori"], unique=False)

    op.create_table(
        "holiday",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=80), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_table(
        "notice_group",
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "serious_crime",
        sa.Column("first", sa.String(length=4), nullable=False),
        sa.Column("last", sa.String(length=4), nullable=False),
        sa.Column("label", sa.String(length=60), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("first"),
    )
    op.create_table(
        "setting",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("setting")
    op.drop_table("serious_crime")
    op.drop_table("notice_group")
    op.drop_table("holiday")
    with op.batch_alter_table("certification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certification_ori"))

    op.drop_table("certification")
