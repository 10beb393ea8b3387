"""Value rules for every field of a message: how it is normalised and what it must look like.

Each rule returns the normalised value or raises :class:`Unexpected` carrying the
human text of what was expected; the message model turns that into a field-level
error (which field, what was expected, what was given).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from statelink.states import NATIONWIDE, STATES

PURPOSES: dict[str, str] = {
    "C": "criminal investigation",
    "T": "traffic/roadside",
    "W": "warrant service",
    "M": "missing person",
    "I": "immigration enforcement (civil)",
    "A": "administrative/licensing",
    "J": "criminal-justice employment",
}

WARRANT_KINDS: dict[str, str] = {
    "judicial": "signed by a judge",
    "court-order": "court order",
    "subpoena": "subpoena",
    "administrative": "administrative (agency-issued)",
}

PLATE_TYPES: dict[str, str] = {
    "PC": "passenger car",
    "TK": "truck",
    "MC": "motorcycle",
    "TL": "trailer",
    "CO": "commercial",
}

SEXES: dict[str, str] = {"M": "male", "F": "female", "X": "non-binary", "U": "unknown"}

MAX_DESTINATIONS = 5


class Unexpected(ValueError):
    """A value broke its field's rule; ``expected`` says what the rule wanted."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


_ORI = re.compile(r"[A-Z]{2}[A-Z0-9]{7}")
_CONTROL = re.compile(r"[A-Z0-9]{1,10}")
_OLN = re.compile(r"[A-Z0-9]{1,25}")
_NAME_PART = r"[A-Z](?:[A-Z' -]*[A-Z])?"
_NAM = re.compile(rf"({_NAME_PART}), ({_NAME_PART})")
_PLATE = re.compile(r"[A-Z0-9]{1,10}")
_PLATE_PATTERN = re.compile(r"[A-Z0-9*?]{1,10}")
_VIN = re.compile(r"[A-HJ-NPR-Z0-9]{17}")
_OFFENSE = re.compile(r"[0-9]{4}")
_YEAR = re.compile(r"[0-9]{4}")


def _printable(value: str, limit: int, what: str) -> str:
    value = value.strip()
    if len(value) > limit or not value.isprintable():
        raise Unexpected(f"{what} of at most {limit} printable characters")
    return value


def ori(value: str) -> str:
    value = value.strip().upper()
    if not _ORI.fullmatch(value) or not (value[:2] in STATES or value[:2] == NATIONWIDE):
        raise Unexpected("a 9-character ORI: a state code then 7 letters or digits")
    return value


def destinations(values: tuple[str, ...]) -> tuple[str, ...]:
    codes = tuple(v.strip().upper() for v in values)
    if codes == (NATIONWIDE,):
        return codes
    if NATIONWIDE in codes:
        raise Unexpected("NL alone (it already means every state)")
    unknown = [c for c in codes if c not in STATES]
    if unknown:
        raise Unexpected(f"state codes or NL ({', '.join(unknown)} is not a state)")
    if not codes or len(codes) > MAX_DESTINATIONS or len(set(codes)) != len(codes):
        raise Unexpected(
            f"1 to {MAX_DESTINATIONS} distinct state codes, or NL alone ({len(codes)} given)"
        )
    return codes


def control(value: str) -> str:
    value = value.strip().upper()
    if value and not _CONTROL.fullmatch(value):
        raise Unexpected("a control field of 1 to 10 letters or digits")
    return value


def purpose(value: str) -> str:
    value = value.strip().upper()
    if value not in PURPOSES:
        raise Unexpected(f"a purpose code, one of {' '.join(PURPOSES)}")
    return value


def offense(value: str) -> str:
    value = value.strip()
    if value and not _OFFENSE.fullmatch(value):
        raise Unexpected("a 4-digit NCIC offense code")
    return value


def reason(value: str) -> str:
    return _printable(value, 40, "a reason code").upper()


def case_number(value: str) -> str:
    return _printable(value, 40, "a case number")


def operator(value: str) -> str:
    return _printable(value, 40, "an operator name")


def warrant_kind(value: str) -> str:
    value = value.strip().lower()
    if value not in WARRANT_KINDS:
        raise Unexpected(f"a warrant kind, one of {', '.join(WARRANT_KINDS)}")
    return value


def warrant_id(value: str) -> str:
    value = _printable(value, 60, "a warrant id")
    if not value:
        raise Unexpected("a warrant id (the docket or document number)")
    return value


def warrant_court(value: str) -> str:
    return _printable(value, 80, "a court name")


# --- search fields ----------------------------------------------------------------


def oln(value: str) -> str:
    value = value.strip().upper()
    if not _OLN.fullmatch(value):
        raise Unexpected("a licence number of 1 to 25 letters or digits")
    return value


def name(value: str) -> str:
    value = " ".join(value.upper().split()).replace(" ,", ",")
    if not _NAM.fullmatch(value):
        raise Unexpected("a name as LAST, FIRST [MIDDLE] (letters, spaces, - and ')")
    return value


def dob(value: str) -> str:
    value = value.strip()
    try:
        born = dt.datetime.strptime(value, "%Y%m%d").date() if len(value) == 8 else None
    except ValueError:
        born = None
    if born is None or not dt.date(1900, 1, 1) <= born <= dt.date.today():
        raise Unexpected("a date of birth as CCYYMMDD, not in the future")
    return value


def sex(value: str) -> str:
    value = value.strip().upper()
    if value not in SEXES:
        raise Unexpected(f"a sex code, one of {' '.join(SEXES)}")
    return value


def plate(value: str) -> str:
    value = value.strip().upper()
    if not _PLATE.fullmatch(value):
        raise Unexpected("a plate of 1 to 10 letters or digits")
    return value


def plate_pattern(value: str) -> str:
    value = value.strip().upper()
    literal = sum(c not in "*?" for c in value)
    if not _PLATE_PATTERN.fullmatch(value) or literal == len(value) or literal < 3:
        raise Unexpected("a partial plate with * or ? wildcards and at least 3 letters or digits")
    return value


def plate_year(value: str) -> str:
    value = value.strip()
    if not _YEAR.fullmatch(value) or not 1900 <= int(value) <= dt.date.today().year + 2:
        raise Unexpected("a 4-digit plate year")
    return value


def plate_type(value: str) -> str:
    value = value.strip().upper()
    if value not in PLATE_TYPES:
        raise Unexpected(f"a plate type, one of {' '.join(PLATE_TYPES)}")
    return value


def vin(value: str) -> str:
    value = value.strip().upper()
    if not _VIN.fullmatch(value):
        raise Unexpected("a 17-character VIN (letters except I, O, Q, and digits)")
    return value


SEARCH_RULES: dict[str, Callable[[str], str]] = {
    "OLN": oln,
    "NAM": name,
    "DOB": dob,
    "SEX": sex,
    "LIC": plate,
    "LIY": plate_year,
    "LIT": plate_type,
    "VIN": vin,
}
"""Rule for each search field; RPQ swaps ``LIC`` for :func:`plate_pattern`."""


def split_name(value: str) -> tuple[str, str, str]:
    """A valid NAM value as (last, first, middle); middle may be ''."""
    last, _, given = value.partition(", ")
    first, _, middle = given.partition(" ")
    return last, first, middle
