"""The value rules, case by case: what each accepts, how it normalises, what it refuses.

Codes are ASCII only (no lookalikes that upper-case or fold into ASCII, no Unicode digits
or spaces), a DOB is 8 ASCII digits or an ISO 8601 date (kept as CCYYMMDD), and free
text is measured after it is upper-cased, so every normalised value is valid again
(tests/messages/test_properties.py checks that for any input).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

import statelink.messages.fields as rules

Rule = Callable[[str], str]

ACCEPTED: list[tuple[str, Rule, str, str]] = [
    # (case, rule, given, normalised)
    ("mke in lower case", rules.message_key, " dq\t", "DQ"),
    ("ori in lower case", rules.ori, "ny0303000", "NY0303000"),
    ("control trimmed", rules.control, " a1b2 ", "A1B2"),
    ("control empty", rules.control, "", ""),
    ("purpose in lower case", rules.purpose, "i", "I"),
    ("purpose unspecified", rules.purpose, "u", "U"),
    ("offense", rules.offense, " 0999 ", "0999"),
    ("reason of 20 ß is 40 characters", rules.reason, "ß" * 20, "SS" * 20),
    ("reason upper-cased", rules.reason, "  inv é ", "INV É"),
    ("case number keeps Unicode", rules.case_number, " Café-12 ", "Café-12"),
    ("operator", rules.operator, "J SMITH", "J SMITH"),
    ("warrant kind in capitals", rules.warrant_kind, " JUDICIAL ", "judicial"),
    ("warrant id with dots", rules.warrant_id, "2:25-mj-00123.", "2:25-mj-00123."),
    ("court", rules.warrant_court, "W.D. Wash.", "W.D. Wash."),
    ("oln", rules.oln, "\twdl12345678 ", "WDL12345678"),
    ("name spaces collapsed", rules.name, " smith ,  john\tq ", "SMITH, JOHN Q"),
    ("name as Nlets writes it", rules.name, "SMITH,JOHN", "SMITH, JOHN"),
    ("name of 60 characters", rules.name, "A" * 55 + ", BOB", "A" * 55 + ", BOB"),
    ("dob", rules.dob, " 19991101 ", "19991101"),
    ("dob of a leap day", rules.dob, "20000229", "20000229"),
    ("dob as an ISO date", rules.dob, " 1999-11-01", "19991101"),
    ("dob as an ISO leap day", rules.dob, "2000-02-29", "20000229"),
    ("sex", rules.sex, "f", "F"),
    ("plate", rules.plate, "abc123", "ABC123"),
    ("plate pattern", rules.plate_pattern, "ab?12*", "AB?12*"),
    ("plate year", rules.plate_year, "2020", "2020"),
    ("plate type", rules.plate_type, "tk", "TK"),
    ("vin", rules.vin, "1m8gdm9axkp042788", "1M8GDM9AXKP042788"),
]


@pytest.mark.parametrize(
    ("case", "rule", "given", "normalised"), ACCEPTED, ids=[c[0] for c in ACCEPTED]
)
def test_rules_normalise(case: str, rule: Rule, given: str, normalised: str) -> None:
    assert rule(given) == normalised
    assert rule(normalised) == normalised


REFUSED: list[tuple[str, Rule, str, str]] = [
    # (case, rule, given, words in "expected")
    ("reason of 25 ß is 50 characters", rules.reason, "ß" * 25, "at most 40"),
    ("reason with a line break", rules.reason, "A\nB", "printable"),
    ("case number with a line separator", rules.case_number, "A\u2028B", "printable"),
    ("dob with a space inside", rules.dob, "199911 1", "CCYYMMDD"),
    ("dob of 6 digits", rules.dob, "199911", "CCYYMMDD"),
    ("dob with one dash", rules.dob, "1999-1101", "CCYY-MM-DD"),
    ("dob with the other dash", rules.dob, "199911-01", "CCYY-MM-DD"),
    ("dob as an ISO date and time", rules.dob, "1999-11-01T00:00", "CCYY-MM-DD"),
    ("dob as an ISO date with a zone", rules.dob, "1999-11-01Z", "CCYY-MM-DD"),
    ("dob as an ISO day that is not", rules.dob, "1999-02-29", "CCYY-MM-DD"),
    ("dob as month/day/year", rules.dob, "11/01/1999", "CCYYMMDD"),
    ("dob in Arabic-Indic digits", rules.dob, "١٩٩٩١١٠١", "CCYYMMDD"),
    ("dob in full-width digits", rules.dob, "１９９９１１０１", "CCYYMMDD"),
    ("dob with a sign", rules.dob, "+1999110", "CCYYMMDD"),
    ("dob of no such day", rules.dob, "19990229", "CCYYMMDD"),
    ("dob before 1900", rules.dob, "18991231", "CCYYMMDD"),
    ("dob in the future", rules.dob, "29990101", "not in the future"),
    ("offense in Arabic-Indic digits", rules.offense, "٠٩٩٩", "4-digit"),
    ("plate year in full-width digits", rules.plate_year, "２０２０", "plate year"),
    ("ori with a full-width digit", rules.ori, "NY03030０0", "9-character ORI"),
    ("ori padded with an ideographic space", rules.ori, "\u3000NY0303000", "9-character ORI"),
    ("mke with a Cyrillic d", rules.message_key, "ԁq", "message key"),
    ("purpose dotless i (upper-cases to I)", rules.purpose, "ı", "purpose code"),
    ("Nlets purpose F", rules.purpose, "F", "firearms-related background checks"),
    ("Nlets purpose E", rules.purpose, "e", "non-criminal-justice employment"),
    ("Nlets purpose D", rules.purpose, "D", "domestic violence and stalking"),
    ("Nlets purpose S", rules.purpose, "S", "national security background checks"),
    ("oln with long s (upper-cases to S)", rules.oln, "ſ123", "licence number"),
    ("oln with the ff ligature", rules.oln, "ﬀ1", "licence number"),
    ("oln with an ASCII control character", rules.oln, "\x1cABC", "licence number"),
    ("control with dotless i", rules.control, "ı1", "control field"),
    ("sex in full width", rules.sex, "ｍ", "sex code"),
    ("plate with a Kelvin sign", rules.plate, "\u212a123", "plate"),
    ("plate pattern without enough letters", rules.plate_pattern, "A*", "at least 3"),
    ("plate pattern without a wildcard", rules.plate_pattern, "ABC", "wildcards"),
    ("vin with an I", rules.vin, "1M8GDM9AXKP04278I", "VIN"),
    ("warrant kind with dotless i", rules.warrant_kind, "judıcial", "warrant kind"),
    ("warrant kind with a capital dotted I", rules.warrant_kind, "JUDİCIAL", "warrant kind"),
    ("warrant id empty", rules.warrant_id, "  ", "warrant id"),
    ("name with a unit separator", rules.name, "SMITH,\x1fJOHN", "LAST, FIRST"),
    ("name with long s", rules.name, "ſMITH, JOHN", "LAST, FIRST"),
    ("name with a non-ASCII letter", rules.name, "MÜLLER, JOHN", "LAST, FIRST"),
    ("name of 61 characters", rules.name, "A" * 56 + ", BOB", "at most 60"),
]


@pytest.mark.parametrize(
    ("case", "rule", "given", "expected"), REFUSED, ids=[c[0] for c in REFUSED]
)
def test_rules_refuse(case: str, rule: Rule, given: str, expected: str) -> None:
    with pytest.raises(rules.Unexpected) as caught:
        rule(given)
    assert expected in caught.value.expected


DESTINATIONS: list[tuple[tuple[str, ...], tuple[str, ...] | str]] = [
    # (given, normalised or words in "expected")
    ((" wa", "or\t"), ("WA", "OR")),
    (("nl",), ("NL",)),
    (("ıd",), "ıd is not a state"),  # dotless i: upper-cases to ID
    (("ＷＡ",), "is not a state"),
    (("W\nA",), "'W\\nA' is not a state"),  # one line, however odd the code
    (("WA", "ZZ", "QQ"), "ZZ, QQ are not states"),
    (("X" * 100,), "XXXXXXXXX... is not a state"),
    (("WA",) * 6, "(6 given)"),
    ((), "(0 given)"),
    (("WA", "WA"), "distinct"),
    (("NL", "WA"), "NL alone"),
]


@pytest.mark.parametrize(("given", "outcome"), DESTINATIONS)
def test_destinations(given: tuple[str, ...], outcome: tuple[str, ...] | str) -> None:
    if isinstance(outcome, tuple):
        assert rules.destinations(given) == outcome
        assert rules.destinations(outcome) == outcome
        return
    with pytest.raises(rules.Unexpected) as caught:
        rules.destinations(given)
    assert outcome in caught.value.expected
    assert "\n" not in caught.value.expected
