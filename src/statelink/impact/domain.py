"""The finite domain a comparison of policy sets runs over.

Every request a node can decide is a point of agency × message key × context. This
module makes that space finite without losing anything the policies can see:

- **agencies** fall into classes that no policy of the sets can tell apart: the same
  membership of every group the policies name, the same answer to every comparison
  with a principal attribute, the same ORI where a policy names one, and, for a state,
  the same ``in_state``; each class is evaluated once, through one of its agencies;
- **message keys**: every key, with the dataset it reads (a DQ never reads vehicles);
  keys the policies cannot tell apart (neither named, nor in a named group, nor on
  another dataset where the dataset matters) are decided once for all of them;
- **context**: the cells of :mod:`statelink.impact.space`, for each attribute a policy
  reads; attributes nobody reads keep one value.

Points no valid message can reach (a partial-plate query to several states) are outside
the domain.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypedDict

from statelink.directory import Agency
from statelink.errors import DomainTooLarge, UsageError
from statelink.impact.space import Dim, apply, base_context, combinations, context_dims
from statelink.messages.keys import MESSAGE_KEYS
from statelink.policy.context import Context
from statelink.policy.engine import Request
from statelink.policy.partition import Partition
from statelink.states import CODES

FALLBACK_STATES = ("WA", "OR")
MAX_POINTS = 1_000_000
"""The most requests a comparison decides: beyond it, it is refused rather than left to run
for hours (a set that compares the ORI with the offense code, say)."""


def agency_key(partition: Partition, agency: Agency, in_state: bool | None) -> tuple[Any, ...]:
    """What the policies can know of an agency (``in_state`` where it is part of it)."""
    values = {
        "ori": agency.ori,
        "state": agency.state,
        "kind": agency.kind,
        "department": agency.department,
        "component": agency.component,
    }
    key: list[Any] = [tuple(group in agency.groups for group in sorted(partition.groups))]
    if partition.principal_raw:
        key.append(agency.ori)
    else:
        key.append(agency.ori if agency.ori in partition.agencies else "")
    key.extend(
        partition.principal[name].signature(values.get(name, ""))
        for name in sorted(partition.principal)
    )
    key.append(in_state)
    return tuple(key)


def action_key(partition: Partition, mke: str) -> tuple[Any, ...]:
    """What the policies can know of a message key (and the dataset it reads)."""
    if partition.action_raw:
        return (mke,)
    key = MESSAGE_KEYS[mke]
    named = tuple(
        (name == mke, name == f"{key.dataset}-data") for name in sorted(partition.actions)
    )
    return (named, key.dataset if partition.resource_read else None, key.single_state)


def representatives(partition: Partition) -> dict[str, str]:
    """Each message key, and the first key the policies cannot tell it from."""
    first: dict[tuple[Any, ...], str] = {}
    return {mke: first.setdefault(action_key(partition, mke), mke) for mke in MESSAGE_KEYS}


class ClassSummary(TypedDict):
    """Some agencies of a class, in a few words (shown and written out as is)."""

    label: str
    in_state: bool | None
    groups: list[str]
    kinds: list[str]
    components: list[str]
    agencies: int


@dataclass(frozen=True)
class AgencyClass:
    """Agencies no policy of the sets can tell apart (sorted by ORI)."""

    agencies: tuple[Agency, ...]
    in_state: bool | None  # None: not part of the class (no state, or nobody reads it)
    named_groups: tuple[str, ...]  # the named groups its agencies are in

    @property
    def representative(self) -> Agency:
        return self.agencies[0]

    @property
    def oris(self) -> tuple[str, ...]:
        return tuple(a.ori for a in self.agencies)

    def label(self, agencies: Iterable[Agency] | None = None) -> str:
        """Who they are, in a few words: the named groups they are in, then their
        components (or kinds), and in-state or not where that matters."""
        chosen = list(self.agencies if agencies is None else agencies)
        who = ", ".join(self.named_groups) or "other agencies"
        components = Counter(a.component for a in chosen if a.component)
        if components:
            names = [name for name, _ in components.most_common(4)]
            more = len(components) - len(names)
            what = ", ".join(names) + (f" and {more} more" if more > 0 else "")
            if any(not a.component for a in chosen):
                what += " and others"
        else:
            kinds = Counter(a.kind for a in chosen)
            names = [name for name, _ in kinds.most_common(4)]
            what = ", ".join(names) + (" ..." if len(kinds) > len(names) else "")
        where = {True: ", in-state", False: ", out-of-state", None: ""}[self.in_state]
        return f"{who} ({what}){where}"

    def describe(self, agencies: Iterable[Agency] | None = None) -> ClassSummary:
        chosen = list(self.agencies if agencies is None else agencies)
        return {
            "label": self.label(chosen),
            "in_state": self.in_state,
            "groups": list(self.named_groups),
            "kinds": sorted({a.kind for a in chosen}),
            "components": sorted({a.component for a in chosen if a.component}),
            "agencies": len(chosen),
        }


def agency_classes(
    partition: Partition, agencies: Iterable[Agency], state: str | None
) -> list[AgencyClass]:
    """The directory's agencies, in classes (largest first)."""
    by_key: dict[tuple[Any, ...], list[Agency]] = {}
    with_state = state is not None and partition.reads("in_state")
    for agency in sorted(agencies, key=lambda a: a.ori):
        in_state = (agency.state == state) if with_state else None
        by_key.setdefault(agency_key(partition, agency, in_state), []).append(agency)
    found = []
    for members in by_key.values():
        first = members[0]
        found.append(
            AgencyClass(
                tuple(members),
                (first.state == state) if with_state else None,
                tuple(g for g in sorted(partition.groups) if g in first.groups),
            )
        )
    found.sort(key=lambda c: (-len(c.agencies), c.representative.ori))
    return found


def _biggest(classes: tuple[AgencyClass, ...], dims: list[Dim]) -> str:
    """What makes a domain large, in words."""
    widest = max(dims, key=lambda d: len(d.cells), default=None)
    parts = [f"the agencies fall into {len(classes):,} classes"]
    if widest is not None:
        parts.append(f"context.{widest.name} into {len(widest.cells):,} cells")
    return " and ".join(parts) + "; compare them on fewer values"


@dataclass(frozen=True)
class Point:
    """One request of the domain: a class, a message key and a cell of every dimension."""

    agency_class: int
    mke: str
    cells: tuple[int, ...]


@dataclass(frozen=True)
class Domain:
    state: str | None  # None: any state (in_state is then a free dimension)
    classes: tuple[AgencyClass, ...]
    mkes: tuple[str, ...]
    dims: tuple[Dim, ...]
    inexact: tuple[str, ...]
    unreachable: tuple[str, ...]
    contexts: dict[tuple[int, ...], Context]  # by cells: the context they set
    acts_as: dict[str, str]  # each message key, and the key decided in its place

    @classmethod
    def build(
        cls,
        partition: Partition,
        agencies: Iterable[Agency],
        state: str | None,
        *,
        review: bool,
    ) -> Domain:
        if state is None and partition.resource_specific:
            raise UsageError(
                "these policies look at the dataset's state: pass --state to compare them"
            )
        context = context_dims(partition, in_state_free=state is None, review=review)
        classes = tuple(agency_classes(partition, agencies, state))
        combos = math.prod(len(d.cells) for d in context.dims)
        size = len(classes) * len(MESSAGE_KEYS) * combos
        if size > MAX_POINTS:
            raise DomainTooLarge(
                f"comparing these sets exactly means deciding {size:,} requests "
                f"({len(classes):,} agency classes × {len(MESSAGE_KEYS)} message keys × "
                f"{combos:,} contexts), more than {MAX_POINTS:,}: "
                + _biggest(classes, context.dims)
            )
        base = base_context()
        return cls(
            state,
            classes,
            tuple(MESSAGE_KEYS),
            tuple(context.dims),
            tuple(dict.fromkeys(context.inexact)),
            tuple(dict.fromkeys(context.unreachable)),
            {cells: apply(base, context.dims, cells) for cells in combinations(context.dims)},
            representatives(partition),
        )

    @property
    def exact(self) -> bool:
        return not self.inexact

    def dim_index(self, name: str) -> int | None:
        for n, dim in enumerate(self.dims):
            if dim.name == name:
                return n
        return None

    def points(self) -> Iterator[Point]:
        """Every reachable point, class by class."""
        for n in range(len(self.classes)):
            for mke in self.mkes:
                for cells in self.contexts:
                    point = Point(n, mke, cells)
                    if self.reachable(point):
                        yield point

    def reachable(self, point: Point) -> bool:
        """A single-state key (RPQ) never goes to several states, and a message with no
        offense is never a serious-crime request."""
        context = self.contexts[point.cells]
        if MESSAGE_KEYS[point.mke].single_state and context["multi_state"]:
            return False
        offense_read = self.dim_index("offense") is not None
        return not (offense_read and context["serious_crime"] and not context["offense"])

    def context(self, point: Point) -> Context:
        context = self.contexts[point.cells].copy()
        if self.state is not None:
            home = self.classes[point.agency_class].representative.state
            context["in_state"] = home == self.state
        return context

    def owner(self, point: Point, context: Context | None = None) -> str:
        """The state answering the request: the domain's, or, without one, the agency's own
        state for an in-state request and another state otherwise."""
        if self.state is not None:
            return self.state
        home = self.classes[point.agency_class].representative.state
        context = context if context is not None else self.context(point)
        if context["in_state"] and home in CODES:
            return home
        return next(s for s in FALLBACK_STATES if s != home)

    def decided_as(self, point: Point) -> tuple[int, str, tuple[int, ...]]:
        """The point that decides this one: same class and cells, the key's representative."""
        return (point.agency_class, self.acts_as[point.mke], point.cells)

    def request(self, point: Point, agency: Agency | None = None) -> Request:
        """The point as a request, through the class's representative or ``agency`` (any
        agency of the class decides the same)."""
        context = self.context(point)
        owner = self.owner(point, context)
        agency = agency or self.classes[point.agency_class].representative
        dataset = MESSAGE_KEYS[point.mke].dataset
        return Request(agency.ori, point.mke, f"{owner}/{dataset}", context)
