"""Changing facts of a Cedar context: only its own attributes, each of its type."""

from __future__ import annotations

import pytest

from statelink.policy.context import Context, Fact, with_facts

BASE: Context = {
    "purpose": "C",
    "reason": "",
    "has_warrant": False,
    "warrant": {"kind": "", "id": "", "court": ""},
    "case_number": "",
    "offense": "",
    "serious_crime": False,
    "certified": False,
    "review_approved": False,
    "in_state": False,
    "multi_state": False,
}


def test_facts_are_set_on_a_copy() -> None:
    changed = with_facts(
        BASE,
        {"certified": True, "warrant": {"kind": "judicial", "id": "1", "court": ""}},
    )
    assert changed["certified"] is True
    assert changed["warrant"]["kind"] == "judicial"
    assert changed["purpose"] == "C"
    assert BASE["certified"] is False  # the original is left alone


@pytest.mark.parametrize(
    "facts",
    [{"certify": True}, {"certified": "yes"}, {"purpose": True}, {"warrant": "judicial"}],
)
def test_an_unknown_attribute_or_a_value_of_another_type_is_refused(
    facts: dict[str, Fact],
) -> None:
    with pytest.raises(ValueError, match="not a context fact"):
        with_facts(BASE, facts)
