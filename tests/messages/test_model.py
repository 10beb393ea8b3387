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
    ("ori of no state", {"ori": "ZZ0303000"}, "ori", "9-character ORI"),
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
