"""The one-line text form: decoding, encoding, and a lossless round trip (property tests)."""

from __future__ import annotations

import datetime as dt
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from statelink.errors import MessageInvalid
from statelink.messages import Message, decode, encode, parse_any
from statelink.messages.fields import PLATE_TYPES, PURPOSES, SEXES, WARRANT_KINDS
from statelink.states import CODES

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


# --- property: every valid message survives text and JSON unchanged ---------------

_ALNUM = string.ascii_uppercase + string.digits
_free_text = (
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=30)
    .map(str.strip)
    .filter(bool)
)
_word = st.text(alphabet=string.ascii_uppercase, min_size=1, max_size=8)
_name = st.builds(
    lambda last, first, middle: f"{last}, {first}{' ' + middle if middle else ''}",
    _word,
    _word,
    st.one_of(st.just(""), _word),
)
_dob = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)).map(
    lambda d: d.strftime("%Y%m%d")
)
_plate = st.text(alphabet=_ALNUM, min_size=1, max_size=10)
_vin = st.text(alphabet="ABCDEFGHJKLMNPRSTUVWXYZ0123456789", min_size=17, max_size=17)
_pattern = st.builds(
    lambda a, w, b: a + w + b,
    st.text(alphabet=_ALNUM, min_size=3, max_size=4),
    st.sampled_from(["*", "?", "*?"]),
    st.text(alphabet=_ALNUM, max_size=3),
)


def _search_fields(mke: str) -> st.SearchStrategy[dict[str, str]]:
    oln = st.text(alphabet=_ALNUM, min_size=1, max_size=25)
    if mke == "DQ":
        return st.one_of(
            st.fixed_dictionaries({"OLN": oln}),
            st.fixed_dictionaries(
                {"NAM": _name, "DOB": _dob}, optional={"SEX": st.sampled_from(list(SEXES))}
            ),
        )
    if mke == "KQ":
        return st.fixed_dictionaries({"OLN": oln})
    if mke in ("DNQ", "RNQ"):
        return st.fixed_dictionaries({"NAM": _name})
    if mke == "RQ":
        return st.one_of(
            st.fixed_dictionaries(
                {"LIC": _plate},
                optional={
                    "LIY": st.integers(1990, 2027).map(str),
                    "LIT": st.sampled_from(list(PLATE_TYPES)),
                },
            ),
            st.fixed_dictionaries({"VIN": _vin}),
        )
    return st.fixed_dictionaries(
        {"LIC": _pattern}, optional={"LIT": st.sampled_from(list(PLATE_TYPES))}
    )


@st.composite
def messages(draw: st.DrawFn) -> Message:
    mke = draw(st.sampled_from(["DQ", "DNQ", "KQ", "RQ", "RNQ", "RPQ"]))
    if mke == "RPQ":
        dest = [draw(st.sampled_from(CODES))]
    else:
        dest = draw(
            st.one_of(
                st.just(["NL"]),
                st.lists(st.sampled_from(CODES), min_size=1, max_size=5, unique=True),
            )
        )
    data = {
        "mke": mke,
        "ori": draw(st.sampled_from(CODES))
        + draw(st.text(alphabet=_ALNUM, min_size=7, max_size=7)),
        "dest": dest,
        "purpose": draw(st.sampled_from(list(PURPOSES))),
        "fields": draw(_search_fields(mke)),
    }
    optional = {
        "control": st.text(alphabet=_ALNUM, min_size=1, max_size=10),
        "reason": _free_text,
        "case_number": _free_text,
        "offense": st.integers(0, 9999).map(lambda n: f"{n:04d}"),
        "operator": _free_text,
        "warrant": st.fixed_dictionaries(
            {"kind": st.sampled_from(list(WARRANT_KINDS)), "id": _free_text},
            optional={"court": _free_text},
        ),
    }
    for name, strategy in optional.items():
        if draw(st.booleans()):
            data[name] = draw(strategy)
    return Message.parse(data)


@settings(max_examples=400)
@given(messages())
def test_text_round_trip_is_lossless(message: Message) -> None:
    text = encode(message)
    assert "\n" not in text
    assert decode(text) == message
    assert encode(decode(text)) == text


@settings(max_examples=200)
@given(messages())
def test_json_round_trip_is_lossless(message: Message) -> None:
    assert Message.parse(message.to_json()) == message
    assert Message.parse(message.model_dump_json()) == message


@given(st.text(max_size=80))
def test_decoding_any_text_gives_a_message_or_a_field_error(text: str) -> None:
    error: MessageInvalid | None = None
    try:
        decode(text)
    except MessageInvalid as e:
        error = e
    if error is not None:
        assert error.errors
        assert "\n" not in error.message
