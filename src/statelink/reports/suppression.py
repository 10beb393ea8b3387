"""Cell suppression over a network of published counts: no hidden small count can be
worked out from what is published.

A public report's numbers are flows on the edges of a circulation: every table's rows
run in parallel between two nodes, a table's total is the edge that carries their sum,
and tables that split the same total follow one another around the same loop (see
:mod:`statelink.reports.public`). Each node balances, so every sum the report prints, and
every relation between its tables (a decision count is the immigration agencies' count
plus everyone else's), is a balance at some node. Relations whose terms the report does
not print (everyone else's decisions, the log's records that are not requests) are
*unknown* edges: their flow is at least 0 and otherwise free.

A reader who knows every printed number, the structure and that a hidden count is at
least 1 (zeros are printed) can tell that a hidden count is ``v`` and nothing else exactly
when no other circulation fits: when no cycle of non-printed edges passes through it
with a unit of slack on each edge it lowers. The constraints are those of a network
(totally unimodular), so a count with such a cycle can take at least two whole values,
``v`` and ``v + 1`` or ``v - 1``.

:func:`suppress` hides each count from 1 to ``THRESHOLD - 1`` (primary suppression), then,
for each of them in turn, the cheapest cycle through it (Dijkstra, a printed edge costing
its value, a hidden or unknown one nothing) and every printed count on that cycle
(secondary suppression). Zeros are not hidden, so a reader knows that a hidden count is at
least 1. When no choice of non-zero counts protects every small one (a few requests, in
counts of 1, whose number the checkpoint's size gives away), every count is hidden, zeros
too. A hidden count is then at least 0 to a reader, and a cycle through every count that
carries flow can always be found: the flow's own cycle through it, raised by one, or, when
that cycle runs through the checkpoint's size (fixed), the rest of it lowered by one and
the log's other records raised instead.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

THRESHOLD = 10
"""Counts from 1 to ``THRESHOLD - 1`` are hidden; ``THRESHOLD`` and above, and 0, are shown."""


class Kind(Enum):
    COUNT = "count"  # a printed count: hidden if small, or to protect a small one
    FIXED = "fixed"  # a printed number that is never hidden (the signed checkpoint's size)
    UNKNOWN = "unknown"  # a term of a relation that is not printed: any value from 0


@dataclass(frozen=True)
class Edge:
    tail: str
    head: str
    value: int
    kind: Kind


class Network:
    """The edges of a report's circulation, numbered in the order they were added."""

    def __init__(self) -> None:
        self.edges: list[Edge] = []

    def add(self, tail: str, head: str, value: int, kind: Kind = Kind.COUNT) -> int:
        """Add an edge; return its number."""
        self.edges.append(Edge(tail, head, value, kind))
        return len(self.edges) - 1

    def parallel(self, tail: str, head: str, values: Iterable[int]) -> list[int]:
        """Add one count edge per value, all from ``tail`` to ``head`` (a table's rows)."""
        return [self.add(tail, head, value) for value in values]


def primary(edges: Sequence[Edge], threshold: int = THRESHOLD) -> frozenset[int]:
    """The counts from 1 to ``threshold - 1``."""
    return frozenset(
        i for i, e in enumerate(edges) if e.kind is Kind.COUNT and 0 < e.value < threshold
    )


@dataclass(frozen=True)
class Suppression:
    """The edges to hide, and the least a hidden count can be, as a reader knows it: 1
    when zeros are shown, 0 when every count is hidden, zeros too."""

    hidden: frozenset[int]
    floor: int


def suppress(network: Network, threshold: int = THRESHOLD) -> Suppression:
    """The small counts, and enough others that none can be recovered; or, if no choice of
    non-zero counts protects them all, every count."""
    edges = network.edges
    hidden = set(primary(edges, threshold))
    for small in sorted(hidden):
        bought = cheapest_cycle(edges, frozenset(hidden), small)
        if bought is None:
            every = frozenset(i for i, e in enumerate(edges) if e.kind is Kind.COUNT)
            return Suppression(every, floor=0)
        hidden |= bought
    return Suppression(frozenset(hidden), floor=1)


def recoverable(
    edges: Sequence[Edge], hidden: frozenset[int], edge: int, *, floor: int = 1
) -> bool:
    """Whether a hidden count is the only value its published surroundings allow."""
    return cheapest_cycle(edges, hidden, edge, buy=False, floor=floor) is None


Arc = tuple[str, int, int]  # the node reached, the edge taken, its cost (a printed value)


def cheapest_cycle(
    edges: Sequence[Edge], hidden: frozenset[int], edge: int, *, buy: bool = True, floor: int = 1
) -> frozenset[int] | None:
    """The non-zero printed counts to hide so that ``edge`` can move by one, on the
    cheapest cycle (empty: it already can; None: it cannot, and ``buy`` is false or no
    such counts help); a hidden count stays at least ``floor``."""
    e = edges[edge]
    arcs = _residual(edges, hidden, skip=edge, buy=buy, floor=floor)
    ways = [_path(arcs, e.head, e.tail)]  # one more: back round from head to tail
    if e.value > floor:  # one less
        ways.append(_path(arcs, e.tail, e.head))
    found = [w for w in ways if w is not None]
    if not found:
        return None
    taken = min(found, key=lambda way: way[0])[1]
    return frozenset(i for i in taken if i not in hidden and edges[i].kind is Kind.COUNT)


def _residual(
    edges: Sequence[Edge], hidden: frozenset[int], *, skip: int, buy: bool, floor: int
) -> dict[str, list[Arc]]:
    """Each node's ways on: an edge's flow can rise (along it) or fall (against it) when it
    is hidden or unknown, or, at the cost of its value, when it is a non-zero printed count
    that would be hidden; a hidden count stays at least ``floor``, an unknown at least 0."""
    arcs: dict[str, list[Arc]] = {}
    for i, e in enumerate(edges):
        if i == skip:
            continue
        if e.kind is Kind.UNKNOWN or i in hidden:
            cost, least = 0, (0 if e.kind is Kind.UNKNOWN else floor)
        elif buy and e.kind is Kind.COUNT and e.value > 0:
            cost, least = e.value, floor
        else:
            continue
        arcs.setdefault(e.tail, []).append((e.head, i, cost))
        if e.value > least:
            arcs.setdefault(e.head, []).append((e.tail, i, cost))
    return arcs


def _path(arcs: dict[str, list[Arc]], start: str, goal: str) -> tuple[int, list[int]] | None:
    """The cheapest path from ``start`` to ``goal``: its cost and its edges (Dijkstra; ties
    go to the edge added first, so the same report always hides the same cells)."""
    best: dict[str, int] = {start: 0}
    came: dict[str, tuple[str, int]] = {}
    queue: list[tuple[int, int, str]] = [(0, 0, start)]
    order = 0
    while queue:
        cost, _, node = heapq.heappop(queue)
        if node == goal:
            taken = []
            while node != start:
                node, i = came[node]
                taken.append(i)
            return cost, taken
        if cost > best.get(node, cost):
            continue
        for onto, i, price in arcs.get(node, ()):
            reached = cost + price
            if onto not in best or reached < best[onto]:
                best[onto] = reached
                came[onto] = (node, i)
                order += 1
                heapq.heappush(queue, (reached, order, onto))
    return None
