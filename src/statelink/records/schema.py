"""Tables of one state's records: drivers, their history, vehicles.

Every search of contract 1 has an index, so an exact key never scans a table:

=========================  ==========================================
search                     index
=========================  ==========================================
DQ/KQ ``OLN``              ``ix_driver_oln`` (unique)
DQ ``NAM``+``DOB``         ``ix_driver_name`` (last, first, dob)
DNQ ``NAM``                ``ix_driver_name`` (prefix last, first)
RQ ``LIC``                 ``ix_vehicle_plate`` (plate, plate_type)
RQ ``VIN``                 ``ix_vehicle_vin`` (unique)
RNQ ``NAM``                ``ix_vehicle_owner`` (owner_last, owner_first)
RPQ ``ABC*``               ``ix_vehicle_plate`` (range on the literal prefix)
RPQ ``*123``               ``ix_vehicle_plate_rev`` (range on the reversed suffix)
=========================  ==========================================
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

driver = sa.Table(
    "driver",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("oln", sa.String(25), nullable=False),
    sa.Column("last", sa.String(40), nullable=False),
    sa.Column("first", sa.String(40), nullable=False),
    sa.Column("middle", sa.String(40), nullable=False, server_default=""),
    sa.Column("dob", sa.String(8), nullable=False),  # CCYYMMDD
    sa.Column("sex", sa.String(1), nullable=False),
    sa.Column("street", sa.String(80), nullable=False),
    sa.Column("city", sa.String(40), nullable=False),
    sa.Column("zip", sa.String(10), nullable=False),
    sa.Column("height_in", sa.Integer, nullable=False),
    sa.Column("eyes", sa.String(3), nullable=False),
    sa.Column("license_class", sa.String(4), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("restrictions", sa.String(20), nullable=False, server_default=""),
    sa.Column("issued", sa.Date, nullable=False),
    sa.Column("expires", sa.Date, nullable=False),
    sa.Index("ix_driver_oln", "oln", unique=True),
    sa.Index("ix_driver_name", "last", "first", "dob"),
)

driver_event = sa.Table(
    "driver_event",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("driver_id", sa.Integer, sa.ForeignKey("driver.id"), nullable=False, index=True),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("code", sa.String(8), nullable=False, server_default=""),
    sa.Column("description", sa.String(80), nullable=False, server_default=""),
)

vehicle = sa.Table(
    "vehicle",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("plate", sa.String(10), nullable=False),
    sa.Column("plate_rev", sa.String(10), nullable=False),  # plate reversed, for *SUFFIX
    sa.Column("plate_year", sa.Integer, nullable=False),
    sa.Column("plate_type", sa.String(2), nullable=False),
    sa.Column("vin", sa.String(17), nullable=False),
    sa.Column("make", sa.String(24), nullable=False),
    sa.Column("model", sa.String(24), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("color", sa.String(3), nullable=False),
    sa.Column("owner_id", sa.Integer, sa.ForeignKey("driver.id"), nullable=False),
    sa.Column("owner_last", sa.String(40), nullable=False),
    sa.Column("owner_first", sa.String(40), nullable=False),
    sa.Column("owner_middle", sa.String(40), nullable=False, server_default=""),
    sa.Column("street", sa.String(80), nullable=False),
    sa.Column("city", sa.String(40), nullable=False),
    sa.Column("zip", sa.String(10), nullable=False),
    sa.Index("ix_vehicle_plate", "plate", "plate_type", unique=True),
    sa.Index("ix_vehicle_vin", "vin", unique=True),
    sa.Index("ix_vehicle_plate_rev", "plate_rev"),
    sa.Index("ix_vehicle_owner", "owner_last", "owner_first"),
)
