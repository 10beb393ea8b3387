"""Value rules for every field of a message: how it is normalised and what it must look like.

Each rule returns the normalised value or raises :class:`Unexpected` carrying the
human text of what was expected; the message model turns that into a field-level
error (which field, what was expected, what was given).

Every rule is idempotent and closed: when ``rule(x)`` succeeds, ``rule(rule(x)) ==
rule(x)``, so a normalised value is itself valid. To keep it so, codes (ORI, state codes,
search fields...) are ASCII only: they are trimmed of ASCII white space and upper-cased
only when the whole value is ASCII, since ``str.upper`` turns some other letters into
ASCII ones (``ı`` into ``I``, ``ſ`` into ``S``) or into several (``ß`` into ``SS``), and
``str.strip`` and ``str.split`` also take Unicode spaces and ASCII control characters.
Free text (reason, case number, operator, warrant id and court) may be any printable
Unicode; its length is checked after it is upper-cased and trimmed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from statelink.messages.keys import MESSAGE_KEYS
from statelink.states import NATIONWIDE, STATES

PURPOSES: dict[str, str] = {
    "C": "criminal investigation",
    "T": "traffic/roadside",
    "W": "warrant service",
    "M": "missing person",
    "I": "immigration enforcement (civil)",
    "A": "administrative/licensing",
    "J": "criminal-justice employment",
    "U": "unspecified (sent without a purpose, as today's Nlets traffic is)",
}

NLETS_ONLY_PURPOSES: dict[str, str] = {
    "F": "firearms-related background checks",
    "E": "non-criminal-justice employment",
    "D": "domestic violence and stalking court cases",
    "S": "national security background checks",
}
"""Purpose codes Nlets allows in a KQ's ``PUR/`` that statelink has no purpose for (its
``C`` and ``J`` mean what Nlets' do). They are refused with what they mean."""

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
MAX_NAME = 60
"""The longest ``NAM`` value, in characters, after spaces are collapsed."""

ASCII_SPACE = " \t\r\n\x0b\x0c"
"""The white space a code may be padded with (not Unicode spaces, not ``\\x1c``-``\\x1f``)."""


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
_SPACES = re.compile(r"[ \t\r\n\x0b\x0c]+")
_PLATE = re.compile(r"[A-Z0-9]{1,10}")
_PLATE_PATTERN = re.compile(r"[A-Z0-9*?]{1,10}")
_VIN = re.compile(r"[A-HJ-NPR-Z0-9]{17}")
_OFFENSE = re.compile(r"[0-9]{4}")
_YEAR = re.compile(r"[0-9]{4}")
_DATE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_NAME_COMMA = re.compile(r" ?, ?")


def tag(value: str) -> str:
    """A code as written, normalised: trimmed of ASCII white space and upper-cased.

    A value that is not all ASCII comes back unchanged, so it matches no code.
    """
    return value.strip(ASCII_SPACE).upper() if value.isascii() else value


def _word(value: str) -> str:
    """Like :func:`tag`, lower-cased (warrant kinds)."""
    return value.strip(ASCII_SPACE).lower() if value.isascii() else value


def _printable(value: str, limit: int, what: str) -> str:
    value = value.strip()
    if len(value) > limit or not value.isprintable():
        raise Unexpected(f"{what} of at most {limit} printable characters")
    return value


def _shown(code: str) -> str:
    """A code the sender gave, short and on one line, for an ``expected`` text."""
    short = code if len(code) <= 12 else code[:9] + "..."
    return short if short.isprintable() else repr(short)


def message_key(value: str) -> str:
    value = tag(value)
    if value not in MESSAGE_KEYS:
        raise Unexpected(f"a query message key, one of {' '.join(MESSAGE_KEYS)}")
    return value


def ori(value: str) -> str:
    value = tag(value)
    if not _ORI.fullmatch(value):
        raise Unexpected("a 9-character ORI: a state code then 7 letters or digits")
    if not (value[:2] in STATES or value[:2] == NATIONWIDE):
        raise Unexpected(f"an ORI that begins with a state code ({value[:2]} is not a state)")
    return value


def destination_count(count: int) -> None:
    """Refuse a number of destinations out of range, before any of them is read."""
    if not 1 <= count <= MAX_DESTINATIONS:
        raise Unexpected(
            f"1 to {MAX_DESTINATIONS} distinct state codes, or NL alone ({count:,} given)"
        )


def destinations(values: tuple[str, ...]) -> tuple[str, ...]:
    destination_count(len(values))
    codes = tuple(tag(v) for v in values)
    if codes == (NATIONWIDE,):
        return codes
    if NATIONWIDE in codes:
        raise Unexpected("NL alone (it already means every state)")
    unknown = [_shown(c) for c in codes if c not in STATES]
    if unknown:
        verb = "is not a state" if len(unknown) == 1 else "are not states"
        raise Unexpected(f"state codes or NL ({', '.join(unknown)} {verb})")
    if len(set(codes)) != len(codes):
        raise Unexpected(
            f"1 to {MAX_DESTINATIONS} distinct state codes, or NL alone ({len(codes)} given)"
        )
    return codes


def control(value: str) -> str:
    value = tag(value)
    if value and not _CONTROL.fullmatch(value):
        raise Unexpected("a control field of 1 to 10 letters or digits")
    return value


def purpose(value: str) -> str:
    value = tag(value)
    if value in NLETS_ONLY_PURPOSES:
        raise Unexpected(
            f"a statelink purpose code, one of {' '.join(PURPOSES)} (Nlets' {value} means "
            f"{NLETS_ONLY_PURPOSES[value]}, which statelink has no purpose for: send the "
            "purpose that says why you ask, or U to leave it to each state's policy)"
        )
    if value not in PURPOSES:
        raise Unexpected(f"a purpose code, one of {' '.join(PURPOSES)}")
    return value


def offense(value: str) -> str:
    value = value.strip(ASCII_SPACE)
    if value and not _OFFENSE.fullmatch(value):
        raise Unexpected("a 4-digit NCIC offense code")
    return value


def reason(value: str) -> str:
    # upper-case first: ß becomes SS, so the length is checked on what is kept
    return _printable(value.upper(), 40, "a reason code")


def case_number(value: str) -> str:
    return _printable(value, 40, "a case number")


def operator(value: str) -> str:
    return _printable(value, 40, "an operator name")


def warrant_kind(value: str) -> str:
    value = _word(value)
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
    value = tag(value)
    if not _OLN.fullmatch(value):
        raise Unexpected("a licence number of 1 to 25 letters or digits")
    return value


def name(value: str) -> str:
    """``LAST, FIRST [MIDDLE]``; Nlets' ``SMITH,JOHN`` (no space) becomes ``SMITH, JOHN``."""
    if value.isascii():
        value = _NAME_COMMA.sub(", ", _SPACES.sub(" ", value.strip(ASCII_SPACE).upper()))
    if len(value) > MAX_NAME or not _NAM.fullmatch(value):
        raise Unexpected(
            f"a name as LAST, FIRST [MIDDLE] (letters, spaces, - and ', at most {MAX_NAME})"
        )
    return value


def dob(value: str) -> str:
    """A date of birth as CCYYMMDD or ISO 8601 (CCYY-MM-DD); kept as CCYYMMDD, the one
    internal form (records, keyed hashes and policies use it)."""
    value = value.strip(ASCII_SPACE)
    digits = _DATE.fullmatch(value) or _ISO_DATE.fullmatch(value)
    try:
        born = dt.date(int(digits[1]), int(digits[2]), int(digits[3])) if digits else None
    except ValueError:  # no such day, e.g. 19800231
        born = None
    if born is None or not dt.date(1900, 1, 1) <= born <= dt.date.today():
        raise Unexpected(
            "a date of birth as CCYYMMDD or CCYY-MM-DD (ISO 8601), a real day, not in the future"
        )
    return born.strftime("%Y%m%d")


def iso_date(ccyymmdd: str) -> str:
    """A valid internal date (CCYYMMDD) as ISO 8601 (CCYY-MM-DD), as JSON and XML write it."""
    return f"{ccyymmdd[:4]}-{ccyymmdd[4:6]}-{ccyymmdd[6:8]}"


def sex(value: str) -> str:
    value = tag(value)
    if value not in SEXES:
        raise Unexpected(f"a sex code, one of {' '.join(SEXES)}")
    return value


def plate(value: str) -> str:
    value = tag(value)
    if not _PLATE.fullmatch(value):
        raise Unexpected("a plate of 1 to 10 letters or digits")
    return value


def plate_pattern(value: str) -> str:
    value = tag(value)
    literal = sum(c not in "*?" for c in value) if _PLATE_PATTERN.fullmatch(value) else 0
    if literal == len(value) or literal < 3:
        raise Unexpected("a partial plate with * or ? wildcards and at least 3 letters or digits")
    return value


def plate_year(value: str) -> str:
    value = value.strip(ASCII_SPACE)
    if not _YEAR.fullmatch(value) or not 1900 <= int(value) <= dt.date.today().year + 2:
        raise Unexpected("a 4-digit plate year")
    return value


def plate_type(value: str) -> str:
    value = tag(value)
    if value not in PLATE_TYPES:
        raise Unexpected(f"a plate type, one of {' '.join(PLATE_TYPES)}")
    return value


def vin(value: str) -> str:
    value = tag(value)
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
