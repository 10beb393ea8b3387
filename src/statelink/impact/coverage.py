"""Who can still get a state's data, and how: the back-door finder.

Coverage is the difference between a policy set and a set that releases nothing, read
by agency class: for each class of agencies that no policy can tell apart, every path
by which they obtain the state's driver or vehicle data, released at once (``permit``)
or after a reviewer approves it case by case (``hold``), with the message keys and the
context it needs. A class with no path gets nothing. Like :mod:`statelink.impact.diff`
it runs over every point of the domain; nothing is sampled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

import cedarpy

from statelink.directory import Agency
from statelink.errors import UsageError
from statelink.impact.diff import Region, regions_of
from statelink.impact.domain import ClassSummary, Domain, Point
from statelink.impact.example import ExampleJson
from statelink.policy.engine import Outcome, PolicyEngine
from statelink.policy.partition import Partition
from statelink.policy.policies import Policies

OBTAINS = (Outcome.PERMIT, Outcome.HOLD)


@dataclass(frozen=True)
class Who:
    """Which agencies to look at: every filter given must hold (none given: all)."""

    group: str = ""
    component: str = ""
    ori: str = ""

    def admits(self, agency: Agency) -> bool:
        return (
            (not self.group or self.group.lower() in agency.groups)
            and (not self.component or agency.component == self.component.upper())
            and (not self.ori or agency.ori == self.ori.upper())
        )

    def describe(self) -> str:
        parts = [
            f"{name} {value}"
            for name, value in (
                ("group", self.group),
                ("component", self.component),
                ("ORI", self.ori),
            )
            if value
        ]
        return ", ".join(parts) or "every agency"


class PathJson(TypedDict):
    outcome: str
    mkes: list[str]
    data: list[str]
    context: dict[str, list[str]]
    example: ExampleJson


ClassCoverageJson = TypedDict(
    "ClassCoverageJson", {"class": ClassSummary, "oris": list[str], "paths": list[PathJson]}
)


class CoverageJson(TypedDict):
    state: str
    digest: str
    who: str
    exact: bool
    inexact: list[str]
    unreachable_literals: list[str]
    points: int
    classes: list[ClassCoverageJson]


@dataclass(frozen=True)
class ClassCoverage:
    """One class of agencies and every path by which they obtain data."""

    agency_class: ClassSummary
    oris: tuple[str, ...]
    paths: tuple[Region, ...]  # before: deny (nothing); after: permit or hold

    def as_dict(self) -> ClassCoverageJson:
        return {
            "class": self.agency_class,
            "oris": list(self.oris),
            "paths": [_path(p) for p in self.paths],
        }


def _path(region: Region) -> PathJson:
    return {
        "outcome": region.after.value,
        "mkes": list(region.mkes),
        "data": list(region.data),
        "context": region.conditions,
        "example": region.example.as_dict(),
    }


@dataclass(frozen=True)
class Coverage:
    state: str
    digest: str
    who: str
    exact: bool
    inexact: tuple[str, ...]
    unreachable: tuple[str, ...]
    points: int
    classes: tuple[ClassCoverage, ...]

    def as_dict(self) -> CoverageJson:
        return {
            "state": self.state,
            "digest": self.digest,
            "who": self.who,
            "exact": self.exact,
            "inexact": list(self.inexact),
            "unreachable_literals": list(self.unreachable),
            "points": self.points,
            "classes": [c.as_dict() for c in self.classes],
        }


Obtains = dict[Outcome, list[Point]]
"""The points where a class obtains data, by outcome (permit or hold)."""


def coverage(
    policies: Policies,
    agencies: list[Agency],
    entities: cedarpy.Entities,
    *,
    state: str,
    who: Who = Who(),
) -> Coverage:
    domain = Domain.build(Partition.of(policies.est.values()), agencies, state, review=False)
    engine = PolicyEngine(policies, entities)
    chosen = {n: [a for a in c.agencies if who.admits(a)] for n, c in enumerate(domain.classes)}
    chosen = {n: members for n, members in chosen.items() if members}
    if not chosen:
        raise UsageError(f"no agency of the directory matches {who.describe()}")
    obtains, points = _obtains(domain, engine, set(chosen))
    classes = [
        ClassCoverage(
            domain.classes[n].describe(members),
            tuple(a.ori for a in members),
            tuple(_paths(domain, engine, n, members, obtains[n])),
        )
        for n, members in chosen.items()
    ]
    return Coverage(
        state=state,
        digest=policies.digest,
        who=who.describe(),
        exact=domain.exact,
        inexact=domain.inexact,
        unreachable=domain.unreachable,
        points=points,
        classes=tuple(classes),
    )


def _obtains(
    domain: Domain, engine: PolicyEngine, chosen: set[int]
) -> tuple[dict[int, Obtains], int]:
    """Where each chosen class obtains data, and how many points its classes have."""
    obtains: dict[int, Obtains] = {n: {} for n in chosen}
    decided: dict[tuple[int, str, tuple[int, ...]], Outcome] = {}
    points = 0
    for point in domain.points():
        if point.agency_class not in chosen:
            continue
        points += 1
        key = domain.decided_as(point)
        if key not in decided:
            decided[key] = engine.decide(domain.request(Point(*key))).outcome
        outcome = decided[key]
        if outcome in OBTAINS:
            obtains[point.agency_class].setdefault(outcome, []).append(point)
    return obtains, points


def _paths(
    domain: Domain, engine: PolicyEngine, n: int, members: list[Agency], obtains: Obtains
) -> list[Region]:
    """Class ``n``'s paths (through ``members``): permit ones first, then hold ones."""
    return [
        path
        for outcome in OBTAINS
        for path in regions_of(
            domain,
            Outcome.DENY,
            outcome,
            obtains.get(outcome, []),
            (engine,),
            agencies={n: members},
        )
    ]
