"""Identifier formats: VIN check digits, licence and plate layouts."""

from __future__ import annotations

import random
import re

import pytest

from statelink.records.formats import (
    LICENCE_FORMATS,
    fill,
    make_vin,
    plate_format,
    vin_check_digit,
    vin_is_valid,
)
from statelink.states import CODES


@pytest.mark.parametrize(
    ("vin", "digit"),
    [
        ("1M8GDM9AXKP042788", "X"),  # the worked example of 49 CFR 565
        ("11111111111111111", "1"),
        ("1HGCM82633A004352", "3"),
    ],
)
def test_check_digit_of_known_vins(vin: str, digit: str) -> None:
    assert vin_check_digit(vin) == digit
    assert vin_is_valid(vin)


def test_a_changed_character_breaks_the_check_digit() -> None:
    assert not vin_is_valid("1M8GDM9AXKP042789")
    assert not vin_is_valid("1M8GDM9AXKP04278")  # 16 characters
    assert not vin_is_valid("IM8GDM9AXKP042788")  # I is not a VIN character


def test_made_vins_are_valid_and_carry_the_model_year() -> None:
    rng = random.Random(1)
    for year in range(1995, 2027):
        vin = make_vin("1FT", year, rng)
        assert vin_is_valid(vin)
        assert vin.startswith("1FT")
    assert make_vin("1FT", 2026, rng)[9] == "T"
    assert make_vin("1FT", 2010, rng)[9] == "A"


def test_every_state_has_a_licence_format_and_fill_follows_it() -> None:
    assert set(LICENCE_FORMATS) == set(CODES)
    rng = random.Random(2)
    for pattern in LICENCE_FORMATS.values():
        value = fill(pattern, rng)
        regex = "".join(
            {"@": "[A-Z]", "#": "[0-9]", "?": "[A-Z0-9]"}.get(c, re.escape(c)) for c in pattern
        )
        assert re.fullmatch(regex, value)
    assert fill(LICENCE_FORMATS["WA"], rng).startswith("WDL")


def test_plate_formats_by_type() -> None:
    assert plate_format("CA", "PC") == "#@@@###"
    assert plate_format("WA", "PC") == "@@@####"
    assert fill(plate_format("WA", "TL"), random.Random(3)).endswith("TL")
    assert plate_format("WA", "MC") != plate_format("WA", "PC")
