"""Who can still obtain a state's data: every path, checked against every point."""

from __future__ import annotations

from typing import Any

import pytest

from statelink.directory import Directory, seed_directory
from statelink.errors import UsageError
from statelink.impact import Who, coverage
from statelink.impact.domain import Domain
from statelink.policy.engine import Outcome, PolicyEngine
from statelink.policy.entities import entities
from statelink.policy.partition import Partition
from statelink.policy.policies import Policies
from statelink.policy.templates import POLICY_FILE, render

EVERY_KEY = ["DQ", "DNQ", "KQ", "RQ", "RNQ", "RPQ"]
CJ_PURPOSES = ["C", "T", "W", "M", "J"]

CASES: list[tuple[str, str, Who, list[dict[str, Any]]]] = [
    (
        "wa",
        "WA",
        Who(component="HSI"),
        [
            {
                "outcome": "permit",
                "mkes": EVERY_KEY,
                "context": {
                    "warrant": ["judicial warrant", "court-order warrant"],
                    "certified": ["true"],
                },
            },
            {
                "outcome": "hold",
                "mkes": EVERY_KEY,
                "context": {
                    "purpose": [*CJ_PURPOSES, "U"],  # U: a request that states none
                    "warrant": ["no warrant", "subpoena or administrative warrant"],
                    "serious_crime": ["true"],
                    "certified": ["true"],
                },
            },
        ],
    ),
    (
        "ny",
        "NY",
        Who(component="CBP"),
        [
            {
                "outcome": "permit",
                "mkes": EVERY_KEY,
                "context": {
                    "warrant": ["judicial warrant", "court-order warrant"],
                    "certified": ["true"],
                },
            }
        ],
    ),
    (
        "ma",
        "MA",
        Who(group="ice"),
        [
            {
                "outcome": "permit",
                "mkes": EVERY_KEY,
                "context": {
                    "warrant": [
                        "judicial warrant, no court named",
                        "judicial warrant, a court named",
                        "court-order warrant, no court named",
                        "court-order warrant, a court named",
                        "subpoena warrant, a court named",
                    ]
                },
            }
        ],
    ),
]


@pytest.fixture(scope="module")
def directory() -> Directory:
    return seed_directory()


def template(name: str, state: str) -> Policies:
    return Policies.from_files({POLICY_FILE: render(name, state)[POLICY_FILE]})


@pytest.mark.parametrize(("name", "state", "who", "paths"), CASES, ids=[c[0] for c in CASES])
def test_every_path_and_nothing_else(
    name: str, state: str, who: Who, paths: list[dict[str, Any]], directory: Directory
) -> None:
    policies = template(name, state)
    found = coverage(policies, list(directory), entities(directory), state=state, who=who)
    assert found.exact
    wanted = sorted(a.ori for a in directory if who.admits(a))
    assert sorted(o for c in found.classes for o in c.oris) == wanted
    for cls in found.classes:
        made = [
            {"outcome": p.after.value, "mkes": list(p.mkes), "context": p.conditions}
            for p in cls.paths
        ]
        assert made == paths, cls.agency_class["label"]
        for path in cls.paths:
            assert path.example.ori in cls.oris
            assert path.example.decisions[0].outcome == path.after.value

    # the paths cover exactly the points where these agencies obtain something
    domain = Domain.build(Partition.of(policies.est.values()), list(directory), state, review=False)
    engine = PolicyEngine(policies, entities(directory))
    obtaining = 0
    for point in domain.points():
        members = domain.classes[point.agency_class].agencies
        if any(who.admits(a) for a in members):
            outcome = engine.decide(domain.request(point), cached=False).outcome
            obtaining += outcome in (Outcome.PERMIT, Outcome.HOLD)
    assert sum(p.points for c in found.classes for p in c.paths) == obtaining


def test_one_agency(directory: Directory) -> None:
    found = coverage(
        template("wa", "WA"),
        list(directory),
        entities(directory),
        state="WA",
        who=Who(ori="WAICE0100"),
    )
    (cls,) = found.classes
    assert cls.oris == ("WAICE0100",)
    assert cls.agency_class["in_state"] is True
    assert {p.after.value for p in cls.paths} == {"permit", "hold"}


def test_nothing_is_a_path_of_its_own(directory: Directory) -> None:
    nothing = Policies.from_files({"p.cedar": '@id("none") forbid (principal, action, resource);'})
    found = coverage(
        nothing, list(directory), entities(directory), state="WA", who=Who(group="ice")
    )
    assert found.classes
    assert all(not c.paths for c in found.classes)


def test_a_filter_nobody_matches_is_refused(directory: Directory) -> None:
    with pytest.raises(UsageError, match="no agency"):
        coverage(
            template("wa", "WA"),
            list(directory),
            entities(directory),
            state="WA",
            who=Who(component="NOPE"),
        )
