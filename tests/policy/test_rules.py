"""A set's rules as an official reads them, and the rules that change between two sets."""

from __future__ import annotations

import pytest

from statelink.policy.policies import Policies
from statelink.policy.rules import ChangeKind, Effect, readers, rule_changes, rules_of, statements
from statelink.policy.templates import POLICY_FILE, render

SET = """// a header comment; with a semicolon
@id("all-c")
@reason("Criminal investigations.")
permit (principal, action, resource) when { context.purpose == "C" };

// the review path
@id("ice")
@reason("Immigration agencies; a \\"reviewer\\" may release a serious crime; really.")
@law("RCW 43.17.425, cited as an example: an administrative decision")
forbid (principal in Statelink::AgencyGroup::"immigration-enforcement", action, resource)
unless { context.serious_crime && context.review_approved };

@id("plates")
forbid (principal, action in [Statelink::Action::"RPQ", Statelink::Action::"RNQ"], resource)
when { context.multi_state };
"""


def test_each_rule_with_its_effect_words_law_and_text_as_written() -> None:
    rules = {r.id: r for r in rules_of(Policies.from_files({"p.cedar": SET}))}
    assert list(rules) == ["all-c", "ice", "plates"]
    assert (rules["all-c"].effect, rules["all-c"].label, rules["all-c"].tone) == (
        Effect.PERMIT,
        "permits",
        "permit",
    )
    assert rules["ice"].label == "forbids; a reviewer can release it"
    assert rules["ice"].tone == "hold"
    assert rules["plates"].tone == "deny"
    assert rules["ice"].applies == "agencies in group immigration-enforcement; any message key"
    assert rules["plates"].applies == "any agency; RPQ, RNQ"
    assert rules["ice"].citation.cited == "RCW 43.17.425"
    assert rules["ice"].citation.example
    assert not rules["ice"].citation.modelled
    assert rules["all-c"].citation.notes == ("No law is cited: the state's own rule.",)
    assert rules["ice"].cedar.startswith('@id("ice")\n@reason("Immigration agencies; a \\"')
    assert rules["ice"].cedar.endswith("context.review_approved };")
    assert "header comment" not in rules["all-c"].cedar


def test_statements_cut_at_semicolons_outside_strings_and_comments() -> None:
    text = (
        '// x; y\n@id("a;b") permit (principal, action, resource); // z;\n'
        '@id("c")\nforbid (principal, action, resource);'
    )
    assert statements(text) == [
        '@id("a;b") permit (principal, action, resource);',
        '@id("c")\nforbid (principal, action, resource);',
    ]


def test_readers_name_the_rules_that_read_an_attribute() -> None:
    policies = Policies.from_files({"p.cedar": SET})
    assert readers(policies, "serious_crime") == ("ice",)
    assert readers(policies, "certified") == ()


@pytest.mark.parametrize(
    ("rule", "kind", "what"),
    [
        ("no-civil-immigration", ChangeKind.REMOVED, ()),
        ("no-partial-plate-multistate", ChangeKind.REMOVED, ()),
        ("no-immigration-agencies", ChangeKind.ADDED, ()),
        ("cj-access", ChangeKind.CHANGED, ("conditions", "reason")),
        ("warrant-access", ChangeKind.CHANGED, ("law",)),
        ("certification-required", ChangeKind.CHANGED, ("reason", "law")),
    ],
)
def test_rule_changes_from_the_wa_template_to_ny_s(
    rule: str, kind: ChangeKind, what: tuple[str, ...]
) -> None:
    old = Policies.from_files({POLICY_FILE: render("wa", "WA")[POLICY_FILE]})
    new = Policies.from_files({POLICY_FILE: render("ny", "WA")[POLICY_FILE]})
    found = {c.id: c for c in rule_changes(old, new)}
    assert (found[rule].kind, found[rule].what) == (kind, what)


def test_the_same_rules_in_another_layout_do_not_change() -> None:
    policies = Policies.from_files({"p.cedar": SET})
    moved = Policies.from_files({"q.cedar": "\n\n" + SET.replace("// the review path\n", "")})
    assert rule_changes(policies, moved) == []
