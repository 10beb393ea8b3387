"""Points of a domain merged into regions people can read.

A region is a box: a set of values on every dimension, standing for every combination of
them. :func:`merge` covers a set of points with disjoint boxes, merging boxes that agree
on every dimension but one, dimension by dimension, until nothing merges. Points that no
valid message can reach may be merged in as "don't care", so that "every message key"
is not split in two because a partial plate never goes to several states; a box of
nothing but such points is dropped.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any

Coordinates = tuple[int, ...]
Box = tuple[frozenset[int], ...]


def merge(
    points: Iterable[Coordinates],
    *,
    sizes: Sequence[int],
    order: Sequence[int] | None = None,
    dont_care: Collection[Coordinates] = (),
) -> list[Box]:
    """Disjoint boxes covering ``points`` (and perhaps some ``dont_care`` points)."""
    real = set(points)
    if not real:
        return []
    boxes = {tuple(frozenset((v,)) for v in p) for p in (*real, *dont_care)}
    dims = list(order) if order is not None else list(range(len(sizes)))
    changed = True
    while changed:
        changed = False
        for d in dims:
            merged: dict[Box, set[int]] = {}
            for box in boxes:
                merged.setdefault(box[:d] + box[d + 1 :], set()).update(box[d])
            if len(merged) < len(boxes):
                changed = True
                boxes = {(*rest[:d], frozenset(v), *rest[d:]) for rest, v in merged.items()}
    return sorted(
        (box for box in boxes if any(p in real for p in points_of(box))),
        key=lambda b: tuple(sorted(s) for s in b),
    )


def points_of(box: Box) -> Iterable[Coordinates]:
    return itertools.product(*(sorted(s) for s in box))


def first_real(
    box: Box, real: Callable[[Any], bool], point: Callable[[Coordinates], Any]
) -> Coordinates:
    """The first coordinates of a box whose ``point`` is ``real``."""
    return next(c for c in points_of(box) if real(point(c)))
