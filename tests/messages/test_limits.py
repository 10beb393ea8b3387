"""Hostile messages are refused early: bounded errors, bounded work.

The work is counted, never timed: the field errors built, the search-field rules called
and the codes and tags read (``fields.tag``), with the codecs' own names patched.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

import statelink.messages.fields as rules
import statelink.messages.model as model
import statelink.messages.text as text
from statelink.errors import MAX_LISTED_ERRORS, FieldError, MessageInvalid
from statelink.messages import Message, decode, parse_any


@dataclass
class Work:
    errors_built: int = 0
    rules_called: int = 0
    tags_read: int = 0


@pytest.fixture
def work(monkeypatch: pytest.MonkeyPatch) -> Work:
    counted = Work()

    def build(*args: Any, **kwargs: Any) -> FieldError:
        counted.errors_built += 1
        return FieldError(*args, **kwargs)

    def counting(rule: Callable[[str], str]) -> Callable[[str], str]:
        def call(value: str) -> str:
            counted.rules_called += 1
            return rule(value)

        return call

    def tag(value: str, read: Callable[[str], str] = rules.tag) -> str:
        counted.tags_read += 1
        return read(value)

    monkeypatch.setattr(model, "FieldError", build)
    monkeypatch.setattr(text, "FieldError", build)
    monkeypatch.setattr(rules, "tag", tag)
    for name, rule in rules.SEARCH_RULES.items():
        monkeypatch.setitem(rules.SEARCH_RULES, name, counting(rule))
    return counted


HEADER = {"mke": "DQ", "ori": "NY0303000", "dest": ["WA"], "purpose": "C"}
MEMBERS = {f"F{i:06d}": "xxxxxxxx" for i in range(100_000)}  # 2 MB of JSON


def _json(**members: Any) -> bytes:
    return json.dumps(HEADER | {"fields": {"OLN": "A1"}} | members).encode()


HOSTILE: list[tuple[str, Callable[[Any], Message], Any, str, str]] = [
    # (case, decoder, input, field, words in "expected"); each about 1 to 2 MB
    ("2 MB of periods", decode, "." * 2_000_000, "message", "at most 64 segments"),
    ("10 MB of periods", decode, "." * 10_000_000, "message", "at most 64 segments"),
    ("100,000 fields in text", decode, "DQ.NY0303000.WA." + "OLN/A." * 100_000, "message", "64"),
    (
        "a million escapes",
        decode,
        "DQ.NY0303000.WA.OLN/A.PUR/C.CAS/" + "\\." * 1_000_000,
        "CAS",
        "at most 40",
    ),
    (
        "100,000 codes in DEST",
        decode,
        "DQ.NY0303000." + "WA," * 100_000 + ".OLN/A",
        "dest",
        "1 to 5",
    ),
    ("100,000 search fields", Message.parse, _json(fields=MEMBERS), "fields", "at most 16"),
    ("100,000 members", Message.parse, json.dumps(MEMBERS), "message", "at most 16 members"),
    ("100,000 members, text", parse_any, json.dumps(MEMBERS), "message", "at most 16 members"),
    ("100,000 warrant members", Message.parse, _json(warrant=MEMBERS), "warrant", "at most 16"),
    ("100,000 codes in dest", Message.parse, _json(dest=["WA"] * 100_000), "dest", "1 to 5"),
    ("100,000 numbers in dest", Message.parse, _json(dest=[1] * 100_000), "dest", "1 to 5"),
    (
        "a 4,000-deep nest",
        Message.parse,
        _json(dest=[]).replace(b"[]", b"[" * 4000),
        "message",
        "JSON",
    ),
]


@pytest.mark.parametrize(
    ("case", "decoder", "given", "field", "expected"), HOSTILE, ids=[c[0] for c in HOSTILE]
)
def test_hostile_input_is_refused_early(
    work: Work, case: str, decoder: Callable[[Any], Message], given: Any, field: str, expected: str
) -> None:
    with pytest.raises(MessageInvalid) as caught:
        decoder(given)
    error = caught.value
    assert error.errors[0].field == field, error.errors
    assert expected in error.errors[0].expected
    assert error.error_count == len(error.errors) <= 2
    assert len(error.message) < 300
    assert work.errors_built <= 2
    assert work.rules_called <= 1
    assert work.tags_read <= 10


def test_the_limits_count_what_they_refuse() -> None:
    with pytest.raises(MessageInvalid) as caught:
        Message.parse(_json(fields=MEMBERS))
    assert str(caught.value.errors[0]) == (
        "fields: expected search fields of at most 16 members, given 100,000 members"
    )
    with pytest.raises(MessageInvalid) as caught:
        decode("DQ.NY0303000." + "WA," * 99_999 + "WA.OLN/A")
    assert str(caught.value.errors[0]) == (
        "dest: expected 1 to 5 distinct state codes, or NL alone (100,000 given), "
        "given 100,000 codes"
    )


def test_a_message_at_the_limits_lists_20_errors_and_counts_them_all(work: Work) -> None:
    bad: dict[str, Any] = {
        "ori": "X",
        "dest": ["ZZ"],
        "purpose": "Z",
        "control": "-",
        "offense": "1",
        "reason": "R" * 41,
        "case_number": "C" * 41,
        "operator": "O" * 41,
        "warrant": {"kind": "verbal", "id": "", "court": "C" * 81},
        "fields": {f"X{i}": "1" for i in range(16)},
        **{f"extra{i}": 1 for i in range(5)},
    }
    with pytest.raises(MessageInvalid) as caught:
        Message.parse(json.dumps({"mke": "DQ"} | bad))
    error = caught.value
    assert error.error_count == 32  # 8 header fields, 3 warrant parts, 16 fields, 5 extra
    assert len(error.errors) == MAX_LISTED_ERRORS
    assert error.message.endswith("(and 31 more)")
    assert work.errors_built == 32


def test_text_errors_keep_their_count_when_renamed() -> None:
    many = "DQ.X.ZZ.*-.OLN/-.NAM/-.DOB/-.SEX/-.PUR/-.RSN/" + "R" * 41 + ".OFF/1.WKD/-.WID/ ."
    with pytest.raises(MessageInvalid) as caught:
        decode(many)
    fields = [e.field for e in caught.value.errors]
    assert fields == [
        "ori",
        "dest",
        "control",
        "PUR",
        "RSN",
        "WKD",
        "WID",
        "OFF",
        "OLN",
        "NAM",
        "DOB",
        "SEX",
    ]
    assert caught.value.error_count == 12


def test_unknown_tags_past_20_are_counted_not_listed() -> None:
    with pytest.raises(MessageInvalid) as caught:
        decode("DQ.NY0303000.WA." + "".join(f"X{i}/1." for i in range(61)))
    assert caught.value.error_count == 61
    assert len(caught.value.errors) == MAX_LISTED_ERRORS
