"""One state's record store: every search of contract 1, on a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from statelink.messages import Message
from statelink.nation import Layout, open_records
from statelink.records import MAX_RECORDS, RecordStore
from statelink.records.store import search


@pytest.fixture
def wa(layout: Layout) -> Iterator[RecordStore]:
    store = open_records(layout, "WA")
    yield store
    store.close()


def _fields(mke: str, fields: dict[str, str], dest: str = "WA") -> dict[str, str]:
    """Search fields as the message model normalises them."""
    message = Message.parse(
        {"mke": mke, "ori": "NY0303000", "dest": [dest], "purpose": "C", "fields": fields}
    )
    return message.fields


def test_driver_by_licence_number(wa: RecordStore) -> None:
    driver = wa.list_drivers(1)[0]
    (found,) = wa.find_drivers("DQ", _fields("DQ", {"OLN": driver.oln}))
    assert found == driver
    assert found.state == "WA"
    assert found.address.state == "WA"
    assert wa.find_drivers("DQ", _fields("DQ", {"OLN": "WDLNOSUCH000"})) == []


def test_driver_by_name_and_dob_with_optional_sex_and_middle(wa: RecordStore) -> None:
    driver = wa.list_drivers(1)[0]
    last_first = driver.name.rsplit(" ", 1)[0] if driver.name.count(" ") > 1 else driver.name
    hits = wa.find_drivers("DQ", _fields("DQ", {"NAM": driver.name, "DOB": driver.dob}))
    assert driver in hits
    with_sex = {"NAM": last_first, "DOB": driver.dob, "SEX": driver.sex}
    assert driver in wa.find_drivers("DQ", _fields("DQ", with_sex))
    other_sex = "F" if driver.sex == "M" else "M"
    with_other = {"NAM": last_first, "DOB": driver.dob, "SEX": other_sex}
    assert driver not in wa.find_drivers("DQ", _fields("DQ", with_other))


def test_driver_history_for_kq(wa: RecordStore) -> None:
    driver = wa.list_drivers(1)[0]
    (found,) = wa.find_drivers("KQ", _fields("KQ", {"OLN": driver.oln}))
    assert found.history
    assert found.history[0].kind == "ISSUED"
    assert [e.date for e in found.history] == sorted(e.date for e in found.history)
    assert wa.find_drivers("DQ", _fields("DQ", {"OLN": driver.oln}))[0].history == []


def test_name_only_search_finds_everyone_with_that_name(wa: RecordStore) -> None:
    drivers = wa.list_drivers(400)
    driver = drivers[0]
    last, first = driver.name.split(", ")[0], driver.name.split(", ")[1].split(" ")[0]
    expected = {
        d.oln
        for d in drivers
        if d.name.split(", ")[0] == last and d.name.split(", ")[1].split(" ")[0] == first
    }
    found = wa.find_drivers("DNQ", _fields("DNQ", {"NAM": f"{last}, {first}"}))
    assert expected <= {d.oln for d in found}


def test_vehicle_by_plate_vin_and_owner(wa: RecordStore) -> None:
    vehicle = wa.list_vehicles(1)[0]
    assert wa.find_vehicles("RQ", _fields("RQ", {"LIC": vehicle.plate})) == [vehicle]
    typed = {"LIC": vehicle.plate, "LIT": vehicle.plate_type, "LIY": str(vehicle.plate_year)}
    assert wa.find_vehicles("RQ", _fields("RQ", typed)) == [vehicle]
    wrong_year = {"LIC": vehicle.plate, "LIY": str(vehicle.plate_year - 5)}
    assert wa.find_vehicles("RQ", _fields("RQ", wrong_year)) == []
    assert wa.find_vehicles("RQ", _fields("RQ", {"VIN": vehicle.vin})) == [vehicle]
    owned = wa.find_vehicles("RNQ", _fields("RNQ", {"NAM": vehicle.owner_name}))
    assert vehicle in owned


@pytest.mark.parametrize("shape", ["prefix", "suffix", "middle", "single"])
def test_partial_plate_wildcards(wa: RecordStore, shape: str) -> None:
    plates = {v.plate for v in wa.list_vehicles(10_000) if len(v.plate) == 7}
    plate = sorted(plates)[3]
    pattern = {
        "prefix": plate[:4] + "*",
        "suffix": "*" + plate[-4:],
        "middle": "*" + plate[2:5] + "*",
        "single": plate[:3] + "?" + plate[4:],
    }[shape]
    found = {v.plate for v in wa.find_vehicles("RPQ", _fields("RPQ", {"LIC": pattern}))}
    assert plate in found
    regex = pattern.replace("*", ".*").replace("?", ".")
    import re

    assert all(re.fullmatch(regex, p) for p in found)
    expected = {p for p in plates if re.fullmatch(regex, p)}
    assert expected <= found or len(found) == MAX_RECORDS


EXACT_SEARCHES = [
    ("DQ", {"OLN": "WDL000000000"}, "driver", "ix_driver_oln"),
    ("KQ", {"OLN": "WDL000000000"}, "driver", "ix_driver_oln"),
    ("DQ", {"NAM": "SMITH, JOHN", "DOB": "19800101"}, "driver", "ix_driver_name"),
    ("DNQ", {"NAM": "SMITH, JOHN"}, "driver", "ix_driver_name"),
    ("RQ", {"LIC": "ABC1234"}, "vehicle", "ix_vehicle_plate"),
    ("RQ", {"LIC": "ABC1234", "LIT": "PC", "LIY": "2026"}, "vehicle", "ix_vehicle_plate"),
    ("RQ", {"VIN": "1M8GDM9AXKP042788"}, "vehicle", "ix_vehicle_vin"),
    ("RNQ", {"NAM": "SMITH, JOHN"}, "vehicle", "ix_vehicle_owner"),
    ("RPQ", {"LIC": "ABC*"}, "vehicle", "ix_vehicle_plate"),
    ("RPQ", {"LIC": "*1234"}, "vehicle", "ix_vehicle_plate_rev"),
]


@pytest.mark.parametrize(("mke", "fields", "table", "index"), EXACT_SEARCHES)
def test_searches_use_an_index_never_a_table_scan(
    wa: RecordStore, layout: Layout, mke: str, fields: dict[str, str], table: str, index: str
) -> None:
    statement, params = search(mke, _fields(mke, fields))
    engine = sa.create_engine(f"sqlite:///{layout.records('WA')}")
    sql = str(statement.params(**params).compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        plan = " | ".join(row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    engine.dispose()
    assert f"SEARCH {table} USING" in plan, plan
    assert index in plan, plan
    assert f"SCAN {table}" not in plan, plan


def test_admin_view_pages_and_counts(wa: RecordStore) -> None:
    first = wa.list_drivers(5)
    assert wa.list_drivers(2, offset=3) == first[3:5]
    counts = wa.counts()
    assert counts["driver"] == 385
    assert counts["vehicle"] == 327
    assert counts["driver_event"] >= counts["driver"]
