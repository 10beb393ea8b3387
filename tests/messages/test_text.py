"""The one-line text form: decoding, encoding and errors, by example.

The round trip and totality properties are in test_properties.py.
"""

from __future__ import annotations

import pytest

from statelink.errors import MessageInvalid
from statelink.messages import decode, encode, parse_any

EXAMPLE = "DQ.NY0303000.WA.*A1B2C3.OLN/WDL12345678.PUR/C.OFF/0999."


def test_design_example_decodes() -> None:
    message = decode(EXAMPLE)
    assert message.to_json() == {
        "mke": "DQ",
        "ori": "NY0303000",
        "dest": ["WA"],
        "control": "A1B2C3",
        "purpose": "C",
        "offense": "0999",
        "fields": {"OLN": "WDL12345678"},
    }
    assert encode(message) == EXAMPLE


def test_every_field_has_a_text_tag() -> None:
    text = (
        "DQ.VTICE0900.WA,OR.*X1.NAM/SMITH, JOHN Q.DOB/19800131.SEX/M.PUR/I.RSN/INV."
        "OFF/6499.CAS/2025-001234.OPR/J SMITH.WKD/judicial.WID/2:25-mj-00123."
        "WCT/W\\.D\\. Wash\\.."
    )
    message = decode(text)
    assert message.warrant is not None
    assert message.warrant.court == "W.D. Wash."
    assert message.case_number == "2025-001234"
    assert message.operator == "J SMITH"
    assert encode(message) == text


def test_trailing_period_is_optional() -> None:
    assert decode(EXAMPLE.rstrip(".")) == decode(EXAMPLE)


def test_parse_any_takes_json_or_text() -> None:
    message = decode(EXAMPLE)
    assert parse_any(message.model_dump_json()) == message
    assert parse_any("  " + EXAMPLE) == message


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        ("DQ.NY0303000", "message", "at least 3 parts"),
        ("DQ.NY0303000.WA.OLN", "message", "FIELD/VALUE"),
        ("DQ.NY0303000.WA.XXX/1.PUR/C.", "XXX", "known field tag"),
        ("DQ.NY0303000.WA.OLN/A.OLN/B.PUR/C.", "OLN", "at most once"),
        ("DQ.NY0303000.WA.OLN/A.", "PUR", "required"),
        ("DQ.NY0303000.WA.OLN/A.PUR/C.WKD/judicial.", "WID", "required"),
        ("DQ.NY0303000.WA.OLN/A B.PUR/C.", "OLN", "letters or digits"),
    ],
)
def test_text_errors_name_the_tag_the_user_typed(text: str, field: str, expected: str) -> None:
    with pytest.raises(MessageInvalid) as caught:
        decode(text)
    errors = {e.field: e for e in caught.value.errors}
    assert field in errors, caught.value.errors
    assert expected in errors[field].expected


BASE = "DQ.NY0303000.WA.OLN/A1.PUR/C.CAS/"


@pytest.mark.parametrize(
    ("written", "case_number"),
    [
        ("A\\.B.", "A.B"),
        ("A\\\\.", "A\\"),
        ("A\\\\\\.B.", "A\\.B"),
        ("\\\\\\\\.", "\\\\"),
        ("A\\B.", "AB"),  # an escaped ordinary character is itself
        ("AB\\", "AB\\"),  # a lone backslash at the very end stands for itself
        ("A/B,C*D.", "A/B,C*D"),
        ("Café ß.", "Café ß"),
    ],
)
def test_escapes_in_values(written: str, case_number: str) -> None:
    message = decode(BASE + written)
    assert message.case_number == case_number
    assert decode(encode(message)) == message


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        ("DQ.NY0303000.WA.OLN/A.PUR/C.X\nY/1.", "X\\nY", "known field tag"),
        ("DQ.NY0303000.WA.OLN/A.PUR/C.X\nY/1.X\nY/2.", "X\\nY", "at most once"),
        ("DQ.NY0303000.WA.OLN/A.PUR/C." + "Z" * 100 + "/1.", "Z" * 37 + "...", "known field"),
        ("DQ.NY0303000.WA.OLN/A.PıR/C.", "PıR", "known field tag"),  # not PIR upper-cased
        ("DQ.NY0303000.W\nA.OLN/A.PUR/C.", "dest", "'W\\nA' is not a state"),
    ],
)
def test_errors_show_odd_input_on_one_line(text: str, field: str, expected: str) -> None:
    with pytest.raises(MessageInvalid) as caught:
        decode(text)
    errors = {e.field: e for e in caught.value.errors}
    assert field in errors, caught.value.errors
    assert expected in errors[field].expected
    assert "\n" not in caught.value.message
