"""The packaged crosswalk of real agencies (see ``statelink/data/README.md``)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from statelink.states import BY_FIPS


@dataclass(frozen=True, slots=True)
class CrosswalkRow:
    ori: str  # 9 characters
    name: str
    state: str  # NCIC code
    place: str  # census place or county name
    population: int


_PLACE_SUFFIX = re.compile(r"\s+(City|Town|Village|Township|Borough|CDP|Municipality)$", re.I)


@cache
def crosswalk() -> tuple[CrosswalkRow, ...]:
    """Every row, largest population first. The ``NA`` row takes its 7-char ORI + ``00``.

    Read with plain ``csv``, not :class:`statelink.spreadsheet.DictReader`: the file is the
    public source's, unchanged, never written by statelink, so it holds no ``'`` of ours to
    undo. Its names reach spreadsheets only through the directory, whose CSV neutralises them.
    """
    text = resources.files("statelink.data").joinpath("agencies-crosswalk.csv").read_text("utf-8")
    rows = []
    for raw in csv.DictReader(text.splitlines()):
        ori = raw["ori9"] if raw["ori9"] != "NA" else raw["ori"] + "00"
        state = BY_FIPS[raw["fips_state_county_code"][:2]].code
        rows.append(
            CrosswalkRow(
                ori=ori,
                name=raw["crosswalk_agency_name"].strip(),
                state=state,
                place=raw["census_name"].strip(),
                population=int(raw["population"]),
            )
        )
    return tuple(rows)


@cache
def cities(state: str) -> tuple[str, ...]:
    """Real city names of a state, from the crosswalk's census places (counties left out)."""
    names = {
        _PLACE_SUFFIX.sub("", row.place)
        for row in crosswalk()
        if row.state == state
        and "county" not in row.place.lower()
        and "parish" not in row.place.lower()
        and row.place not in ("", "NANA")
    }
    return tuple(sorted(names))
