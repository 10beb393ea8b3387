"""The directory: CSV import and export (contract 4), checks, filters and merges."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from statelink.directory import Agency, Directory, seed_directory
from statelink.errors import CsvInvalid, NotFound, UnknownAgency
from tests.test_spreadsheet import HOSTILE

HEADER = "ori,name,state,kind,department,component,groups\n"


def test_csv_round_trip_keeps_every_agency() -> None:
    directory = seed_directory()
    again = Directory.parse_csv(directory.to_csv())
    assert list(again) == list(directory)
    assert again.digest == directory.digest


def test_write_and_read(tmp_path: Path) -> None:
    directory = seed_directory()
    path = tmp_path / "sub" / "directory.csv"
    directory.write(path)
    assert Directory.read(path).digest == directory.digest
    assert not list(tmp_path.glob("sub/.directory-*"))


@pytest.mark.parametrize(
    ("row", "field", "expected"),
    [
        ("XX123,Bad,XX,PD,,,", "ori", "9-character ORI"),
        ("WA0000000,,WA,PD,,,", "name", "agency name"),
        ("WA0000000,A,OR,PD,,,", "state", "first two characters"),
        ("WA0000000,A,WA,QQ,,,", "kind", "ORION type"),
        ("WA0000000,A,WA,PD,,,Bad Group", "groups", "lowercase"),
        ("WA0000000,A,WA,PD,D<E>P,,", "department", "letters, digits"),
    ],
)
def test_bad_rows_name_line_and_field(row: str, field: str, expected: str) -> None:
    text = HEADER + "WA0170000,Seattle Police Department,WA,PD,,,local-law-enforcement\n" + row
    with pytest.raises(CsvInvalid) as caught:
        Directory.parse_csv(text, "agencies.csv")
    assert caught.value.line == 3
    assert caught.value.error.field == field
    assert expected in caught.value.error.expected
    assert caught.value.message.startswith("agencies.csv, line 3: ")


def test_duplicate_ori_is_refused() -> None:
    text = HEADER + "WA0170000,A,WA,PD,,,\nWA0170000,B,WA,PD,,,\n"
    with pytest.raises(CsvInvalid, match="each ORI once"):
        Directory.parse_csv(text)


def test_missing_columns_are_refused() -> None:
    with pytest.raises(CsvInvalid, match="header"):
        Directory.parse_csv("ori,title\nWA0170000,A\n")


def test_values_are_normalised() -> None:
    directory = Directory.parse_csv(
        HEADER + " wa0170000 , Seattle  PD ,,pd,dhs,ice, Federal; ice \n"
    )
    agency = directory.require("WA0170000")
    assert agency == Agency("WA0170000", "Seattle PD", "WA", "PD", "DHS", "ICE", ("federal", "ice"))


def test_select_filters_combine() -> None:
    directory = seed_directory()
    wa_sheriffs = directory.select(state="wa", kind="so")
    assert wa_sheriffs
    assert all(a.state == "WA" and a.kind == "SO" for a in wa_sheriffs)
    seattle = directory.select(state="WA", name="seattle police")
    assert [a.ori for a in seattle] == ["WASPD0000"]
    assert directory.select(group="usss", state="WA")[0].component == "USSS"


def test_unknown_ori_is_refused_and_show_says_not_found() -> None:
    directory = seed_directory()
    with pytest.raises(UnknownAgency):
        directory.require("WA9999999")
    with pytest.raises(NotFound):
        directory.show("WA9999999")
    assert directory.show(" vtice0900 ").ori == "VTICE0900"


def test_merge_updates_by_ori_or_replaces() -> None:
    base = Directory(
        [Agency("WA0170000", "Old", "WA", "PD"), Agency("WA0180000", "Keep", "WA", "SO")]
    )
    incoming = Directory(
        [Agency("WA0170000", "New", "WA", "PD"), Agency("OR0260200", "Add", "OR", "PD")]
    )
    merged = base.merged(incoming)
    assert [a.name for a in merged] == ["Add", "New", "Keep"]
    assert [a.name for a in base.merged(incoming, replace=True)] == ["Add", "New"]
    assert merged.digest != base.digest


def test_groups_are_counted() -> None:
    groups = seed_directory().groups()
    assert groups["federal"] == sum(1 for a in seed_directory() if a.kind == "FE")
    assert groups["dmv"] == 102


@pytest.mark.parametrize(
    ("name", "written", "read_back"),
    [
        *[(name, f"'{name}", name) for name in HOSTILE if name.isprintable()],
        ("\t=1", "'\t=1", "=1"),  # reading normalises white space, as for any name
        ("\r=1", "'\r=1", "=1"),
        ("'=already quoted", "''=already quoted", "'=already quoted"),
        ("O'Neil County Sheriff", "O'Neil County Sheriff", "O'Neil County Sheriff"),
    ],
)
def test_a_formula_like_name_is_neutralised_and_read_back(
    name: str, written: str, read_back: str
) -> None:
    text = Directory([Agency("WA0170000", name, "WA", "PD")]).to_csv()
    assert [row["name"] for row in csv.DictReader(io.StringIO(text))] == [written]
    assert Directory.parse_csv(text).require("WA0170000").name == read_back


@pytest.mark.parametrize("name", [n for n in HOSTILE if n.isprintable()])
def test_export_then_import_is_lossless(tmp_path: Path, name: str) -> None:
    directory = Directory([*seed_directory(), Agency("WA0170000", name, "WA", "PD")])
    path = tmp_path / "directory.csv"
    directory.write(path)
    again = Directory.read(path)
    assert again.require("WA0170000").name == name
    assert list(again) == list(directory)
    assert again.digest == directory.digest
