"""The exact difference of two policy sets: a table of policy pairs, their verdicts and the
regions that must be found; every counterexample is checked to really differ."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import cedarpy
import pytest

from statelink.directory import Directory, seed_directory
from statelink.errors import DomainTooLarge, UsageError
from statelink.impact import Diff, Verdict, diff
from statelink.impact.diff import RegionJson
from statelink.messages.text import decode
from statelink.policy.context import Context, with_facts
from statelink.policy.entities import entities
from statelink.policy.policies import Policies
from statelink.policy.schema import schema
from statelink.policy.templates import POLICY_FILE, render

PERMISSIVE = render("permissive", "WA")[POLICY_FILE]
WA = render("wa", "WA")[POLICY_FILE]

WA_REWRITTEN = {
    # the same meaning: || instead of contains, unless turned into when !, the group in the
    # scope moved into the condition, the policies reordered across two files
    "access.cedar": """
@id("warrant-access")
permit (principal, action, resource)
when { context.has_warrant &&
       (context.warrant.kind == "court-order" || context.warrant.kind == "judicial") };

@id("cj-access")
permit (principal, action, resource)
when { context.purpose == "C" || context.purpose == "T" || context.purpose == "W"
       || context.purpose == "M" || context.purpose == "J" };

@id("unstated-purpose-access")
permit (principal, action, resource)
when { context.purpose == "U" && !(principal.kind == "NJ") };
""",
    "limits.cedar": """
@id("no-partial-plate-multistate")
forbid (principal, action, resource)
when { action == Statelink::Action::"RPQ" && context.multi_state };

@id("certification-required")
forbid (principal, action, resource)
when {
  !((context.in_state && !(principal in Statelink::AgencyGroup::"federal")) || context.certified)
};

@id("no-civil-immigration-purpose")
forbid (principal, action, resource)
when {
  context.purpose == "I" &&
  !(context.has_warrant && ["judicial", "court-order"].contains(context.warrant.kind))
};

@id("no-civil-immigration")
forbid (principal, action, resource)
when {
  principal in Statelink::AgencyGroup::"immigration-enforcement" &&
  !(context.has_warrant && ["judicial", "court-order"].contains(context.warrant.kind)) &&
  !(context.serious_crime && context.review_approved)
};
""",
}

WA_WITHOUT_REVIEW = WA.replace(" ||\n  (context.serious_crime && context.review_approved)", "")
DEA_ADMIN_DQ = (
    PERMISSIVE
    + """
@id("no-dea-admin-warrants")
forbid (principal in Statelink::AgencyGroup::"dea", action == Statelink::Action::"DQ", resource)
when { context.purpose == "W" && context.has_warrant && context.warrant.kind == "administrative" };
"""
)


def with_policy(base: str, policy: str) -> str:
    return base + "\n" + policy


@dataclass(frozen=True)
class Case:
    name: str
    old: str | dict[str, str]
    new: str | dict[str, str]
    verdict: Verdict
    exact: bool = True
    regions: list[dict[str, Any]] = field(default_factory=list)  # each must be found
    count: int | None = None  # how many regions, when it matters
    state: str | None = "WA"
    unreachable: bool = False
    by_mke: dict[str, Verdict] = field(default_factory=dict)


CASES = [
    Case("a set against itself", WA, WA, Verdict.EQUIVALENT, count=0),
    Case("written differently, same meaning", WA, WA_REWRITTEN, Verdict.EQUIVALENT, count=0),
    Case(
        "purposes named by what they are not (the purpose codes are finite)",
        '@id("a") permit (principal, action, resource) '
        'when { ["C", "T"].contains(context.purpose) };',
        '@id("a") permit (principal, action, resource) '
        'when { !["W", "M", "I", "A", "J", "U"].contains(context.purpose) };',
        Verdict.EQUIVALENT,
        count=0,
    ),
    Case(
        "a warrant kind is empty without a warrant",
        '@id("a") permit (principal, action, resource) '
        'when { context.has_warrant && context.warrant.kind == "judicial" };',
        '@id("a") permit (principal, action, resource) '
        'when { context.warrant.kind == "judicial" };',
        Verdict.EQUIVALENT,
        count=0,
    ),
    Case(
        "one class, one key, one purpose, one warrant kind",
        PERMISSIVE,
        DEA_ADMIN_DQ,
        Verdict.STRICTER,
        count=1,
        regions=[
            {
                "from": "permit",
                "to": "deny",
                "mkes": ["DQ"],
                "context": {"purpose": ["W"], "warrant": ["administrative warrant"]},
                "oris": "dea",
                "every_ori": True,
            }
        ],
        by_mke={"DQ": Verdict.STRICTER, "KQ": Verdict.EQUIVALENT, "RQ": Verdict.EQUIVALENT},
    ),
    Case("today's practice to the WA law", PERMISSIVE, WA, Verdict.STRICTER),
    Case("the WA law to today's practice", WA, PERMISSIVE, Verdict.MORE_PERMISSIVE),
    Case(
        "WA to NY: licensing purposes allowed, serious-crime review gone",
        WA,
        render("ny", "WA")[POLICY_FILE],
        Verdict.INCOMPARABLE,
        regions=[
            {"from": "deny", "to": "permit", "context": {"purpose": ["A"]}},
            {
                "from": "hold",
                "to": "deny",
                "context": {"serious_crime": ["true"], "review_approved": ["false"]},
                "oris": "immigration-enforcement",
            },
        ],
    ),
    Case(
        "no case-by-case review: every hold becomes a deny",
        WA,
        WA_WITHOUT_REVIEW,
        Verdict.STRICTER,
        count=2,
        regions=[
            {"from": "hold", "to": "deny", "context": {"review_approved": ["false"]}},
            {"from": "permit", "to": "deny", "context": {"review_approved": ["true"]}},
        ],
    ),
    Case(
        "IL to NY per message key",
        render("il", "IL")[POLICY_FILE],
        render("ny", "IL")[POLICY_FILE],
        Verdict.INCOMPARABLE,
        state="IL",
        by_mke={"DQ": Verdict.STRICTER, "DNQ": Verdict.INCOMPARABLE},
    ),
    Case(
        "a pattern on an unbounded attribute: a change is found, no verdict is claimed",
        PERMISSIVE,
        with_policy(
            PERMISSIVE,
            '@id("x") forbid (principal, action, resource) when { context.reason like "*Z*" };',
        ),
        Verdict.UNKNOWN,
        exact=False,
        regions=[{"from": "permit", "to": "deny"}],
    ),
    Case(
        "patterns with no difference found: never called equivalent",
        with_policy(
            PERMISSIVE,
            '@id("x") forbid (principal, action, resource) when { context.reason like "A*" };',
        ),
        with_policy(
            PERMISSIVE,
            '@id("x") forbid (principal, action, resource) when { context.reason like "A*" };\n'
            '@id("y") forbid (principal, action, resource) when { context.reason like "AB*" };',
        ),
        Verdict.UNKNOWN,
        exact=False,
        count=0,
    ),
    Case(
        "a literal no message carries changes nothing, and is reported",
        PERMISSIVE,
        with_policy(
            PERMISSIVE,
            '@id("x") forbid (principal, action, resource) when { context.purpose == "X" };',
        ),
        Verdict.EQUIVALENT,
        count=0,
        unreachable=True,
    ),
    Case(
        "no offense is never serious crime",
        '@id("a") permit (principal, action, resource) when { context.serious_crime };',
        '@id("a") permit (principal, action, resource) '
        'when { context.serious_crime && context.offense != "" };',
        Verdict.EQUIVALENT,
        count=0,
    ),
    Case(
        "a finite attribute matched with a pattern is still exact",
        PERMISSIVE,
        with_policy(
            PERMISSIVE,
            '@id("x") forbid (principal, action, resource) when { context.offense like "09*" };',
        ),
        Verdict.STRICTER,
        count=1,
        regions=[{"from": "permit", "to": "deny", "context": {"offense": ["100 other values"]}}],
    ),
    Case(
        "a rule moved from one message key to another",
        with_policy(
            PERMISSIVE,
            '@id("x") forbid (principal, action == Statelink::Action::"DQ", resource) '
            'when { context.purpose == "T" };',
        ),
        with_policy(
            PERMISSIVE,
            '@id("x") forbid (principal, action == Statelink::Action::"KQ", resource) '
            'when { context.purpose == "T" };',
        ),
        Verdict.INCOMPARABLE,
        count=2,
        regions=[
            {"from": "deny", "to": "permit", "mkes": ["DQ"], "context": {"purpose": ["T"]}},
            {"from": "permit", "to": "deny", "mkes": ["KQ"], "context": {"purpose": ["T"]}},
        ],
        by_mke={"DQ": Verdict.MORE_PERMISSIVE, "KQ": Verdict.STRICTER, "DNQ": Verdict.EQUIVALENT},
    ),
    Case(
        "a group of keys against the same keys named one by one",
        with_policy(
            PERMISSIVE,
            '@id("x") forbid (principal, action in Statelink::Action::"vehicle-data", resource) '
            'when { context.purpose == "I" };',
        ),
        with_policy(
            PERMISSIVE,
            '@id("x") forbid (principal, action in [Statelink::Action::"RQ", '
            'Statelink::Action::"RNQ", Statelink::Action::"RPQ"], resource) '
            'when { context.purpose == "I" };',
        ),
        Verdict.EQUIVALENT,
        count=0,
    ),
    Case(
        "without a state, in_state is free",
        PERMISSIVE,
        with_policy(
            PERMISSIVE, '@id("x") forbid (principal, action, resource) unless { context.in_state };'
        ),
        Verdict.STRICTER,
        count=1,
        state=None,
        regions=[{"from": "permit", "to": "deny", "context": {"in_state": ["false"]}}],
    ),
]


@pytest.fixture(scope="module")
def directory() -> Directory:
    return seed_directory()


def sets(value: str | dict[str, str]) -> Policies:
    return Policies.from_files(value if isinstance(value, dict) else {"p.cedar": value})


def cedar_decides(
    policies: Policies,
    directory: Directory,
    ori: str,
    mke: str,
    state: str,
    context: Context,
) -> str:
    """The plain Cedar answer (Allow or Deny), without statelink's engine."""
    dataset = "driver" if mke in ("DQ", "DNQ", "KQ") else "vehicle"
    result = cedarpy.is_authorized(
        {
            "principal": {"type": "Statelink::Agency", "id": ori},
            "action": {"type": "Statelink::Action", "id": mke},
            "resource": {"type": "Statelink::Dataset", "id": f"{state}/{dataset}"},
            "context": context,
        },
        policies.text(),
        entities(directory),
        schema(),
    )
    return str(result.decision.value)


def outcome(
    policies: Policies,
    directory: Directory,
    ori: str,
    mke: str,
    state: str,
    context: Context,
) -> str:
    """permit / deny / hold by plain Cedar (hold: deny, but permit with approval)."""
    if cedar_decides(policies, directory, ori, mke, state, context) == "Allow":
        return "permit"
    if context["review_approved"]:
        return "deny"
    approved = with_facts(context, {"review_approved": True})
    return (
        "hold"
        if cedar_decides(policies, directory, ori, mke, state, approved) == "Allow"
        else "deny"
    )


def matches(region: RegionJson, expected: dict[str, Any], directory: Directory) -> bool:
    if (region["from"], region["to"]) != (expected["from"], expected["to"]):
        return False
    if "mkes" in expected and region["mkes"] != expected["mkes"]:
        return False
    for name, values in expected.get("context", {}).items():
        if region["context"].get(name) != values:
            return False
    if "oris" in expected:
        group = expected["oris"]
        wanted = sorted(a.ori for a in directory if group in a.groups)
        if expected.get("every_ori"):
            return bool(region["oris"] == wanted)
        return set(region["oris"]) <= set(wanted)
    return True


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_diff_finds_exactly_what_changes(case: Case, directory: Directory) -> None:
    old, new = sets(case.old), sets(case.new)
    found: Diff = diff(old, new, list(directory), entities(directory), state=case.state)
    assert found.verdict is case.verdict
    assert found.exact is case.exact
    assert bool(found.unreachable) is case.unreachable
    made = found.as_dict()
    if case.count is not None:
        assert len(made["changes"]) == case.count, [
            (r["from"], r["to"], r["context"]) for r in made["changes"]
        ]
    for expected in case.regions:
        assert any(matches(r, expected, directory) for r in made["changes"]), expected
    for mke, verdict in case.by_mke.items():
        assert found.by_mke[mke] is verdict
    for region in found.regions:
        example = region.example
        message = decode(example.message)  # a valid one-line message
        assert (message.ori, message.mke) == (example.ori, example.mke)
        assert message.purpose == example.context["purpose"]
        assert example.ori in region.oris
        before = outcome(old, directory, example.ori, example.mke, example.state, example.context)
        after = outcome(new, directory, example.ori, example.mke, example.state, example.context)
        assert (before, after) == (region.before.value, region.after.value)


def test_the_one_class_change_is_a_sliver_of_the_domain(directory: Directory) -> None:
    """The DEA change touches 2 of the domain's points; the agencies in it are 0.2% of the
    directory, so a sample of requests would almost never meet it."""
    found = diff(
        sets(PERMISSIVE), sets(DEA_ADMIN_DQ), list(directory), entities(directory), state="WA"
    )
    (region,) = found.regions
    assert region.points == 2  # multi-state or not
    assert len(region.oris) / found.agencies < 0.005
    assert region.oris == tuple(sorted(a.ori for a in directory if "dea" in a.groups))


def test_a_comparison_too_large_to_decide_is_refused(directory: Directory) -> None:
    wide = (
        '@id("a") permit (principal, action, resource) when { principal.ori == context.offense };'
    )
    with pytest.raises(DomainTooLarge, match="more than 1,000,000"):
        diff(sets(PERMISSIVE), sets(wide), list(directory), entities(directory), state="WA")


def test_a_set_that_looks_at_the_dataset_s_state_needs_a_state(directory: Directory) -> None:
    specific = '@id("a") permit (principal, action, resource) when { resource.state == "WA" };'
    with pytest.raises(UsageError, match="--state"):
        diff(sets(PERMISSIVE), sets(specific), list(directory), entities(directory), state=None)
