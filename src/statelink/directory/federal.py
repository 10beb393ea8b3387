"""Federal components on the network, with plausible ORIs.

A federal ORI starts with the state where the office sits (``VTICE0900`` is ICE's Law
Enforcement Support Center in Williston, VT), then a 3-letter component code and four
digits. The offices are real; the ORIs other than ``VTICE0900`` are made up by this
project following that rule, because real federal ORIs are not published.

Groups: every office is in ``federal``, its department (``dhs``, ``doj``) and its
component (``ice``, ``hsi``, ``cbp``, ...). HSI is a directorate of ICE, so HSI offices
are in ``ice`` too. ``immigration-enforcement`` holds the agencies whose main task is
immigration enforcement: ICE (ERO, the LESC and HSI) and CBP, which MA's rule names.
"""

from __future__ import annotations

from dataclasses import dataclass

from statelink.directory.agency import Agency


@dataclass(frozen=True)
class Component:
    code: str  # component label in the directory
    prefix: str  # 3 letters in the ORI
    department: str
    title: str  # "ICE ERO {city} Field Office"
    groups: tuple[str, ...]
    offices: tuple[tuple[str, str], ...]  # (state, city)


IMMIGRATION = "immigration-enforcement"
"""The group of agencies that primarily enforce immigration law."""
_IMMIGRATION = (IMMIGRATION,)

COMPONENTS: tuple[Component, ...] = (
    Component(
        "ICE",
        "ICE",
        "DHS",
        "ICE ERO {city} Field Office",
        ("federal", "dhs", "ice", *_IMMIGRATION),
        (
            ("GA", "Atlanta"),
            ("MD", "Baltimore"),
            ("MA", "Boston"),
            ("NY", "Buffalo"),
            ("IL", "Chicago"),
            ("TX", "Dallas"),
            ("CO", "Denver"),
            ("MI", "Detroit"),
            ("TX", "El Paso"),
            ("TX", "Harlingen"),
            ("TX", "Houston"),
            ("CA", "Los Angeles"),
            ("FL", "Miami"),
            ("NJ", "Newark"),
            ("LA", "New Orleans"),
            ("NY", "New York City"),
            ("PA", "Philadelphia"),
            ("AZ", "Phoenix"),
            ("UT", "Salt Lake City"),
            ("TX", "San Antonio"),
            ("CA", "San Diego"),
            ("CA", "San Francisco"),
            ("WA", "Seattle"),
            ("MN", "St. Paul"),
            ("VA", "Washington"),
        ),
    ),
    Component(
        "HSI",
        "HSI",
        "DHS",
        "HSI {city} Special Agent in Charge",
        ("federal", "dhs", "ice", "hsi", *_IMMIGRATION),
        (
            ("GA", "Atlanta"),
            ("MD", "Baltimore"),
            ("MA", "Boston"),
            ("NY", "Buffalo"),
            ("IL", "Chicago"),
            ("TX", "Dallas"),
            ("CO", "Denver"),
            ("MI", "Detroit"),
            ("TX", "El Paso"),
            ("HI", "Honolulu"),
            ("TX", "Houston"),
            ("CA", "Los Angeles"),
            ("FL", "Miami"),
            ("NJ", "Newark"),
            ("LA", "New Orleans"),
            ("NY", "New York"),
            ("PA", "Philadelphia"),
            ("AZ", "Phoenix"),
            ("TX", "San Antonio"),
            ("CA", "San Diego"),
            ("CA", "San Francisco"),
            ("WA", "Seattle"),
            ("MN", "St. Paul"),
            ("FL", "Tampa"),
            ("DC", "Washington"),
        ),
    ),
    Component(
        "CBP",
        "CBP",
        "DHS",
        "CBP {city}",
        ("federal", "dhs", "cbp", *_IMMIGRATION),
        (
            ("WA", "Blaine Sector"),
            ("WA", "Spokane Sector"),
            ("MT", "Havre Sector"),
            ("ND", "Grand Forks Sector"),
            ("MI", "Detroit Sector"),
            ("NY", "Buffalo Sector"),
            ("VT", "Swanton Sector"),
            ("ME", "Houlton Sector"),
            ("FL", "Miami Sector"),
            ("LA", "New Orleans Sector"),
            ("CA", "San Diego Sector"),
            ("CA", "El Centro Sector"),
            ("AZ", "Yuma Sector"),
            ("AZ", "Tucson Sector"),
            ("TX", "El Paso Sector"),
            ("TX", "Big Bend Sector"),
            ("TX", "Del Rio Sector"),
            ("TX", "Laredo Sector"),
            ("TX", "Rio Grande Valley Sector"),
            ("DC", "Office of Field Operations"),
        ),
    ),
    Component(
        "FBI",
        "FBI",
        "DOJ",
        "FBI {city} Field Office",
        ("federal", "doj", "fbi"),
        (
            ("GA", "Atlanta"),
            ("MD", "Baltimore"),
            ("MA", "Boston"),
            ("IL", "Chicago"),
            ("OH", "Cleveland"),
            ("TX", "Dallas"),
            ("CO", "Denver"),
            ("MI", "Detroit"),
            ("TX", "Houston"),
            ("CA", "Los Angeles"),
            ("FL", "Miami"),
            ("WI", "Milwaukee"),
            ("MN", "Minneapolis"),
            ("NJ", "Newark"),
            ("LA", "New Orleans"),
            ("NY", "New York"),
            ("PA", "Philadelphia"),
            ("AZ", "Phoenix"),
            ("PA", "Pittsburgh"),
            ("OR", "Portland"),
            ("UT", "Salt Lake City"),
            ("CA", "San Diego"),
            ("CA", "San Francisco"),
            ("WA", "Seattle"),
            ("MO", "St. Louis"),
            ("DC", "Washington"),
            ("NV", "Las Vegas"),
        ),
    ),
    Component(
        "DEA",
        "DEA",
        "DOJ",
        "DEA {city} Division",
        ("federal", "doj", "dea"),
        (
            ("GA", "Atlanta"),
            ("MA", "New England"),
            ("IL", "Chicago"),
            ("TX", "Dallas"),
            ("CO", "Rocky Mountain"),
            ("MI", "Detroit"),
            ("TX", "El Paso"),
            ("TX", "Houston"),
            ("CA", "Los Angeles"),
            ("FL", "Miami"),
            ("NJ", "New Jersey"),
            ("LA", "New Orleans"),
            ("NY", "New York"),
            ("PA", "Philadelphia"),
            ("AZ", "Phoenix"),
            ("CA", "San Diego"),
            ("CA", "San Francisco"),
            ("WA", "Seattle"),
            ("MO", "St. Louis"),
            ("DC", "Washington"),
        ),
    ),
    Component(
        "USMS",
        "USM",
        "DOJ",
        "U.S. Marshals Service, {city}",
        ("federal", "doj", "usms"),
        (
            ("AZ", "District of Arizona"),
            ("CA", "Central District of California"),
            ("CA", "Southern District of California"),
            ("FL", "Southern District of Florida"),
            ("GA", "Northern District of Georgia"),
            ("IL", "Northern District of Illinois"),
            ("MI", "Eastern District of Michigan"),
            ("NY", "Southern District of New York"),
            ("NY", "Eastern District of New York"),
            ("PA", "Eastern District of Pennsylvania"),
            ("TX", "Southern District of Texas"),
            ("TX", "Western District of Texas"),
            ("WA", "Western District of Washington"),
            ("OR", "District of Oregon"),
            ("CO", "District of Colorado"),
            ("VA", "Headquarters"),
        ),
    ),
    Component(
        "ATF",
        "ATF",
        "DOJ",
        "ATF {city} Field Division",
        ("federal", "doj", "atf"),
        (
            ("GA", "Atlanta"),
            ("MD", "Baltimore"),
            ("MA", "Boston"),
            ("IL", "Chicago"),
            ("TX", "Dallas"),
            ("CO", "Denver"),
            ("MI", "Detroit"),
            ("TX", "Houston"),
            ("CA", "Los Angeles"),
            ("FL", "Miami"),
            ("NJ", "Newark"),
            ("NY", "New York"),
            ("AZ", "Phoenix"),
            ("CA", "San Francisco"),
            ("WA", "Seattle"),
            ("DC", "Washington"),
        ),
    ),
    Component(
        "USSS",
        "USS",
        "DHS",
        "U.S. Secret Service {city} Field Office",
        ("federal", "dhs", "usss"),
        (
            ("GA", "Atlanta"),
            ("IL", "Chicago"),
            ("TX", "Dallas"),
            ("CA", "Los Angeles"),
            ("FL", "Miami"),
            ("NY", "New York"),
            ("AZ", "Phoenix"),
            ("WA", "Seattle"),
            ("DC", "Washington"),
        ),
    ),
)

LESC = Agency(
    ori="VTICE0900",
    name="ICE Law Enforcement Support Center",
    state="VT",
    kind="FE",
    department="DHS",
    component="ICE",
    groups=tuple(sorted(("federal", "dhs", "ice", *_IMMIGRATION))),
)


def federal_agencies() -> list[Agency]:
    """Every federal office: numbered 0100, 0200, ... per component and state."""
    agencies = [LESC]
    for component in COMPONENTS:
        per_state: dict[str, int] = {}
        for state, city in component.offices:
            per_state[state] = per_state.get(state, 0) + 1
            ori = f"{state}{component.prefix}{per_state[state]:02d}00"
            agencies.append(
                Agency(
                    ori=ori,
                    name=component.title.format(city=city),
                    state=state,
                    kind="FE",
                    department=component.department,
                    component=component.code,
                    groups=tuple(sorted(component.groups)),
                )
            )
    return agencies
