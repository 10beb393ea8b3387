"""members: the tables as of statelink 0.1 (before migrations).

Revision ID: members_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "members_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "members",
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("states", sa.Text(), nullable=False),
        sa.Column("components", sa.Text(), nullable=False),
        sa.Column("oris", sa.Text(), nullable=False),
        sa.Column("cert_sha256", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.String(length=30), nullable=False),
        sa.PrimaryKeyConstraint("name"),
        sa.UniqueConstraint("cert_sha256"),
    )
    op.create_table(
        "member_tokens",
        sa.Column("token_id", sa.String(length=16), nullable=False),
        sa.Column("member", sa.String(length=63), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.String(length=30), nullable=False),
        sa.Column("revoked_at", sa.String(length=30), nullable=True),
        sa.ForeignKeyConstraint(
            ["member"],
            ["members.name"],
        ),
        sa.PrimaryKeyConstraint("token_id"),
        sa.UniqueConstraint("token_sha256"),
    )


def downgrade() -> None:
    op.drop_table("member_tokens")
    op.drop_table("members")
