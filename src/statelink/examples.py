"""Example messages that work against a built nation: what the demo prints for a new user."""

from __future__ import annotations

from dataclasses import dataclass

from statelink.nation import Layout, open_records, require_manifest
from statelink.provision import LAPSED_YESTERDAY
from statelink.records.generator import shared_plates

NYPD = "NY0303000"  # New York City Police Department, a real ORI from the crosswalk
HSI_SEATTLE = "WAHSI0100"  # HSI Seattle Special Agent in Charge (ORI made up, office real)


@dataclass(frozen=True)
class Example:
    title: str
    message: str  # one-line text form
    expect: str = "HIT"  # the status WA (or some state) answers with


def examples(layout: Layout) -> list[Example]:
    """Messages built from records actually in this nation (WA and a nationwide plate)."""
    manifest = require_manifest(layout)
    store = open_records(layout, "WA")
    try:
        driver = next(d for d in store.list_drivers(200) if d.status == "VALID")
        vehicle = store.list_vehicles(1)[0]
    finally:
        store.close()
    plate = shared_plates(manifest.seed)[0]
    return [
        Example("a WA driver by licence number", f"DQ.{NYPD}.WA.OLN/{driver.oln}.PUR/C.OFF/1299."),
        Example("the same driver's history", f"KQ.{NYPD}.WA.OLN/{driver.oln}.PUR/C."),
        Example(
            "by name and date of birth", f"DQ.{NYPD}.WA.NAM/{driver.name}.DOB/{driver.dob}.PUR/T."
        ),
        Example("a plate in every state (NL)", f"RQ.{NYPD}.NL.LIC/{plate}.PUR/C."),
        Example("a WA vehicle by VIN", f"RQ.{NYPD}.WA.VIN/{vehicle.vin}.PUR/C."),
        Example("a partial plate in WA", f"RPQ.{NYPD}.WA.LIC/{vehicle.plate[:4]}*.PUR/C."),
        Example("a name in three states", f"DNQ.{NYPD}.WA,OR,ID.NAM/SMITH, JAMES.PUR/C."),
        Example(
            "HSI, a human-trafficking case, no warrant: held for WA's review",
            f"DQ.{HSI_SEATTLE}.WA.OLN/{driver.oln}.PUR/C.OFF/6499.CAS/26-0042.",
            "HELD",
        ),
        Example(
            "Houston police, whose WA certification lapsed yesterday: refused",
            f"DQ.{LAPSED_YESTERDAY}.WA.OLN/{driver.oln}.PUR/C.",
            "DENIED",
        ),
    ]
