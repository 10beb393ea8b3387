"""The exact difference between two policy sets, over every request a node can decide.

Both sets decide every point of one :class:`~statelink.impact.domain.Domain` (built from
what *either* set looks at), through the node's own engine, so a hold is a hold exactly
as a node would decide it. The points whose outcome changes are merged into regions:
from → to, the message keys, the context values, the agency classes with every ORI in
them, and one counterexample each sets decides differently. Nothing is sampled.

The verdict compares how permissive the outcomes are (permit > hold > deny):
``equivalent`` (no point changes), ``stricter`` (every change gives less),
``more-permissive`` (every change gives more) or ``incomparable`` (both). When an
attribute could not be cut exactly the verdict is ``unknown`` unless changes in both
directions were found: no equivalence is claimed that was not proven.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypedDict

import cedarpy

from statelink.directory import Agency
from statelink.impact.domain import ClassSummary, Domain, Point
from statelink.impact.example import Example, ExampleJson, example
from statelink.impact.outcomes import RANK
from statelink.impact.regions import Box, first_real, merge, points_of
from statelink.messages.keys import MESSAGE_KEYS
from statelink.policy.engine import Outcome, PolicyEngine
from statelink.policy.partition import Partition
from statelink.policy.policies import Policies


class Verdict(StrEnum):
    EQUIVALENT = "equivalent"
    STRICTER = "stricter"
    MORE_PERMISSIVE = "more-permissive"
    INCOMPARABLE = "incomparable"
    UNKNOWN = "unknown"


def direction(before: Outcome, after: Outcome) -> Verdict:
    return Verdict.STRICTER if RANK[after.value] < RANK[before.value] else Verdict.MORE_PERMISSIVE


def verdict(found: set[Verdict], *, exact: bool) -> Verdict:
    if len(found) > 1:
        return Verdict.INCOMPARABLE
    if not exact:
        return Verdict.UNKNOWN
    return next(iter(found), Verdict.EQUIVALENT)


RegionJson = TypedDict(
    "RegionJson",
    {
        "from": str,
        "to": str,
        "mkes": list[str],
        "data": list[str],
        "context": dict[str, list[str]],
        "classes": list[ClassSummary],
        "oris": list[str],
        "points": int,
        "example": ExampleJson,
    },
)


class DiffJson(TypedDict):
    state: str | None
    old_digest: str
    new_digest: str
    verdict: str
    exact: bool
    inexact: list[str]
    unreachable_literals: list[str]
    evaluated: int
    points: int
    agency_classes: int
    agencies: int
    by_mke: dict[str, str]
    changes: list[RegionJson]


@dataclass(frozen=True)
class Region:
    """Requests whose outcome goes from ``before`` to ``after``."""

    before: Outcome
    after: Outcome
    mkes: tuple[str, ...]
    conditions: dict[str, list[str]]  # dimension -> cells (a dimension not named: any)
    classes: tuple[ClassSummary, ...]
    oris: tuple[str, ...]
    points: int
    example: Example

    @property
    def data(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(MESSAGE_KEYS[m].dataset for m in self.mkes))

    def as_dict(self) -> RegionJson:
        return {
            "from": self.before.value,
            "to": self.after.value,
            "mkes": list(self.mkes),
            "data": list(self.data),
            "context": self.conditions,
            "classes": list(self.classes),
            "oris": list(self.oris),
            "points": self.points,
            "example": self.example.as_dict(),
        }


@dataclass(frozen=True)
class Diff:
    state: str | None
    old_digest: str
    new_digest: str
    verdict: Verdict
    exact: bool
    inexact: tuple[str, ...]
    unreachable: tuple[str, ...]
    evaluated: int  # decisions made (2 per point, or per point of the keys that stand for it)
    points: int
    classes: int
    agencies: int
    by_mke: dict[str, Verdict]
    regions: tuple[Region, ...] = field(default=())

    def as_dict(self) -> DiffJson:
        return {
            "state": self.state,
            "old_digest": self.old_digest,
            "new_digest": self.new_digest,
            "verdict": self.verdict.value,
            "exact": self.exact,
            "inexact": list(self.inexact),
            "unreachable_literals": list(self.unreachable),
            "evaluated": self.evaluated,
            "points": self.points,
            "agency_classes": self.classes,
            "agencies": self.agencies,
            "by_mke": {k: v.value for k, v in self.by_mke.items()},
            "changes": [r.as_dict() for r in self.regions],
        }


def engines(sets: Iterable[Policies], entities: cedarpy.Entities) -> tuple[PolicyEngine, ...]:
    return tuple(PolicyEngine(p, entities) for p in sets)


Changes = dict[tuple[Outcome, Outcome], list[Point]]
"""The points of each change (before, after)."""


def diff(
    old: Policies,
    new: Policies,
    agencies: list[Agency],
    entities: cedarpy.Entities,
    *,
    state: str | None,
) -> Diff:
    """Every point where ``old`` and ``new`` decide differently (see the module)."""
    partition = Partition.union([Partition.of(old.est.values()), Partition.of(new.est.values())])
    domain = Domain.build(partition, agencies, state, review=True)
    pair = engines((old, new), entities)
    changed, points, evaluated = _changes(domain, pair)
    regions = [
        region
        for (before, after), found in sorted(changed.items(), key=_order)
        for region in regions_of(domain, before, after, found, pair)
    ]
    return Diff(
        state=state,
        old_digest=old.digest,
        new_digest=new.digest,
        verdict=verdict({direction(b, a) for b, a in changed}, exact=domain.exact),
        exact=domain.exact,
        inexact=domain.inexact,
        unreachable=domain.unreachable,
        evaluated=evaluated,
        points=points,
        classes=len(domain.classes),
        agencies=sum(len(c.agencies) for c in domain.classes),
        by_mke=_by_mke(domain, changed),
        regions=tuple(regions),
    )


def _changes(domain: Domain, pair: tuple[PolicyEngine, ...]) -> tuple[Changes, int, int]:
    """Both sets decide every point: the points that change, the points and the decisions
    made (a point decides as its key's representative does)."""
    changed: Changes = {}
    decided: dict[tuple[int, str, tuple[int, ...]], tuple[Outcome, Outcome]] = {}
    points = evaluated = 0
    for point in domain.points():
        points += 1
        key = domain.decided_as(point)
        if key not in decided:
            request = domain.request(Point(*key))
            decided[key] = (pair[0].decide(request).outcome, pair[1].decide(request).outcome)
            evaluated += 2
        before, after = decided[key]
        if before is not after:
            changed.setdefault((before, after), []).append(point)
    return changed, points, evaluated


def _by_mke(domain: Domain, changed: Changes) -> dict[str, Verdict]:
    return {
        mke: verdict(
            {direction(b, a) for (b, a), pts in changed.items() if any(p.mke == mke for p in pts)},
            exact=domain.exact,
        )
        for mke in domain.mkes
    }


def _order(item: tuple[tuple[Outcome, Outcome], list[Point]]) -> tuple[int, int, int]:
    (before, after), points = item
    return (-len(points), RANK[before.value], RANK[after.value])


def regions_of(
    domain: Domain,
    before: Outcome,
    after: Outcome,
    points: list[Point],
    pair: tuple[PolicyEngine, ...],
    *,
    agencies: dict[int, list[Agency]] | None = None,
) -> list[Region]:
    """Points of one change merged into regions (``agencies``: only these, by class)."""
    boxes = boxes_of(domain, points)
    regions = []
    for box in boxes:
        real = _real_points(domain, box)
        if not real:
            continue
        chosen = first_real(box, real.__contains__, lambda c: _point(domain, c))
        classes = sorted(box[0])
        members = [
            agencies[c] if agencies is not None else list(domain.classes[c].agencies)
            for c in classes
        ]
        regions.append(
            Region(
                before=before,
                after=after,
                mkes=tuple(domain.mkes[i] for i in sorted(box[1])),
                conditions=conditions(domain, box),
                classes=tuple(
                    domain.classes[c].describe(m) for c, m in zip(classes, members, strict=True)
                ),
                oris=tuple(sorted(a.ori for m in members for a in m)),
                points=len(real),
                example=example(
                    domain,
                    _point(domain, chosen),
                    pair,
                    agencies[chosen[0]][0] if agencies is not None else None,
                ),
            )
        )
    regions.sort(key=lambda r: (-len(r.oris), -r.points, r.mkes))
    return regions


def boxes_of(domain: Domain, points: list[Point]) -> list[Box]:
    coordinates = [_coordinates(domain, p) for p in points]
    sizes = [len(domain.classes), len(domain.mkes), *(len(d.cells) for d in domain.dims)]
    order = [*range(len(sizes) - 1, 1, -1), 1, 0]
    return merge(coordinates, sizes=sizes, order=order, dont_care=_dont_care(domain, points))


def _coordinates(domain: Domain, point: Point) -> tuple[int, ...]:
    return (point.agency_class, domain.mkes.index(point.mke), *point.cells)


def _point(domain: Domain, coordinates: tuple[int, ...]) -> Point:
    return Point(coordinates[0], domain.mkes[coordinates[1]], tuple(coordinates[2:]))


def _dont_care(domain: Domain, points: list[Point]) -> list[tuple[int, ...]]:
    """Unreachable neighbours of these points, merged in as "don't care": each point as a
    partial plate to several states, or as a serious-crime request with no offense."""
    edits: list[list[tuple[int, int]]] = []  # (coordinate, value) changes that make one
    multi, serious, offense = (
        domain.dim_index(n) for n in ("multi_state", "serious_crime", "offense")
    )
    if multi is not None:
        single = [i for i, mke in enumerate(domain.mkes) if MESSAGE_KEYS[mke].single_state]
        edits += [[(1, i), (2 + multi, 1)] for i in single]
    if serious is not None and offense is not None:
        empty = [
            n for n, cell in enumerate(domain.dims[offense].cells) if not cell.values["offense"]
        ]
        edits += [[(2 + offense, n), (2 + serious, 1)] for n in empty]
    found: set[tuple[int, ...]] = set()
    for point in points:
        base = _coordinates(domain, point)
        for chosen in itertools.chain.from_iterable(
            itertools.combinations(edits, k) for k in (1, 2)
        ):
            moved = list(base)
            for at, value in itertools.chain.from_iterable(chosen):
                moved[at] = value
            if not domain.reachable(_point(domain, tuple(moved))):
                found.add(tuple(moved))
    return sorted(found)


def _real_points(domain: Domain, box: Box) -> set[Point]:
    found = set()
    for coordinates in points_of(box):
        point = _point(domain, coordinates)
        if domain.reachable(point):
            found.add(point)
    return found


def conditions(domain: Domain, box: Box) -> dict[str, list[str]]:
    """The cells a box keeps of each dimension it does not take whole."""
    kept = {}
    for n, dim in enumerate(domain.dims):
        chosen = box[2 + n]
        if len(chosen) < len(dim.cells):
            kept[dim.name] = [dim.cells[i].label for i in sorted(chosen)]
    return kept
