"""The seed directory of the demo: real agencies, each state's generic ORIs, federal offices."""

from __future__ import annotations

import re

from statelink.directory.agency import Agency
from statelink.directory.crosswalk import crosswalk
from statelink.directory.directory import Directory
from statelink.directory.federal import federal_agencies
from statelink.states import STATES

_SHERIFF = re.compile(r"sheriff|sheirff|\bso\b", re.I)
_STATEWIDE = re.compile(r"^sp:|state police|highway patrol|state patrol", re.I)
_POLICE = re.compile(r"police|\bpd\b|public safety|\bdps\b|marshal'?s office", re.I)

LOCAL_GROUPS: dict[str, tuple[str, ...]] = {
    "PD": ("local-law-enforcement",),
    "SO": ("local-law-enforcement",),
    "LE": ("local-law-enforcement",),
    "SA": ("state-law-enforcement",),
}


def kind_from_name(name: str) -> str:
    """The ORION type of a crosswalk agency, derived from its name."""
    if _SHERIFF.search(name):
        return "SO"
    if _STATEWIDE.search(name):
        return "SA"
    if _POLICE.search(name):
        return "PD"
    return "LE"


def generic_agencies() -> list[Agency]:
    """Each state's driver bureau ``xxOLN0000`` and registration office ``xxLIC0000``."""
    agencies = []
    for state in STATES.values():
        agencies.append(
            Agency(
                f"{state.code}OLN0000",
                f"{state.name} Driver Licensing",
                state.code,
                "NJ",
                groups=("dmv",),
            )
        )
        agencies.append(
            Agency(
                f"{state.code}LIC0000",
                f"{state.name} Vehicle Registration",
                state.code,
                "NJ",
                groups=("dmv",),
            )
        )
    return agencies


def local_agencies() -> list[Agency]:
    agencies = []
    for row in crosswalk():
        kind = kind_from_name(row.name)
        agencies.append(Agency(row.ori, row.name, row.state, kind, groups=LOCAL_GROUPS[kind]))
    return agencies


def seed_directory() -> Directory:
    """Every seed agency, normalised and checked exactly as an imported CSV row would be."""
    agencies = [*local_agencies(), *generic_agencies(), *federal_agencies()]
    return Directory(Agency.from_row(a.row()) for a in agencies)
