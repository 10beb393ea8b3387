"""The JSON message model: every MKE's search forms, and field-level errors."""

from __future__ import annotations

from typing import Any

import pytest

from statelink.errors import MessageInvalid
from statelink.messages import MESSAGE_KEYS, Message


def _msg(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "mke": "DQ",
        "ori": "NY0303000",
        "dest": ["WA"],
        "purpose": "C",
        "fields": {"OLN": "WDL12345678"},
    }
    base.update(overrides)
    return base


VALID: list[tuple[str, dict[str, str], list[str]]] = [
    ("DQ", {"OLN": "wdl12345678"}, ["WA"]),
    ("DQ", {"NAM": "smith,  john  q", "DOB": "19800131"}, ["WA"]),
    ("DQ", {"NAM": "SMITH, JOHN", "DOB": "19800131", "SEX": "m"}, ["WA", "OR"]),
    ("DNQ", {"NAM": "O'BRIEN-DE LA CRUZ, ANNE MARIE"}, ["NL"]),
    ("KQ", {"OLN": "12345678"}, ["TX"]),
    ("RQ", {"LIC": "abc1234"}, ["NL"]),
    ("RQ", {"LIC": "ABC1234", "LIY": "2026", "LIT": "pc"}, ["WA", "OR", "ID", "CA", "NV"]),
    ("RQ", {"VIN": "1m8gdm9axkp042788"}, ["WA"]),
    ("RNQ", {"NAM": "SMITH, JOHN"}, ["NB"]),
    ("RPQ", {"LIC": "AB?12*"}, ["WA"]),
    ("RPQ", {"LIC": "*123", "LIT": "TK"}, ["WA"]),
]


@pytest.mark.parametrize(("mke", "fields", "dest"), VALID)
def test_valid_messages_are_accepted_and_normalised(
    mke: str, fields: dict[str, str], dest: list[str]
) -> None:
    message = Message.parse(_msg(mke=mke.lower(), fields=fields, dest=dest))
    assert message.mke == mke
    assert message.dest == tuple(dest)
    assert set(message.fields) == {k.upper() for k in fields}
    assert all(v == v.strip() for v in message.fields.values())
    if "NAM" in fields:
        assert "  " not in message.fields["NAM"]
        assert message.fields["NAM"] == message.fields["NAM"].upper()


def test_every_message_key_has_a_response_key_and_dataset() -> None:
    assert {k.response for k in MESSAGE_KEYS.values()} == {"DR", "DNR", "KR", "RR", "RNR", "RPR"}
    assert {k.dataset for k in MESSAGE_KEYS.values()} == {"driver", "vehicle"}


INVALID: list[tuple[str, dict[str, Any], str, str]] = [
    # (case, overrides, field named, words in "expected")
    ("unknown mke", {"mke": "XQ"}, "mke", "query message key"),
    ("short ori", {"ori": "NY03030"}, "ori", "9-character ORI"),
    ("ori of no state", {"ori": "ZZ0303000"}, "ori", "ZZ is not a state"),
    ("no dest", {"dest": []}, "dest", "1 to 5"),
    ("unknown state", {"dest": ["WA", "ZZ"]}, "dest", "ZZ is not a state"),
    ("six states", {"dest": ["WA", "OR", "ID", "CA", "NV", "AZ"]}, "dest", "(6 given)"),
    ("NL with others", {"dest": ["NL", "WA"]}, "dest", "NL alone"),
    ("repeated state", {"dest": ["WA", "WA"]}, "dest", "distinct"),
    ("bad purpose", {"purpose": "Z"}, "purpose", "purpose code"),
    ("missing purpose", {"purpose": None}, "purpose", "required"),
    ("bad offense", {"offense": "99"}, "offense", "4-digit"),
    ("bad control", {"control": "A-1"}, "control", "control field"),
    ("no fields", {"fields": {}}, "fields", "OLN or NAM+DOB(+SEX)"),
    ("name without dob", {"fields": {"NAM": "SMITH, JOHN"}}, "fields", "OLN or NAM+DOB"),
    (
        "both forms",
        {"fields": {"OLN": "A1", "NAM": "SMITH, JOHN", "DOB": "19800101"}},
        "fields",
        "OLN or NAM+DOB",
    ),
    ("foreign field", {"fields": {"OLN": "A1", "VIN": "1M8GDM9AXKP042788"}}, "fields", "DQ"),
    ("unknown field", {"fields": {"XYZ": "1"}}, "fields.XYZ", "search field of DQ"),
    ("a field twice", {"fields": {"OLN": "A1", " oln": "B2"}}, "fields.OLN", "at most once"),
    ("a lookalike field", {"fields": {"OLN": "A1", "VıN": "B2"}}, "fields.VıN", "search field"),
    ("bad name", {"fields": {"NAM": "SMITH JOHN", "DOB": "19800101"}}, "fields.NAM", "LAST, FIRST"),
    ("future dob", {"fields": {"NAM": "SMITH, JOHN", "DOB": "29990101"}}, "fields.DOB", "CCYYMMDD"),
    (
        "impossible dob",
        {"fields": {"NAM": "SMITH, JOHN", "DOB": "19800231"}},
        "fields.DOB",
        "CCYYMMDD",
    ),
    (
        "bad sex",
        {"fields": {"NAM": "A, B", "DOB": "19800101", "SEX": "Q"}},
        "fields.SEX",
        "sex code",
    ),
    ("unknown top-level field", {"colour": "red"}, "colour", "no such field"),
    ("warrant without id", {"warrant": {"kind": "judicial"}}, "warrant.id", "required"),
    (
        "bad warrant kind",
        {"warrant": {"kind": "verbal", "id": "1"}},
        "warrant.kind",
        "warrant kind",
    ),
    ("dest not a list", {"dest": "WA"}, "dest", "tuple"),
]


@pytest.mark.parametrize(
    ("case", "overrides", "field", "expected"), INVALID, ids=[c[0] for c in INVALID]
)
def test_invalid_messages_name_the_field(
    case: str, overrides: dict[str, Any], field: str, expected: str
) -> None:
    data = _msg(**overrides)
    data = {k: v for k, v in data.items() if v is not None}
    with pytest.raises(MessageInvalid) as caught:
        Message.parse(data)
    fields = {e.field: e for e in caught.value.errors}
    assert field in fields, caught.value.errors
    assert expected in fields[field].expected
    assert caught.value.message.startswith("invalid message: ")
    assert "\n" not in caught.value.message


@pytest.mark.parametrize(
    ("fields", "dest", "field", "expected"),
    [
        ({"LIC": "ABC1234"}, ["WA"], "fields.LIC", "wildcards"),
        ({"LIC": "A*"}, ["WA"], "fields.LIC", "at least 3"),
        ({"LIC": "ABC*"}, ["NL"], "dest", "single state"),
        ({"LIC": "ABC*"}, ["WA", "OR"], "dest", "single state"),
    ],
)
def test_partial_plate_rules(
    fields: dict[str, str], dest: list[str], field: str, expected: str
) -> None:
    with pytest.raises(MessageInvalid) as caught:
        Message.parse(_msg(mke="RPQ", fields=fields, dest=dest))
    errors = {e.field: e for e in caught.value.errors}
    assert expected in errors[field].expected


def test_error_shows_what_was_given() -> None:
    with pytest.raises(MessageInvalid) as caught:
        Message.parse(_msg(ori="NY03X"))
    (error,) = caught.value.errors
    assert (error.field, error.given) == ("ori", "'NY03X'")


def test_json_text_is_parsed_too() -> None:
    message = Message.parse(
        '{"mke":"KQ","ori":"NY0303000","dest":["WA"],"purpose":"C","fields":{"OLN":"A1"}}'
    )
    assert message.mke == "KQ"


def test_multi_state_flags() -> None:
    assert Message.parse(_msg(dest=["NL"])).nationwide
    assert Message.parse(_msg(dest=["WA", "OR"])).multi_state
    assert not Message.parse(_msg()).multi_state


def test_to_json_leaves_out_unset_optional_fields() -> None:
    data = Message.parse(_msg()).to_json()
    assert data == _msg()


NOT_JSON: list[tuple[str, str | bytes, str]] = [
    # (case, body, the one error)
    (
        "cut short",
        b'{"mke": 1',
        "message: expected a JSON object, given invalid JSON at line 1 column 9: "
        "EOF while parsing an object",
    ),
    (
        "empty",
        b"",
        "message: expected a JSON object, given invalid JSON at line 1 column 0: "
        "EOF while parsing a value",
    ),
    (
        "trailing text",
        '{"mke": "DQ"} x',
        "message: expected a JSON object, given invalid JSON at line 1 column 15: "
        "trailing characters",
    ),
    (
        "second line",
        b'{\n  "mke": DQ}',
        "message: expected a JSON object, given invalid JSON at line 2 column 10: expected value",
    ),
    (
        "too deep",
        b"[" * 300,
        "message: expected a JSON object, given invalid JSON at line 1 column 202: "
        "recursion limit exceeded",
    ),
    (
        "a number of 5,000 digits",
        b'{"mke": ' + b"1" * 5000 + b"}",
        "message: expected a JSON object, given invalid JSON at line 1 column 4310: "
        "number out of range",
    ),
    (
        "UTF-16",
        b"\xff\xfe{\x00}\x00",
        "message: expected a JSON object in UTF-8, given byte 0xFF at offset 0",
    ),
    (
        "invalid UTF-8 in a string",
        b'{"mke": "\xc3"}',
        "message: expected a JSON object in UTF-8, given byte 0xC3 at offset 9",
    ),
    (
        "a lone surrogate in text",
        '{"mke": "\ud800"}',
        "message: expected a JSON object, "
        "given text that is not Unicode (a lone surrogate) at character 9",
    ),
    ("a list", b"[1, 2]", "message: expected a JSON object, given [1, 2]"),
    ("a string", b'"DQ"', "message: expected a JSON object, given 'DQ'"),
    ("null", b"null", "message: expected a JSON object, given null"),
]


@pytest.mark.parametrize(("case", "body", "error"), NOT_JSON, ids=[c[0] for c in NOT_JSON])
def test_a_body_that_is_not_a_json_object_gives_one_readable_error(
    case: str, body: str | bytes, error: str
) -> None:
    with pytest.raises(MessageInvalid) as caught:
        Message.parse(body)
    assert [str(e) for e in caught.value.errors] == [error]
    assert caught.value.message == f"invalid message: {error}"


ODD_MEMBERS: list[tuple[str, dict[str, Any], str, str]] = [
    # (case, overrides, field, error) - what pydantic finds, in statelink's words
    ("number for a string", {"ori": 5}, "ori", "ori: expected a valid string, given 5"),
    ("string for a list", {"dest": "WA"}, "dest", "dest: expected a valid tuple, given 'WA'"),
    ("list for an object", {"warrant": []}, "warrant", "warrant: expected an object, given []"),
    (
        "a member name on two lines",
        {"a\nb": 1},
        "a\\nb",
        "a\\nb: expected no such field in a message, given 1",
    ),
    (
        "a long member name",
        {"x" * 100: 1},
        "x" * 37 + "...",
        "x" * 37 + "...: expected no such field in a message, given 1",
    ),
    (
        "a huge number",
        {"mke": 10**5000},
        "mke",
        "mke: expected a valid string, given a number of about 5,000 digits",
    ),
]


@pytest.mark.parametrize(
    ("case", "overrides", "field", "error"), ODD_MEMBERS, ids=[c[0] for c in ODD_MEMBERS]
)
def test_odd_members_are_named_on_one_line(
    case: str, overrides: dict[str, Any], field: str, error: str
) -> None:
    with pytest.raises(MessageInvalid) as caught:
        Message.parse(_msg(**overrides))
    errors = {e.field: str(e) for e in caught.value.errors}
    assert errors[field] == error
