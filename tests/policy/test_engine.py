"""Deciding: permit, deny, hold, fail closed, explain; as tables of cases."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from statelink.directory import Agency, Directory, seed_directory
from statelink.messages import decode
from statelink.policy.context import Context, Fact, with_facts
from statelink.policy.engine import (
    DEFAULT_DENY,
    POLICY_ERROR,
    Outcome,
    PolicyEngine,
    Request,
    derive_context,
)
from statelink.policy.entities import entities
from statelink.policy.policies import Policies
from statelink.policy.settings import DEFAULT_SERIOUS_CRIME, Snapshot
from statelink.policy.templates import POLICY_FILE, render

TODAY = dt.date(2026, 11, 22)
DIRECTORY = seed_directory()
SETTINGS = Snapshot(
    serious=tuple((a, b) for a, b, _ in DEFAULT_SERIOUS_CRIME),
    certified_until={
        "NY0303000": [(TODAY - dt.timedelta(days=10), TODAY)],
        "WAICE0100": [(TODAY, TODAY + dt.timedelta(days=300))],
        "TXHPD0000": [(TODAY - dt.timedelta(days=365), TODAY - dt.timedelta(days=1))],
    },
)


def _engine(template: str = "wa", state: str = "WA") -> PolicyEngine:
    policies = Policies.from_files({POLICY_FILE: render(template, state)[POLICY_FILE]})
    return PolicyEngine(policies, entities(DIRECTORY))


WA = _engine()


def _request(text: str, state: str = "WA", overrides: dict[str, Fact] | None = None) -> Request:
    message = decode(text)
    agency = DIRECTORY.require(message.ori)
    derived = derive_context(message, agency, state, SETTINGS, today=TODAY)
    context = with_facts(derived, overrides or {})
    return Request(agency.ori, message.mke, f"{state}/{message.key.dataset}", context)


def test_context_is_derived_by_the_node_not_copied() -> None:
    context = _request("DQ.NY0303000.WA,OR.OLN/X1.PUR/C.OFF/1201.CAS/77.").context
    assert context["serious_crime"] is True  # 1201 robbery is on the default list
    assert context["certified"] is True  # NY0303000's certification runs until today
    assert context["in_state"] is False
    assert context["multi_state"] is True
    assert context["review_approved"] is False
    assert context["warrant"] == {"kind": "", "id": "", "court": ""}
    lapsed = _request("DQ.TXHPD0000.WA.OLN/X1.PUR/C.").context
    assert lapsed["certified"] is False  # lapsed yesterday


CASES: list[tuple[str, dict[str, Fact], Outcome, tuple[str, ...]]] = [
    ("DQ.NY0303000.WA.OLN/X1.PUR/C.", {}, Outcome.PERMIT, ("cj-access",)),
    ("DQ.TXHPD0000.WA.OLN/X1.PUR/C.", {}, Outcome.DENY, ("certification-required",)),
    (
        "DQ.WAICE0100.WA.OLN/X1.PUR/I.",
        {},
        Outcome.DENY,
        ("no-civil-immigration", "no-civil-immigration-purpose"),
    ),
    ("DQ.WAICE0100.WA.OLN/X1.PUR/I.WKD/judicial.WID/1.", {}, Outcome.PERMIT, ("warrant-access",)),
    ("DQ.WAICE0100.WA.OLN/X1.PUR/C.OFF/0911.", {}, Outcome.HOLD, ("no-civil-immigration",)),
    (
        "DQ.WAICE0100.WA.OLN/X1.PUR/C.OFF/0911.",
        {"review_approved": True},
        Outcome.PERMIT,
        ("cj-access",),
    ),
    ("DQ.WAICE0100.WA.OLN/X1.PUR/C.OFF/2399.", {}, Outcome.DENY, ("no-civil-immigration",)),
    ("DQ.NY0303000.WA.OLN/X1.PUR/A.", {}, Outcome.DENY, (DEFAULT_DENY.id,)),
]


@pytest.mark.parametrize(("text", "overrides", "outcome", "ids"), CASES)
def test_decisions(
    text: str, overrides: dict[str, Fact], outcome: Outcome, ids: tuple[str, ...]
) -> None:
    decision = WA.decide(_request(text, overrides=overrides))
    assert decision.outcome is outcome
    assert set(decision.policy_ids) == set(ids)
    assert decision.digest == WA.digest


def test_reasons_carry_the_policy_text() -> None:
    decision = WA.decide(_request("DQ.WAICE0100.WA.OLN/X1.PUR/I."))
    by_id = {p.id: p for p in decision.policies}
    assert by_id["no-civil-immigration"].reason.startswith("Driver and vehicle data")
    assert by_id["no-civil-immigration"].law.startswith("RCW 43.17.425, cited as an example: ")


def test_an_evaluation_error_is_a_deny_with_policy_error() -> None:
    # Validates (the types are right) but fails at run time: the entity does not exist.
    broken = Policies.from_files(
        {
            "p.cedar": """
        @id("all") permit (principal, action, resource);
        @id("ghost") forbid (principal, action, resource)
        when { Statelink::Agency::"ZZ0000000".kind == "FE" };
    """
        }
    )
    engine = PolicyEngine(broken, entities(DIRECTORY))
    decision = engine.decide(_request("DQ.NY0303000.WA.OLN/X1.PUR/C."))
    assert decision.outcome is Outcome.DENY
    assert decision.policies == (POLICY_ERROR,)
    assert decision.error


def test_a_hold_needs_a_policy_that_reads_the_approval() -> None:
    ny = _engine("ny", "NY")
    decision = ny.decide(
        _request("DQ.WAICE0100.NY.OLN/X1.PUR/C.OFF/0911.", "NY", {"certified": True})
    )
    assert decision.outcome is Outcome.DENY  # NY's law has no review path


def test_explain_lists_single_changes_that_change_the_outcome() -> None:
    explanation = WA.explain(_request("DQ.WAICE0100.WA.OLN/X1.PUR/I."))
    changes = {c.change: c.outcome for c in explanation.changes}
    assert changes["a judicial warrant"] is Outcome.PERMIT
    assert changes["a court order"] is Outcome.PERMIT
    assert "a court-issued subpoena" not in changes
    held = WA.explain(_request("DQ.WAICE0100.WA.OLN/X1.PUR/C.OFF/0911."))
    assert {c.change: c.outcome for c in held.changes}[
        "case-by-case review approval"
    ] is Outcome.PERMIT
    uncertified = WA.explain(_request("DQ.TXHPD0000.WA.OLN/X1.PUR/C."))
    assert [c.change for c in uncertified.changes] == [
        "a current certification on file with this state"
    ]
    assert WA.explain(_request("DQ.NY0303000.WA.OLN/X1.PUR/C.")).changes == ()


# --- the cache and the trimmed context never change a decision -------------------

_ORIS = [
    "NY0303000",
    "WAICE0100",
    "WAHSI0100",
    "WACBP0100",
    "TXHPD0000",
    "WASPD0000",
    "DCFBI0100",
    "WAOLN0000",
]
contexts = st.fixed_dictionaries(
    {
        "purpose": st.sampled_from("CTWMIAJ"),
        "reason": st.sampled_from(["", "X"]),
        "has_warrant": st.booleans(),
        "warrant": st.fixed_dictionaries(
            {
                "kind": st.sampled_from(
                    ["", "judicial", "court-order", "subpoena", "administrative"]
                ),
                "id": st.sampled_from(["", "1", "2"]),
                "court": st.sampled_from(["", "D. Colo."]),
            }
        ),
        "case_number": st.sampled_from(["", "A", "B"]),
        "offense": st.sampled_from(["", "0911", "2399"]),
        "serious_crime": st.booleans(),
        "certified": st.booleans(),
        "review_approved": st.booleans(),
        "in_state": st.booleans(),
        "multi_state": st.booleans(),
    }
)


@settings(max_examples=300, deadline=None)
@given(
    template=st.sampled_from(["wa", "ny", "il", "ma", "co", "permissive"]),
    ori=st.sampled_from(_ORIS),
    mke=st.sampled_from(["DQ", "KQ", "DNQ", "RQ", "RPQ"]),
    context=contexts,
)
def test_cached_and_trimmed_decisions_equal_full_evaluation(
    template: str, ori: str, mke: str, context: Context
) -> None:
    engine = ENGINES[template]
    dataset = "driver" if mke in ("DQ", "KQ", "DNQ") else "vehicle"
    request = Request(ori, mke, f"WA/{dataset}", context)
    full = engine._decide(request, trim=False)  # no trimming, no cache
    assert engine.decide(request) == full
    assert engine.decide(request) == full  # now from the cache
    assert engine.decide(request, cached=False) == full


ENGINES = {name: _engine(name, "WA") for name in ["wa", "ny", "il", "ma", "co", "permissive"]}


def test_entities_are_built_once_per_directory() -> None:
    assert entities(DIRECTORY) is entities(DIRECTORY)
    other = Directory([*DIRECTORY, Agency("WA9990000", "Task Force", "WA", "LE")])
    assert entities(other) is not entities(DIRECTORY)
