"""A resident's access report finds every access to their record by keyed hash."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from statelink.audit.lookup import LookupKind
from statelink.embedded import EmbeddedNetwork
from statelink.errors import UsageError
from statelink.messages import decode
from statelink.messages.response import VehicleRecord
from statelink.nation import Layout, open_audit, open_records
from statelink.notices.names import display_name
from statelink.reports.resident import (
    ResidentReport,
    accesses,
    accesses_of,
    letter,
    letter_pdf,
    lines,
    subject,
)
from statelink.reports.sources import refreshed
from tests.conftest import copy_nation, records_of


def test_every_access_and_only_those(layout: Layout, tmp_path: Path) -> None:
    own = copy_nation(layout, tmp_path / "nation")

    async def send() -> tuple[str, str]:
        async with EmbeddedNetwork.open(own) as network:
            wa = network.nodes["WA"]
            drivers = records_of(wa).list_drivers(2)
            me, other = drivers[0].oln, drivers[1].oln
            for text in (
                f"DQ.NY0303000.WA.OLN/{me}.PUR/C.",
                f"KQ.ILCPD0000.WA.OLN/{me}.PUR/T.",
                f"DQ.NY0303000.WA.OLN/{other}.PUR/C.",
                f"DQ.WAICE0100.WA.OLN/{me}.PUR/I.",  # denied: nothing released, no access
            ):
                await network.hub.submit(decode(text))
            return me, other

    me, other = asyncio.run(send())
    _log, keys = open_audit(own, "WA")
    _log.close()
    table = refreshed(own, "WA")
    mine = accesses(table, keys, me.lower(), agencies={"NY0303000": "NYPD"})
    assert [(r["ori"], r["mke"], r["purpose"], r["status"]) for r in mine] == [
        ("NY0303000", "DQ", "C", "HIT"),
        ("ILCPD0000", "KQ", "T", "HIT"),
    ]
    assert mine[0]["agency"] == "NYPD"
    assert [r["ori"] for r in accesses(table, keys, other)] == ["NY0303000"]
    assert accesses(table, keys, "NOSUCHLICENCE") == []
    parquet = b"".join(p.read_bytes() for _, _, p in table.parts())
    assert me.encode() not in parquet  # the copy holds hashes, never the number


def test_a_look_up_by_plate_or_licence_and_its_letter(layout: Layout, tmp_path: Path) -> None:
    own = copy_nation(layout, tmp_path / "nation")

    async def send() -> VehicleRecord:
        async with EmbeddedNetwork.open(own) as network:
            car = records_of(network.nodes["WA"]).list_vehicles(3)[2]
            for text in (
                f"RQ.NY0303000.WA.LIC/{car.plate}.PUR/T.",
                f"DQ.ILCPD0000.WA.NAM/{car.owner_name}.DOB/19000101.PUR/C.",  # no such driver
            ):
                await network.hub.submit(decode(text))
            return car

    car = asyncio.run(send())
    _log, keys = open_audit(own, "WA")
    _log.close()
    table = refreshed(own, "WA")
    records = open_records(own, "WA")
    try:
        by_plate = subject(records, keys, LookupKind.PLATE, car.plate)
        nobody = subject(records, keys, LookupKind.PLATE, "NOSUCH1")
        owner_oln = records.find("RQ", {"VIN": car.vin}).subjects[1].removeprefix("driver:")
        by_licence = subject(records, keys, LookupKind.LICENCE, owner_oln)
    finally:
        records.close()
    assert by_plate.hashes == (keys.hash(f"vehicle:{car.vin}"),)
    assert by_plate.resident is not None
    assert by_plate.resident.name == car.owner_name
    assert (nobody.hashes, nobody.resident, nobody.vehicles) == ((), None, ())
    assert accesses_of(table, nobody.hashes) == []
    found = accesses_of(table, by_plate.hashes, agencies={"NY0303000": "NYPD"})
    assert [(a["ori"], a["mke"], a["dataset"], a["agency"]) for a in found] == [
        ("NY0303000", "RQ", "WA/vehicle", "NYPD")
    ]
    assert found == accesses_of(table, by_licence.hashes, agencies={"NY0303000": "NYPD"})
    assert found[0]["policies"] == ["cj-access"]

    made = ResidentReport(
        "WA", LookupKind.PLATE, car.plate, by_plate, lines(own, "WA", found),
        None, 7, dt.date(2026, 3, 4),
    )  # fmt: skip
    (line,) = made.lines
    assert [r.id for r in line.rules] == ["cj-access"]
    assert line.unexplained == ()
    written = letter(made, None)
    assert written.salutation == f"Dear {display_name(car.owner_name)},"
    assert written.date == "March 4, 2026"
    assert f"plate {car.plate}" in written.opening[0]
    assert written.opening[1] == "Our audit log records 1 release of it, oldest first:"
    (item,) = written.items
    assert item.heading.endswith("NYPD (agency identifier NY0303000)")
    assert item.lines[0].endswith("for a traffic stop or another roadside check. We released it.")
    assert item.lines[1].startswith("Why the law allowed it: Criminal-justice agencies may")
    assert written.contact == ("Washington has not set its contact details for these letters yet.",)
    assert written.reference.endswith("record 7 of WA's audit log.")
    assert letter_pdf(written).startswith(b"%PDF-1.4")
    with pytest.raises(UsageError):
        letter(replace(made, subject=nobody), None)
