"""One state's driver and vehicle records: searches for each message key, and the admin view.

Every statement is built once at import; a search binds values and runs it. Queries go
through SQLAlchemy Core only, so the same code runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, RowMapping

from statelink.errors import NationMissing, StoreError
from statelink.messages.fields import split_name
from statelink.messages.keys import MESSAGE_KEYS
from statelink.messages.response import Address, DriverEvent, DriverRecord, VehicleRecord
from statelink.records.generator import Tables
from statelink.records.schema import driver, driver_event, metadata, vehicle
from statelink.states import STATES
from statelink.store import Where, engine_for
from statelink.store.migration import migrate

MAX_RECORDS = 50
"""Most records one answer carries; name and partial-plate searches stop there."""

_d, _v, _e = driver.c, vehicle.c, driver_event.c
_p = sa.bindparam


def _optional(column: sa.ColumnElement[Any], name: str) -> sa.ColumnElement[bool]:
    """``column = :name`` unless :name is '' (a filter after the index, never instead of it)."""
    return sa.or_(_p(name, type_=sa.String) == "", column == _p(name))


def _middle(column: sa.ColumnElement[str]) -> sa.ColumnElement[bool]:
    middle = _p("middle", type_=sa.String)
    return sa.or_(middle == "", column.like(middle + "%"))


_DRIVER_BY_OLN = sa.select(driver).where(_d.oln == _p("oln"))
_DRIVER_BY_NAME_DOB = (
    sa.select(driver)
    .where(_d.last == _p("last"), _d.first == _p("first"), _d.dob == _p("dob"))
    .where(_optional(_d.sex, "sex"), _middle(_d.middle))
    .order_by(_d.id)
    .limit(MAX_RECORDS)
)
_DRIVER_BY_NAME = (
    sa.select(driver)
    .where(_d.last == _p("last"), _d.first == _p("first"), _middle(_d.middle))
    .order_by(_d.dob, _d.id)
    .limit(MAX_RECORDS)
)
_EVENTS = sa.select(driver_event).where(_e.driver_id == _p("driver_id")).order_by(_e.date, _e.id)
_VEHICLE = sa.select(vehicle, driver.c.oln.label("owner_oln")).join_from(
    vehicle, driver, driver.c.id == vehicle.c.owner_id
)
"""Every vehicle search also reads the owner's licence number, for the audit only."""

_VEHICLE_BY_PLATE = (
    _VEHICLE.where(_v.plate == _p("plate"))
    .where(_optional(_v.plate_type, "plate_type"))
    .where(sa.or_(_p("plate_year", type_=sa.Integer) == 0, _v.plate_year == _p("plate_year")))
    .order_by(_v.id)
    .limit(MAX_RECORDS)
)
_VEHICLE_BY_VIN = _VEHICLE.where(_v.vin == _p("vin"))
_VEHICLE_BY_OWNER = (
    _VEHICLE.where(
        _v.owner_last == _p("last"), _v.owner_first == _p("first"), _middle(_v.owner_middle)
    )
    .order_by(_v.id)
    .limit(MAX_RECORDS)
)


def _like(pattern: str) -> str:
    return pattern.replace("*", "%").replace("?", "_")


def _prefix_range(column: sa.ColumnElement[str], prefix: str) -> sa.ColumnElement[bool]:
    """``column`` starts with ``prefix``, as an index range (plates are A-Z and 0-9)."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return sa.and_(column >= prefix, column < upper)


def _partial_plate(pattern: str, plate_type: str) -> sa.Select[Any]:
    """RPQ: a range on the literal prefix, else on the reversed literal suffix, then LIKE."""
    prefix = pattern[: min((pattern.find(c) for c in "*?" if c in pattern), default=0)]
    reversed_pattern = pattern[::-1]
    suffix = reversed_pattern[
        : min((reversed_pattern.find(c) for c in "*?" if c in reversed_pattern), default=0)
    ]
    if len(prefix) >= len(suffix) and prefix:
        where = sa.and_(_prefix_range(_v.plate, prefix), _v.plate.like(_like(pattern)))
    elif suffix:
        where = sa.and_(
            _prefix_range(_v.plate_rev, suffix), _v.plate_rev.like(_like(reversed_pattern))
        )
    else:
        where = _v.plate.like(_like(pattern))
    query = _VEHICLE.where(where)
    if plate_type:
        query = query.where(_v.plate_type == plate_type)
    return query.order_by(_v.plate, _v.id).limit(MAX_RECORDS)


Params = dict[str, str | int]
"""A statement's bind parameters."""


def search(mke: str, fields: Mapping[str, str]) -> tuple[sa.Select[Any], Params]:
    """The statement and parameters that answer a message key with valid search fields."""
    if mke == "RPQ":
        return _partial_plate(fields["LIC"], fields.get("LIT", "")), {}
    if "OLN" in fields:
        return _DRIVER_BY_OLN, {"oln": fields["OLN"]}
    if "VIN" in fields:
        return _VEHICLE_BY_VIN, {"vin": fields["VIN"]}
    if "LIC" in fields:
        return _VEHICLE_BY_PLATE, {
            "plate": fields["LIC"],
            "plate_type": fields.get("LIT", ""),
            "plate_year": int(fields.get("LIY", "0")),
        }
    last, first, middle = split_name(fields["NAM"])
    params: Params = {"last": last, "first": first, "middle": middle}
    if mke == "DQ":
        return _DRIVER_BY_NAME_DOB, params | {"dob": fields["DOB"], "sex": fields.get("SEX", "")}
    if mke == "DNQ":
        return _DRIVER_BY_NAME, params
    return _VEHICLE_BY_OWNER, params


@dataclass(frozen=True)
class Found:
    """What a search found; ``subjects`` names every released record and vehicle owner
    (``driver:<OLN>``, ``vehicle:<VIN>``) so the audit can log their keyed hashes."""

    drivers: list[DriverRecord]
    vehicles: list[VehicleRecord]
    subjects: list[str]

    @property
    def count(self) -> int:
        return len(self.drivers) + len(self.vehicles)


class RecordStore:
    """The records of one state, in its own database."""

    def __init__(self, state: str, engine: Engine) -> None:
        self.state = state
        self._engine = engine
        self._postal = STATES[state].postal
        self._local = threading.local()

    @classmethod
    def open(cls, state: str, where: Where) -> RecordStore:
        """The state's records in a SQLite file (which must exist) or a database URL."""
        if isinstance(where, Path) and not where.exists():
            raise NationMissing(
                f"no records for {state} at {where}; build them with `statelink demo --no-serve`"
            )
        store = cls(state, engine_for(where))
        if not isinstance(where, Path):
            store.create_schema()
        return store

    def create_schema(self) -> None:
        try:
            migrate(self._engine, "records", list(metadata.tables))
        except sa.exc.SQLAlchemyError as e:
            raise StoreError(f"{self.state} records could not be opened: {type(e).__name__}") from e

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
        self._engine.dispose()

    # --- searches, one per message key ------------------------------------------

    def find(self, mke: str, fields: Mapping[str, str]) -> Found:
        """The records a message key finds, with the identities of everything released."""
        rows = self._rows(*search(mke, fields))
        if MESSAGE_KEYS[mke].dataset == "driver":
            drivers = [self._driver(row) for row in rows]
            if mke == "KQ":
                drivers = [
                    r.model_copy(update={"history": self._history(row["id"])})
                    for r, row in zip(drivers, rows, strict=True)
                ]
            return Found(drivers, [], [f"driver:{d.oln}" for d in drivers])
        subjects = []
        for row in rows:
            subjects += [f"vehicle:{row['vin']}", f"driver:{row['owner_oln']}"]
        return Found([], [self._vehicle(row) for row in rows], subjects)

    def find_drivers(self, mke: str, fields: Mapping[str, str]) -> list[DriverRecord]:
        """DQ, DNQ and KQ (KQ fills each record's history)."""
        return self.find(mke, fields).drivers

    def find_vehicles(self, mke: str, fields: Mapping[str, str]) -> list[VehicleRecord]:
        """RQ, RNQ and RPQ."""
        return self.find(mke, fields).vehicles

    # --- the state's administrative view -------------------------------------------

    def list_drivers(self, limit: int, offset: int = 0) -> list[DriverRecord]:
        query = sa.select(driver).order_by(_d.id).limit(limit).offset(offset)
        return [self._driver(row) for row in self._rows(query, {})]

    def list_vehicles(self, limit: int, offset: int = 0) -> list[VehicleRecord]:
        query = _VEHICLE.order_by(_v.id).limit(limit).offset(offset)
        return [self._vehicle(row) for row in self._rows(query, {})]

    def counts(self) -> dict[str, int]:
        return {
            table.name: self._rows(sa.select(sa.func.count().label("n")).select_from(table), {})[0][
                "n"
            ]
            for table in (driver, driver_event, vehicle)
        }

    # --- bulk load (the synthetic generator) ----------------------------------------

    def insert(self, rows: Tables) -> None:
        """Insert rows per table, in one transaction, parents first."""
        with self._engine.begin() as conn:
            for table, batch in (
                (driver, rows["driver"]),
                (driver_event, rows["driver_event"]),
                (vehicle, rows["vehicle"]),
            ):
                if batch:
                    conn.execute(table.insert(), list(batch))

    # --- internals --------------------------------------------------------------

    def _reader(self) -> sa.Connection:
        """This thread's read connection, opened once and kept (autocommit: no snapshot held)."""
        conn: sa.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            self._local.conn = conn
        return conn

    def _rows(self, query: sa.Executable, params: Params) -> list[RowMapping]:
        try:
            return list(self._reader().execute(query, params).mappings())
        except sa.exc.SQLAlchemyError as e:
            raise StoreError(f"{self.state} records search failed: {e.__class__.__name__}") from e

    def _history(self, driver_id: int) -> list[DriverEvent]:
        return [
            DriverEvent(
                date=row["date"].isoformat(),
                kind=row["kind"],
                code=row["code"],
                description=row["description"],
            )
            for row in self._rows(_EVENTS, {"driver_id": driver_id})
        ]

    def _address(self, row: RowMapping) -> Address:
        return Address(street=row["street"], city=row["city"], state=self._postal, zip=row["zip"])

    def _driver(self, row: RowMapping) -> DriverRecord:
        return DriverRecord(
            state=self.state,
            oln=row["oln"],
            name=_full_name(row["last"], row["first"], row["middle"]),
            dob=row["dob"],
            sex=row["sex"],
            address=self._address(row),
            height_in=row["height_in"],
            eyes=row["eyes"],
            license_class=row["license_class"],
            status=row["status"],
            restrictions=row["restrictions"],
            issued=_iso(row["issued"]),
            expires=_iso(row["expires"]),
        )

    def _vehicle(self, row: RowMapping) -> VehicleRecord:
        return VehicleRecord(
            state=self.state,
            plate=row["plate"],
            plate_year=row["plate_year"],
            plate_type=row["plate_type"],
            vin=row["vin"],
            make=row["make"],
            model=row["model"],
            year=row["year"],
            color=row["color"],
            owner_name=_full_name(row["owner_last"], row["owner_first"], row["owner_middle"]),
            owner_address=self._address(row),
        )


def _full_name(last: str, first: str, middle: str) -> str:
    return f"{last}, {first} {middle}".rstrip()


def _iso(value: dt.date) -> str:
    return value.isoformat()
