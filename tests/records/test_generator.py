"""The synthetic generator: deterministic, sized by population, realistic and unique keys."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from faker.providers.address.en_US import Provider as AddressData

from statelink.directory.crosswalk import cities
from statelink.records.formats import vin_is_valid
from statelink.records.generator import Spec, generate, shared_plates
from statelink.states import STATES

SPEC = Spec(scale=0.0001, seed=11, as_of=dt.date(2026, 1, 1))


def test_same_spec_gives_the_same_records_and_another_seed_does_not() -> None:
    assert generate("VT", SPEC) == generate("VT", SPEC)
    other = Spec(scale=SPEC.scale, seed=12, as_of=SPEC.as_of)
    assert generate("VT", other)["driver"] != generate("VT", SPEC)["driver"]


def test_sizes_follow_population_times_scale() -> None:
    rows = generate("WA", SPEC)
    assert len(rows["driver"]) == round(STATES["WA"].population * SPEC.scale) == 771
    assert len(rows["vehicle"]) == round(771 * 0.85)
    assert len(generate("WY", Spec(0.000001, 1, SPEC.as_of))["driver"]) == 10  # the minimum


def test_keys_are_unique_and_well_formed() -> None:
    rows = generate("CA", SPEC)
    olns = [d["oln"] for d in rows["driver"]]
    assert len(set(olns)) == len(olns)
    assert all(len(o) == 8 and o[0].isalpha() and o[1:].isdigit() for o in olns)
    vins = [v["vin"] for v in rows["vehicle"]]
    assert len(set(vins)) == len(vins)
    assert all(vin_is_valid(v) for v in vins)
    plates = [(v["plate"], v["plate_type"]) for v in rows["vehicle"]]
    assert len(set(plates)) == len(plates)
    assert all(v["plate_rev"] == v["plate"][::-1] for v in rows["vehicle"])


def test_residents_live_in_their_state() -> None:
    rows = generate("NB", SPEC)
    low, high = AddressData.states_postcode["NE"]
    places = {c.upper() for c in cities("NB")}
    for driver in rows["driver"]:
        assert low <= int(driver["zip"]) <= high
        assert driver["city"] in places


def test_drivers_are_plausible() -> None:
    rows = generate("TX", SPEC)
    for d in rows["driver"]:
        born = dt.datetime.strptime(d["dob"], "%Y%m%d").date()
        assert 15 <= (SPEC.as_of - born).days / 365.25 <= 93
        assert d["issued"] <= SPEC.as_of <= d["expires"] or d["status"] == "EXPIRED"
        assert d["sex"] in "MFX"
    statuses = Counter(d["status"] for d in rows["driver"])
    assert statuses["VALID"] > 0.8 * len(rows["driver"])
    kinds = Counter(e["kind"] for e in rows["driver_event"])
    assert kinds["ISSUED"] == len(rows["driver"])
    assert all(v["year"] >= 2020 for v in rows["vehicle"] if v["model"] == "MODEL Y")
    owners = {v["owner_id"] for v in rows["vehicle"]}
    assert owners <= {d["id"] for d in rows["driver"]}


def test_shared_plates_recur_across_states() -> None:
    plate = shared_plates(SPEC.seed)[0]
    holders = [
        s
        for s in ("CA", "TX", "FL", "NY", "PA", "IL", "OH", "GA")
        if any(v["plate"] == plate for v in generate(s, SPEC)["vehicle"])
    ]
    assert len(holders) >= 2
