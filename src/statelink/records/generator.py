"""Deterministic synthetic residents and vehicles for one state.

The same seed, scale and as-of date give the same records on any machine: each state
draws from its own ``random.Random`` seeded with the seed and the state code. Names come
from Faker's US name frequency tables, cities are real places of the state (from the
packaged crosswalk), ZIP codes fall in the state's ranges.

Sizes: ``population × scale`` residents, each holding a licence, and 0.85 vehicles per
resident (about the US ratio of registered vehicles to people), at least 10 of each.

A small pool of plate numbers is shared across states on purpose (the same number is
issued by many states, as happens on real plates), so a nationwide plate query finds
hits in several states.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict

from faker.providers.address.en_US import Provider as AddressData
from faker.providers.person.en_US import Provider as PersonData

from statelink.directory.crosswalk import cities
from statelink.records.formats import LICENCE_FORMATS, fill, make_vin, plate_format
from statelink.states import STATES

VEHICLES_PER_RESIDENT = 0.85
MINIMUM = 10
SHARED_PLATES = 12
SHARED_PLATE_CHANCE = 0.35
LICENCE_YEARS = 8

# make, model, plate type, WMI, weight
MODELS: tuple[tuple[str, str, str, str, int], ...] = (
    ("TOYOTA", "CAMRY", "PC", "4T1", 8),
    ("TOYOTA", "COROLLA", "PC", "2T1", 7),
    ("TOYOTA", "RAV4", "PC", "2T3", 8),
    ("TOYOTA", "TACOMA", "TK", "3TM", 4),
    ("HONDA", "CIVIC", "PC", "2HG", 7),
    ("HONDA", "ACCORD", "PC", "1HG", 6),
    ("HONDA", "CR-V", "PC", "5J6", 7),
    ("FORD", "F-150", "TK", "1FT", 10),
    ("FORD", "ESCAPE", "PC", "1FM", 5),
    ("FORD", "EXPLORER", "PC", "1FM", 5),
    ("FORD", "MUSTANG", "PC", "1FA", 2),
    ("CHEVROLET", "SILVERADO", "TK", "1GC", 8),
    ("CHEVROLET", "MALIBU", "PC", "1G1", 4),
    ("CHEVROLET", "EQUINOX", "PC", "2GN", 6),
    ("NISSAN", "ALTIMA", "PC", "1N4", 5),
    ("NISSAN", "ROGUE", "PC", "5N1", 6),
    ("TESLA", "MODEL 3", "PC", "5YJ", 3),
    ("TESLA", "MODEL Y", "PC", "7SA", 3),
    ("JEEP", "WRANGLER", "PC", "1C4", 4),
    ("JEEP", "GRAND CHEROKEE", "PC", "1C4", 4),
    ("RAM", "1500", "TK", "1C6", 6),
    ("SUBARU", "OUTBACK", "PC", "4S4", 4),
    ("SUBARU", "FORESTER", "PC", "JF2", 3),
    ("HYUNDAI", "ELANTRA", "PC", "5NP", 4),
    ("HYUNDAI", "TUCSON", "PC", "5NM", 4),
    ("KIA", "SORENTO", "PC", "5XY", 3),
    ("HARLEY-DAVIDSON", "STREET GLIDE", "MC", "1HD", 2),
    ("HONDA", "CBR600RR", "MC", "JH2", 1),
    ("BIG TEX", "UTILITY TRAILER", "TL", "16V", 2),
    ("FREIGHTLINER", "CASCADIA", "CO", "3AK", 1),
)
FIRST_MODEL_YEAR = {
    "MODEL 3": 2017,
    "MODEL Y": 2020,
    "ROGUE": 2008,
    "TUCSON": 2005,
    "SORENTO": 2003,
    "CASCADIA": 2008,
    "CR-V": 1997,
    "RAV4": 1996,
}
COLORS = {
    "WHI": 25,
    "BLK": 20,
    "GRY": 18,
    "SIL": 12,
    "BLU": 9,
    "RED": 9,
    "GRN": 2,
    "BRO": 2,
    "TAN": 1,
    "GLD": 1,
    "MAR": 1,
}
EYES = {"BRO": 45, "BLU": 27, "HAZ": 18, "GRN": 9, "GRY": 1}
CLASSES = {"C": 93, "M": 3, "A": 2, "B": 2}
STATUSES = {"VALID": 940, "SUSPENDED": 40, "REVOKED": 15, "CANCELLED": 5}
CONVICTIONS = (
    ("S93", "SPEEDING 1-10 OVER LIMIT"),
    ("S94", "SPEEDING 11-20 OVER LIMIT"),
    ("S95", "SPEEDING 21+ OVER LIMIT"),
    ("M14", "FAILURE TO OBEY TRAFFIC SIGNAL"),
    ("M20", "FAILURE TO YIELD RIGHT OF WAY"),
    ("U07", "USING HANDHELD DEVICE"),
    ("D45", "NO PROOF OF INSURANCE"),
)


class Address(TypedDict):
    street: str
    city: str
    zip: str


class DriverRow(Address):
    """A row of the ``driver`` table."""

    id: int
    oln: str
    last: str
    first: str
    middle: str
    dob: str  # CCYYMMDD
    sex: str
    height_in: int
    eyes: str
    license_class: str
    status: str
    restrictions: str
    issued: dt.date
    expires: dt.date


class EventRow(TypedDict):
    """A row of the ``driver_event`` table."""

    driver_id: int
    date: dt.date
    kind: str
    code: str
    description: str


class VehicleRow(Address):
    """A row of the ``vehicle`` table."""

    plate: str
    plate_rev: str  # the plate reversed, for *SUFFIX searches
    plate_year: int
    plate_type: str
    vin: str
    make: str
    model: str
    year: int
    color: str
    owner_id: int
    owner_last: str
    owner_first: str
    owner_middle: str


class Tables(TypedDict):
    """A state's records, by table."""

    driver: list[DriverRow]
    driver_event: list[EventRow]
    vehicle: list[VehicleRow]


@dataclass(frozen=True)
class Spec:
    """What a nation is built from; the same spec always gives the same records."""

    scale: float
    seed: int
    as_of: dt.date

    def residents(self, state: str) -> int:
        return max(MINIMUM, round(STATES[state].population * self.scale))

    def vehicles(self, state: str) -> int:
        return max(MINIMUM, round(self.residents(state) * VEHICLES_PER_RESIDENT))


def _table(weights: dict[str, int] | dict[str, float]) -> tuple[list[str], list[float]]:
    keys = list(weights)
    return keys, list(itertools.accumulate(weights[k] for k in keys))


_MALE = _table({k.upper(): v for k, v in PersonData.first_names_male.items()})
_FEMALE = _table({k.upper(): v for k, v in PersonData.first_names_female.items()})
_LAST = _table({k.upper(): v for k, v in PersonData.last_names.items()})
_SUFFIXES = [s.upper() for s in AddressData.street_suffixes]
_MODEL_WEIGHTS = list(itertools.accumulate(m[4] for m in MODELS))


def shared_plates(seed: int) -> list[str]:
    rng = random.Random(f"{seed}:shared-plates")
    return [fill("@@@####", rng) for _ in range(SHARED_PLATES)]


class _StateDraw:
    """All the random draws for one state, in a fixed order."""

    def __init__(self, state: str, spec: Spec) -> None:
        self.state = state
        self.spec = spec
        self.rng = random.Random(f"{spec.seed}:{state}")
        self.cities = cities(state) or (STATES[state].name,)
        self.zip_range = AddressData.states_postcode[STATES[state].postal]

    def pick(self, table: tuple[list[str], list[float]]) -> str:
        return self.rng.choices(table[0], cum_weights=table[1])[0]

    def weighted(self, weights: dict[str, int]) -> str:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def address(self) -> Address:
        rng = self.rng
        street_name = self.pick(_LAST if rng.random() < 0.6 else _MALE)
        direction = rng.choice(("N ", "S ", "E ", "W ")) if rng.random() < 0.15 else ""
        return {
            "street": f"{rng.randrange(1, 20000)} {direction}{street_name} {rng.choice(_SUFFIXES)}",
            "city": rng.choice(self.cities).upper(),
            "zip": f"{rng.randint(*self.zip_range):05d}",
        }

    def date_between(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randrange(max(1, (end - start).days)))


def generate(state: str, spec: Spec) -> Tables:
    """Rows for the ``driver``, ``driver_event`` and ``vehicle`` tables of one state."""
    draw = _StateDraw(state, spec)
    drivers, events = _drivers(draw)
    vehicles = _vehicles(draw, drivers)
    return {"driver": drivers, "driver_event": events, "vehicle": vehicles}


def _drivers(draw: _StateDraw) -> tuple[list[DriverRow], list[EventRow]]:
    rng, as_of = draw.rng, draw.spec.as_of
    licence_format = LICENCE_FORMATS[draw.state]
    seen: set[str] = set()
    drivers: list[DriverRow] = []
    events: list[EventRow] = []
    for driver_id in range(1, draw.spec.residents(draw.state) + 1):
        oln = fill(licence_format, rng)
        while oln in seen:
            oln = fill(licence_format, rng)
        seen.add(oln)
        sex = draw.weighted({"M": 49, "F": 50, "X": 1})
        names = _MALE if sex == "M" or (sex == "X" and rng.random() < 0.5) else _FEMALE
        age_days = int(rng.triangular(16, 92, 38) * 365.25)
        born = as_of - dt.timedelta(days=age_days)
        issued = draw.date_between(
            as_of - dt.timedelta(days=int(LICENCE_YEARS * 365.25 + 120)), as_of
        )
        issued = max(issued, born + dt.timedelta(days=16 * 366))
        expires = dt.date(issued.year + LICENCE_YEARS, issued.month, min(issued.day, 28))
        status = "EXPIRED" if expires < as_of else draw.weighted(STATUSES)
        height = rng.gauss(69 if sex == "M" else 64, 3)
        drivers.append(
            {
                "id": driver_id,
                "oln": oln,
                "last": draw.pick(_LAST),
                "first": draw.pick(names),
                "middle": draw.pick(names) if rng.random() < 0.75 else "",
                "dob": born.strftime("%Y%m%d"),
                "sex": sex,
                **draw.address(),
                "height_in": min(80, max(56, round(height))),
                "eyes": draw.weighted(EYES),
                "license_class": draw.weighted(CLASSES),
                "status": status,
                "restrictions": "B" if rng.random() < 0.35 else "",
                "issued": issued,
                "expires": expires,
            }
        )
        events.extend(_history(draw, driver_id, born, issued, status))
    return drivers, events


def _history(
    draw: _StateDraw, driver_id: int, born: dt.date, issued: dt.date, status: str
) -> list[EventRow]:
    rng = draw.rng
    first_licensed = min(issued, born + dt.timedelta(days=int(rng.uniform(16, 25) * 365.25)))
    history = [(first_licensed, "ISSUED", "", "ORIGINAL LICENCE ISSUED")]
    if issued > first_licensed:
        history.append((issued, "RENEWED", "", "LICENCE RENEWED"))
    for _ in range(rng.choices((0, 1, 2, 3), weights=(70, 20, 7, 3))[0]):
        code, text = rng.choice(CONVICTIONS)
        history.append(
            (draw.date_between(first_licensed, draw.spec.as_of), "CONVICTION", code, text)
        )
    if rng.random() < 0.1:
        history.append(
            (draw.date_between(first_licensed, draw.spec.as_of), "ACCIDENT", "", "REPORTABLE CRASH")
        )
    if status in ("SUSPENDED", "REVOKED"):
        when = draw.date_between(issued, draw.spec.as_of)
        if status == "REVOKED":
            history.append((when, "CONVICTION", "A21", "DRIVING UNDER THE INFLUENCE"))
        history.append(
            (when, "SUSPENSION" if status == "SUSPENDED" else "REVOCATION", "", f"LICENCE {status}")
        )
    return [
        {"driver_id": driver_id, "date": date, "kind": kind, "code": code, "description": text}
        for date, kind, code, text in sorted(history)
    ]


def _vehicles(draw: _StateDraw, drivers: Sequence[DriverRow]) -> list[VehicleRow]:
    rng, as_of = draw.rng, draw.spec.as_of
    shared = [p for p in shared_plates(draw.spec.seed) if rng.random() < SHARED_PLATE_CHANCE]
    plates: set[tuple[str, str]] = set()
    vins: set[str] = set()
    vehicles: list[VehicleRow] = []
    for _ in range(draw.spec.vehicles(draw.state)):
        make, model, plate_type, wmi, _w = rng.choices(MODELS, cum_weights=_MODEL_WEIGHTS)[0]
        year = min(as_of.year + 1, as_of.year - int(rng.expovariate(1 / 8)))
        year = max(year, FIRST_MODEL_YEAR.get(model, 1990))
        plate = shared.pop() if shared and plate_type == "PC" else ""
        while not plate or (plate, plate_type) in plates:
            plate = fill(plate_format(draw.state, plate_type), rng)
        plates.add((plate, plate_type))
        vin = make_vin(wmi, year, rng)
        while vin in vins:
            vin = make_vin(wmi, year, rng)
        vins.add(vin)
        owner = rng.choice(drivers)
        vehicles.append(
            {
                "plate": plate,
                "plate_rev": plate[::-1],
                "plate_year": as_of.year + rng.choice((0, 0, 1)),
                "plate_type": plate_type,
                "vin": vin,
                "make": make,
                "model": model,
                "year": year,
                "color": draw.weighted(COLORS),
                "owner_id": owner["id"],
                "owner_last": owner["last"],
                "owner_first": owner["first"],
                "owner_middle": owner["middle"],
                "street": owner["street"],
                "city": owner["city"],
                "zip": owner["zip"],
            }
        )
    return vehicles
