"""Identifier formats: each state's licence number and plate layout, and VINs.

Licence layouts follow the formats states publish for their current licences (one
common layout per state; several states accept older layouts too). Plate layouts are
the state's standard-issue passenger layout where it differs from the common
``ABC1234``. Pattern symbols: ``@`` a letter, ``#`` a digit, ``?`` either; any other
character (``WDL`` of Washington's numbers) stands for itself.
"""

from __future__ import annotations

import random
import string

LICENCE_FORMATS: dict[str, str] = {
    "AL": "#######",
    "AK": "#######",
    "AZ": "@########",
    "AR": "#########",
    "CA": "@#######",
    "CO": "#########",
    "CT": "#########",
    "DE": "#######",
    "DC": "#######",
    "FL": "@############",
    "GA": "#########",
    "HI": "H########",
    "ID": "@@######@",
    "IL": "@###########",
    "IN": "##########",
    "IA": "###@@####",
    "KS": "K########",
    "KY": "@########",
    "LA": "00#######",
    "ME": "#######",
    "MD": "@############",
    "MA": "S########",
    "MI": "@############",
    "MN": "@############",
    "MS": "#########",
    "MO": "@#########",
    "MT": "#############",
    "NB": "@########",
    "NV": "##########",
    "NH": "##@@@#####",
    "NJ": "@##############",
    "NM": "#########",
    "NY": "#########",
    "NC": "############",
    "ND": "@@@######",
    "OH": "@@######",
    "OK": "@#########",
    "OR": "#######",
    "PA": "########",
    "RI": "#######",
    "SC": "#########",
    "SD": "########",
    "TN": "#########",
    "TX": "########",
    "UT": "#########",
    "VT": "########",
    "VA": "@########",
    "WA": "WDL?????????",
    "WV": "@######",
    "WI": "@#############",
    "WY": "#########",
}

PLATE_FORMATS: dict[str, str] = {
    "CA": "#@@@###",
    "FL": "@@@@##",
    "IL": "@@#####",
    "MA": "#@@@##",
    "NJ": "@##@@@",
    "OR": "###@@@",
    "MN": "###@@@",
    "VT": "@@@###",
    "DE": "######",
    "RI": "@@###",
    "HI": "@@@###",
    "AK": "@@@###",
    "WY": "######",
}
DEFAULT_PLATE_FORMAT = "@@@####"
MOTORCYCLE_PLATE_FORMAT = "#@@###"
TRAILER_PLATE_FORMAT = "#####TL"

_DRAW = {
    "@": string.ascii_uppercase,
    "#": string.digits,
    "?": string.ascii_uppercase + string.digits,
}


def fill(pattern: str, rng: random.Random) -> str:
    """A random string following a pattern of @ # ? placeholders and literals."""
    return "".join(rng.choice(_DRAW[c]) if c in _DRAW else c for c in pattern)


def plate_format(state: str, plate_type: str) -> str:
    if plate_type == "MC":
        return MOTORCYCLE_PLATE_FORMAT
    if plate_type == "TL":
        return TRAILER_PLATE_FORMAT
    return PLATE_FORMATS.get(state, DEFAULT_PLATE_FORMAT)


# --- VIN (ISO 3779, with the North American check digit) ---------------------------

_VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_TRANSLITERATION = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"  # 1980..2009, then again from 2010


def vin_check_digit(vin: str) -> str:
    """The check digit (position 9) of a 17-character VIN: 0-9 or X."""
    total = sum(_TRANSLITERATION[c] * w for c, w in zip(vin, _WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def vin_is_valid(vin: str) -> bool:
    return (
        len(vin) == 17
        and all(c in _TRANSLITERATION for c in vin)
        and vin[8] == vin_check_digit(vin)
    )


def make_vin(wmi: str, model_year: int, rng: random.Random) -> str:
    """A VIN for this manufacturer and model year, with a valid check digit."""
    descriptor = "".join(rng.choice(_VIN_CHARS) for _ in range(5))
    year_code = _YEAR_CODES[(model_year - 1980) % 30]
    plant = rng.choice(_VIN_CHARS)
    serial = f"{rng.randrange(1_000_000):06d}"
    draft = f"{wmi}{descriptor}0{year_code}{plant}{serial}"
    return draft[:8] + vin_check_digit(draft) + draft[9:]
