"""The one-line text form (the Nlets text layout): decoding, encoding and errors, by example.

The round trip and totality properties are in test_properties.py.
"""

from __future__ import annotations

import pytest

from statelink.errors import MessageInvalid
from statelink.messages import decode, encode, parse_any

EXAMPLE = "DQ.NY0303000.WA.*A1B2C3.TXT.OLN/WDL12345678.PUR/C.OFF/0999."


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
        "DQ.VTICE0900.WA,OR.*X1.TXT.NAM/SMITH, JOHN Q.DOB/19800131.SEX/M.PUR/I.RSN/INV."
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


def test_the_old_layout_without_txt_is_still_read() -> None:
    assert decode(EXAMPLE.replace("TXT.", "")) == decode(EXAMPLE)


# --- the layout as Nlets terminals send it ---------------------------------------------

NLETS_LAYOUTS: list[tuple[str, str, str]] = [
    # (case, as sent, statelink's canonical text)
    (
        "TXT then a period",
        "DQ.NY0303000.WA.*A1B2C3.TXT.OLN/WDL12345678.",
        "DQ.NY0303000.WA.*A1B2C3.TXT.OLN/WDL12345678.PUR/U.",
    ),
    (
        "TXT then the first field (Nlets' RQ example)",
        "RQ.AZNLETS20.AZ.TXTLIC/123456.LIT/PC",
        "RQ.AZNLETS20.AZ.TXT.LIC/123456.LIT/PC.PUR/U.",
    ),
    (
        "TXT then a line break, a name without a space (Nlets' KQ example, by OLN)",
        "KQ.AZNLETS20.AZ.TXT\r\nOLN/D11111111",
        "KQ.AZNLETS20.AZ.TXT.OLN/D11111111.PUR/U.",
    ),
    (
        "Nlets' DQ example by name, date of birth and sex",
        "DQ.AZNLETS20.AZ.TXT\nNAM/SMITH,JOHN.DOB/19500101.SEX/M",
        "DQ.AZNLETS20.AZ.TXT.NAM/SMITH, JOHN.DOB/19500101.SEX/M.PUR/U.",
    ),
    (
        "TXT then DEL, as Nlets allows",
        "DQ.NY0303000.WA.txt\x7fOLN/A1.",
        "DQ.NY0303000.WA.TXT.OLN/A1.PUR/U.",
    ),
    (
        "fields on lines of their own",
        "DQ.NY0303000.WA.TXT\nRSN/N.\nOLN/A1.\nIMQ/N.\nATN/J DOE.\nPUR/C",
        "DQ.NY0303000.WA.TXT.OLN/A1.PUR/C.RSN/N.OPR/J DOE.",
    ),
    (
        "a KQ with Nlets' purpose C",
        "KQ.NY0303000.WA.TXT.OLN/A1.PUR/C.ATN/SGT DOE",
        "KQ.NY0303000.WA.TXT.OLN/A1.PUR/C.OPR/SGT DOE.",
    ),
    (
        "a KQ with Nlets' purpose J",
        "KQ.NY0303000.WA.TXT.OLN/A1.PUR/J",
        "KQ.NY0303000.WA.TXT.OLN/A1.PUR/J.",
    ),
]


@pytest.mark.parametrize(
    ("case", "sent", "canonical"), NLETS_LAYOUTS, ids=[c[0] for c in NLETS_LAYOUTS]
)
def test_the_nlets_layout_is_read(case: str, sent: str, canonical: str) -> None:
    message = decode(sent)
    assert encode(message) == canonical
    assert decode(canonical) == message


def test_a_message_without_a_purpose_is_unspecified() -> None:
    message = decode("DQ.NY0303000.WA.TXT.OLN/A1")
    assert message.purpose == "U"
    assert "PUR/U." in encode(message)


NLETS_REFUSALS: list[tuple[str, str, str, str]] = [
    # (case, text, field, words in "expected")
    ("an image asked for", "DQ.NY0303000.WA.TXT.OLN/A1.IMQ/Y", "IMQ", "carry no images"),
    ("an image field of another value", "DQ.NY0303000.WA.TXT.OLN/A1.IMQ/X", "IMQ", "IMQ/N"),
    ("attention and operator", "DQ.NY0303000.WA.TXT.OLN/A1.ATN/A.OPR/B", "OPR", "not both"),
    ("firearms", "KQ.NY0303000.WA.TXT.OLN/A1.PUR/F", "PUR", "firearms-related"),
    ("employment", "KQ.NY0303000.WA.TXT.OLN/A1.PUR/E", "PUR", "non-criminal-justice"),
    ("domestic violence", "KQ.NY0303000.WA.TXT.OLN/A1.PUR/D", "PUR", "domestic violence"),
    ("national security", "KQ.NY0303000.WA.TXT.OLN/A1.PUR/S", "PUR", "national security"),
    ("TXT twice", "DQ.NY0303000.WA.TXT.TXT.OLN/A1", "message", "FIELD/VALUE"),
    ("a date as Nlets' mmddyy", "DQ.NY0303000.WA.TXT.NAM/A,B.DOB/010150", "DOB", "CCYYMMDD"),
]


@pytest.mark.parametrize(
    ("case", "text", "field", "expected"), NLETS_REFUSALS, ids=[c[0] for c in NLETS_REFUSALS]
)
def test_nlets_fields_statelink_cannot_honour_are_refused(
    case: str, text: str, field: str, expected: str
) -> None:
    with pytest.raises(MessageInvalid) as caught:
        decode(text)
    errors = {e.field: e for e in caught.value.errors}
    assert field in errors, caught.value.errors
    assert expected in errors[field].expected
    assert "\n" not in caught.value.message


def test_nlets_purposes_say_what_to_send_instead() -> None:
    with pytest.raises(MessageInvalid) as caught:
        decode("KQ.NY0303000.WA.TXT.OLN/A1.PUR/F")
    (error,) = caught.value.errors
    assert "send the purpose that says why you ask, or U" in error.expected


def test_dates_are_written_as_ccyymmdd_in_the_text_form() -> None:
    message = decode("DQ.NY0303000.WA.TXT.NAM/SMITH, JOHN.DOB/1980-04-01.PUR/C")
    assert message.fields["DOB"] == "19800401"
    assert encode(message) == "DQ.NY0303000.WA.TXT.NAM/SMITH, JOHN.DOB/19800401.PUR/C."


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
