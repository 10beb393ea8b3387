"""settings: the state's contact details, printed in every letter to a resident.

One row (id 1), or none while the state has not set them; the address's lines are
joined by line feeds.

Revision ID: settings_0002
Revises: settings_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "settings_0002"
down_revision = "settings_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("address", sa.String(length=510), server_default="", nullable=False),
        sa.Column("email", sa.String(length=254), server_default="", nullable=False),
        sa.Column("phone", sa.String(length=40), server_default="", nullable=False),
        sa.Column("web", sa.String(length=200), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("contact")
