"""What a policy set can tell apart, read from Cedar's JSON form: a table of policies and
the uses the partition must find."""

from __future__ import annotations

from typing import Any

import pytest

from statelink.policy.partition import Partition, matches
from statelink.policy.policies import Policies


def partition_of(text: str) -> Partition:
    return Partition.of(Policies.from_files({"p.cedar": text}).est.values())


def permit(condition: str, scope: str = "principal, action, resource") -> str:
    return f'@id("p") permit ({scope}) when {{ {condition} }};'


CASES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "set literal contains",
        permit('["C", "T"].contains(context.purpose)'),
        {"context": {"purpose": ({"C", "T"}, set(), False)}},
    ),
    (
        "equality both ways round, and inequality",
        permit('context.purpose == "I" && "judicial" != context.warrant.kind'),
        {
            "context": {
                "purpose": ({"I"}, set(), False),
                "warrant.kind": ({"judicial"}, set(), False),
            }
        },
    ),
    (
        "like pattern",
        permit('context.offense like "09*"'),
        {"context": {"offense": (set(), {("09", None)}, False)}},
    ),
    (
        "a bool read plainly",
        permit("context.certified && !context.serious_crime"),
        {"context": {"certified": (set(), set(), True), "serious_crime": (set(), set(), True)}},
    ),
    (
        "compared with another attribute: raw",
        permit("context.reason == context.case_number"),
        {"context": {"reason": (set(), set(), True), "case_number": (set(), set(), True)}},
    ),
    (
        "has is always true",
        permit('context has reason && context.reason == "X1"'),
        {"context": {"reason": ({"X1"}, set(), False)}},
    ),
    (
        "groups named in the scope and the condition",
        permit(
            'principal in Statelink::AgencyGroup::"ice"',
            'principal in Statelink::AgencyGroup::"federal", action, resource',
        ),
        {"groups": {"federal", "ice"}},
    ),
    (
        "an agency named",
        permit('principal == Statelink::Agency::"WAICE0100"'),
        {"agencies": {"WAICE0100"}},
    ),
    (
        "agencies named in a set",
        permit('principal in [Statelink::AgencyGroup::"ice", Statelink::AgencyGroup::"cbp"]'),
        {"groups": {"ice", "cbp"}},
    ),
    (
        "principal attribute compared with a literal",
        permit('principal.component == "HSI"'),
        {"principal": {"component": ({"HSI"}, set(), False)}},
    ),
    (
        "principal attribute compared with the resource: raw, and the state is needed",
        permit("principal.state == resource.state"),
        {"principal": {"state": (set(), set(), True)}, "resource_specific": True},
    ),
    (
        "resource kind is not state-specific",
        permit('resource.kind == "driver"'),
        {"resource_specific": False},
    ),
    (
        "a dataset named",
        permit("true", 'principal, action, resource == Statelink::Dataset::"WA/driver"'),
        {"resource_specific": True},
    ),
    (
        "actions named in the scope and the condition",
        permit(
            'action == Statelink::Action::"RPQ" || action in Statelink::Action::"driver-data"',
            'principal, action in [Statelink::Action::"DQ", Statelink::Action::"KQ"], resource',
        ),
        {"actions": {"RPQ", "driver-data", "DQ", "KQ"}},
    ),
    (
        "the warrant record compared whole",
        permit('context.warrant == {"kind": "judicial", "id": "1", "court": ""}'),
        {"context": {"warrant": (set(), set(), True)}},
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_the_partition_finds_every_use(name: str, text: str, expected: dict[str, Any]) -> None:
    found = partition_of(text)
    for path, (literals, patterns, raw) in expected.get("context", {}).items():
        use = found.context[path]
        assert (use.literals, use.patterns, use.raw) == (literals, patterns, raw), path
    for attr, (literals, patterns, raw) in expected.get("principal", {}).items():
        use = found.principal[attr]
        assert (use.literals, use.patterns, use.raw) == (literals, patterns, raw), attr
    assert found.groups == expected.get("groups", set())
    assert found.agencies == expected.get("agencies", set())
    assert found.resource_specific is expected.get("resource_specific", False)
    assert found.actions == expected.get("actions", set())


def test_a_record_read_whole_makes_its_fields_raw() -> None:
    found = partition_of(permit('context.warrant == {"kind": "judicial", "id": "1", "court": ""}'))
    assert found.reads("warrant.kind")
    assert found.use("warrant.kind").raw


def test_union_merges_the_uses_of_several_sets() -> None:
    merged = Partition.union(
        [
            partition_of(permit('context.purpose == "C"')),
            partition_of(permit('context.purpose == "I"')),
        ]
    )
    assert merged.context["purpose"].literals == {"C", "I"}


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        (("09", None), "0911", True),
        (("09", None), "1009", False),
        ((None, "99"), "6499", True),
        (("a.b",), "a.b", True),
        (("a.b",), "axb", False),
        ((None,), "", True),
    ],
)
def test_like_matches_as_cedar_does(
    pattern: tuple[str | None, ...], value: str, expected: bool
) -> None:
    assert matches(pattern, value) is expected
