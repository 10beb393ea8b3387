"""The seed directory: real agencies, generic ORIs, federal offices and their groups."""

from __future__ import annotations

import re

import pytest

from statelink.directory import seed_directory
from statelink.directory.crosswalk import crosswalk
from statelink.directory.federal import COMPONENTS
from statelink.directory.seed import kind_from_name
from statelink.states import CODES


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Harris County Sheriff's Office", "SO"),
        ("Freestone County Sheirff's Office", "SO"),
        ("Marshall County Sheriff's Office", "SO"),
        ("Sp: Sussex County", "SA"),
        ("Connecticut State Police", "SA"),
        ("Washington State Patrol", "SA"),
        ("Seattle Police Department", "PD"),
        ("Brookhaven Pd", "PD"),
        ("Sunnyvale Department Of Public Safety", "PD"),
        ("Roswell Marshal's Office", "PD"),
        ("Santa Clarita", "LE"),
        ("Investigative Office Fl Dept Of Agriculture", "LE"),
    ],
)
def test_kind_is_derived_from_the_name(name: str, kind: str) -> None:
    assert kind_from_name(name) == kind


def test_every_real_agency_keeps_its_ori_and_name() -> None:
    directory = seed_directory()
    rows = crosswalk()
    assert len(rows) == 5162
    for row in rows:
        agency = directory.require(row.ori)
        assert agency.state == row.state
        assert agency.name == " ".join(row.name.split())


def test_the_na_row_takes_its_short_ori_plus_00() -> None:
    agency = seed_directory().require("OH0314400")
    assert agency.name == "Green Township Police Department"


def test_every_ori_follows_the_rules() -> None:
    for agency in seed_directory():
        assert re.fullmatch(r"[A-Z]{2}[A-Z0-9]{7}", agency.ori)
        assert agency.ori[:2] == agency.state


def test_every_state_has_its_generic_oris() -> None:
    directory = seed_directory()
    for code in CODES:
        assert directory.require(f"{code}OLN0000").kind == "NJ"
        assert directory.require(f"{code}LIC0000").groups == ("dmv",)
    assert "NBOLN0000" in directory
    assert "NEOLN0000" not in directory


def test_federal_components_and_groups() -> None:
    directory = seed_directory()
    lesc = directory.require("VTICE0900")
    assert (lesc.kind, lesc.department, lesc.component) == ("FE", "DHS", "ICE")
    assert "immigration-enforcement" in lesc.groups
    for component in COMPONENTS:
        offices = directory.select(component=component.code)
        assert len(offices) >= len(component.offices)
        assert all("federal" in a.groups and a.kind == "FE" for a in offices)
    immigration = {a.component for a in directory.select(group="immigration-enforcement")}
    assert immigration == {"ICE", "HSI", "CBP"}
    assert {a.department for a in directory.select(group="doj")} == {"DOJ"}
    assert all("ice" in a.groups for a in directory.select(component="HSI"))
    assert not directory.select(component="FBI", group="immigration-enforcement")
