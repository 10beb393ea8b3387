"""records: the tables as of statelink 0.1 (before migrations).

Revision ID: records_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "records_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    _create_driver()
    _create_driver_event()
    _create_vehicle()


def _create_driver() -> None:
    op.create_table(
        "driver",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("oln", sa.String(length=25), nullable=False),
        sa.Column("last", sa.String(length=40), nullable=False),
        sa.Column("first", sa.String(length=40), nullable=False),
        sa.Column("middle", sa.String(length=40), server_default="", nullable=False),
        sa.Column("dob", sa.String(length=8), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("street", sa.String(length=80), nullable=False),
        sa.Column("city", sa.String(length=40), nullable=False),
        sa.Column("zip", sa.String(length=10), nullable=False),
        sa.Column("height_in", sa.Integer(), nullable=False),
        sa.Column("eyes", sa.String(length=3), nullable=False),
        sa.Column("license_class", sa.String(length=4), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("restrictions", sa.String(length=20), server_default="", nullable=False),
        sa.Column("issued", sa.Date(), nullable=False),
        sa.Column("expires", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("driver", schema=None) as batch_op:
        batch_op.create_index("ix_driver_name", ["last", "first", "dob"], unique=False)
        batch_op.create_index("ix_driver_oln", ["oln"], unique=True)


def _create_driver_event() -> None:
    op.create_table(
        "driver_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("driver_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=8), server_default="", nullable=False),
        sa.Column("description", sa.String(length=80), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["driver.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("driver_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_driver_event_driver_id"), ["driver_id"], unique=False)


def _create_vehicle() -> None:
    op.create_table(
        "vehicle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plate", sa.String(length=10), nullable=False),
        sa.Column("plate_rev", sa.String(length=10), nullable=False),
        sa.Column("plate_year", sa.Integer(), nullable=False),
        sa.Column("plate_type", sa.String(length=2), nullable=False),
        sa.Column("vin", sa.String(length=17), nullable=False),
        sa.Column("make", sa.String(length=24), nullable=False),
        sa.Column("model", sa.String(length=24), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("color", sa.String(length=3), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("owner_last", sa.String(length=40), nullable=False),
        sa.Column("owner_first", sa.String(length=40), nullable=False),
        sa.Column("owner_middle", sa.String(length=40), server_default="", nullable=False),
        sa.Column("street", sa.String(length=80), nullable=False),
        sa.Column("city", sa.String(length=40), nullable=False),
        sa.Column("zip", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["driver.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("vehicle", schema=None) as batch_op:
        batch_op.create_index("ix_vehicle_owner", ["owner_last", "owner_first"], unique=False)
        batch_op.create_index("ix_vehicle_plate", ["plate", "plate_type"], unique=True)
        batch_op.create_index("ix_vehicle_plate_rev", ["plate_rev"], unique=False)
        batch_op.create_index("ix_vehicle_vin", ["vin"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("vehicle", schema=None) as batch_op:
        batch_op.drop_index("ix_vehicle_vin")
        batch_op.drop_index("ix_vehicle_plate_rev")
        batch_op.drop_index("ix_vehicle_plate")
        batch_op.drop_index("ix_vehicle_owner")

    op.drop_table("vehicle")
    with op.batch_alter_table("driver_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_driver_event_driver_id"))

    op.drop_table("driver_event")
    with op.batch_alter_table("driver", schema=None) as batch_op:
        batch_op.drop_index("ix_driver_oln")
        batch_op.drop_index("ix_driver_name")

    op.drop_table("driver")
