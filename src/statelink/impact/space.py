"""The values a context attribute can take, cut into the cells a policy set can tell apart.

A node derives the context from a valid message (contract 1), so each attribute has a
known space of values: ``purpose`` is one of the purpose codes, ``offense`` is empty or
four digits, ``warrant.kind`` one of the warrant kinds when there is a warrant, and so
on. Given how the policies use an attribute (:class:`statelink.policy.partition.Use`):

- a **finite** space (purpose, offense, warrant kind) is cut exactly: values with the
  same signature (equal to which literal, matching which ``like`` patterns) share a cell;
- an **unbounded** space (reason, case number, warrant id and court) is cut into each
  literal the policies compare it with, the empty value, and "any other value"; that is
  exact when the attribute is only compared with literals, and said to be inexact when
  it is matched with patterns or used any other way;
- a literal that no valid message can carry (``context.purpose == "X"``, a lower-case
  reason code) is reported: the policy compares with a value that never comes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from statelink.messages import fields as rules
from statelink.messages.fields import PURPOSES, WARRANT_KINDS
from statelink.policy.context import Context, Fact, with_facts
from statelink.policy.partition import Partition, Use

MAX_LISTED = 6  # a cell of more values than this is labelled by its count


@dataclass(frozen=True)
class Cell:
    """Values a set cannot tell apart: a label for people, and the context it sets."""

    label: str
    values: dict[str, Fact]  # context attributes this cell sets, with its representative


@dataclass(frozen=True)
class Dim:
    """One dimension of the domain: an attribute (or the warrant as a whole) and its cells."""

    name: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class FieldSpace:
    """What a valid message can put in one string attribute."""

    name: str
    values: tuple[str, ...] | None  # every value, for a finite space
    rule: Callable[[str], str] | None  # the message rule (normalises, or raises)
    empty: bool  # whether "" can occur
    default: str  # the value used when no policy reads the attribute
    fresh: str  # the stem of made-up values for "any other value"

    def valid(self, value: object) -> bool:
        if not isinstance(value, str):
            return False
        if value == "":
            return self.empty
        if self.values is not None:
            return value in self.values
        try:
            return self.rule is not None and self.rule(value) == value
        except rules.Unexpected:
            return False

    def other(self, taken: set[Any]) -> str:
        """A valid value equal to no literal (unbounded spaces)."""
        for n in itertools.count(1):
            value = f"{self.fresh}{n}"
            if value not in taken and self.valid(value):
                return value
        raise AssertionError("unreachable")  # pragma: no cover


def _offense_codes() -> tuple[str, ...]:
    return ("", *(f"{n:04d}" for n in range(10_000)))


SPACES: dict[str, FieldSpace] = {
    s.name: s
    for s in (
        FieldSpace("purpose", tuple(PURPOSES), rules.purpose, False, "C", ""),
        FieldSpace("offense", _offense_codes(), rules.offense, True, "", ""),
        FieldSpace("reason", None, rules.reason, True, "", "RSN"),
        FieldSpace("case_number", None, rules.case_number, True, "", "CASE-"),
        FieldSpace("warrant.kind", tuple(WARRANT_KINDS), rules.warrant_kind, False, "judicial", ""),
        FieldSpace("warrant.id", None, rules.warrant_id, False, "DOCKET-1", "DOCKET-"),
        FieldSpace("warrant.court", None, rules.warrant_court, True, "", "COURT "),
    )
}
"""The string attributes of the context (contract 2) and what a valid message allows."""

BOOLEANS = ("serious_crime", "certified", "multi_state", "in_state", "review_approved")
EMPTY_LABEL = {"offense": "no offense", "reason": "no reason", "case_number": "no case number"}


@dataclass
class Cut:
    """The cells of one attribute, and what the cut could not do exactly."""

    cells: list[tuple[str, str]] = field(default_factory=list)  # (label, representative)
    inexact: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)


def cut(space: FieldSpace, use: Use | None) -> Cut:
    """Cut one string attribute's space by how the policies use it."""
    if use is None:
        return Cut([("any", space.default)])
    found = Cut()
    for literal in sorted(use.literals, key=repr):
        if not space.valid(literal) and not (literal == "" and space.name.startswith("warrant.")):
            found.unreachable.append(
                f"context.{space.name} is compared with {literal!r}, which no valid message carries"
            )
    if space.values is not None:
        groups: dict[tuple[Any, ...], list[str]] = {}
        for value in space.values:
            groups.setdefault(use.signature(value), []).append(value)
        found.cells = [(_label(space, members), members[0]) for members in groups.values()]
        return found
    taken: set[Any] = set(use.literals)
    values = [v for v in sorted(use.literals, key=repr) if isinstance(v, str) and space.valid(v)]
    if space.empty and "" not in values:
        values.insert(0, "")
    for pattern in sorted(use.patterns, key=repr):
        witness = "".join("X" if part is None else part for part in pattern)
        if witness not in values and space.valid(witness):
            values.append(witness)
    found.cells = [(_label(space, [v]), v) for v in values]
    found.cells.append(("any other value", space.other(taken | set(values))))
    if use.raw or use.patterns:
        how = "matched with like patterns" if use.patterns and not use.raw else "used as a value"
        found.inexact.append(
            f"context.{space.name} is {how}; its unbounded values cannot be cut exactly"
        )
    return found


def _label(space: FieldSpace, members: list[str]) -> str:
    if len(members) == 1:
        value = members[0]
        return EMPTY_LABEL.get(space.name, '""') if value == "" else value
    if len(members) <= MAX_LISTED:
        return " or ".join(m or '""' for m in members)
    return f"{len(members):,} other values"


@dataclass
class ContextDims:
    """The context dimensions of a domain, and what could not be cut exactly."""

    dims: list[Dim] = field(default_factory=list)
    inexact: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)

    def add_string(self, name: str, partition: Partition) -> None:
        space = SPACES[name]
        found = cut(space, partition.use(name) if partition.reads(name) else None)
        self._note(found)
        if len(found.cells) > 1 or partition.reads(name):
            self.dims.append(Dim(name, tuple(Cell(lbl, {name: v}) for lbl, v in found.cells)))

    def add_bool(self, name: str) -> None:
        self.dims.append(Dim(name, (Cell("false", {name: False}), Cell("true", {name: True}))))

    def add_warrant(self, partition: Partition) -> None:
        """The warrant as one dimension: none, or each cell of kind × id × court."""
        parts = {
            part: cut(SPACES[f"warrant.{part}"], _use_if_read(partition, f"warrant.{part}"))
            for part in ("kind", "id", "court")
        }
        for found in parts.values():
            self._note(found)
        none = Cell(
            "no warrant", {"has_warrant": False, "warrant": {"kind": "", "id": "", "court": ""}}
        )
        cells = [none]
        for (kind, k), (ident, i), (court, c) in itertools.product(
            parts["kind"].cells, parts["id"].cells, parts["court"].cells
        ):
            label = "a warrant" if kind == "any" else f"{kind} warrant"
            if ident != "any":
                label += ", " + ("any other id" if ident == "any other value" else f"id {ident}")
            if court != "any":
                label += ", " + _court(court, c, named=len(parts["court"].cells) > 2)
            value: dict[str, Fact] = {
                "has_warrant": True,
                "warrant": {"kind": k, "id": i, "court": c},
            }
            cells.append(Cell(label, value))
        self.dims.append(Dim("warrant", tuple(cells)))

    def _note(self, found: Cut) -> None:
        self.inexact += found.inexact
        self.unreachable += found.unreachable


def _court(label: str, value: str, *, named: bool) -> str:
    if value == "":
        return "no court named"
    if label == "any other value":
        return "another court named" if named else "a court named"
    return f"court {label}"


def _use_if_read(partition: Partition, path: str) -> Use | None:
    return partition.use(path) if partition.reads(path) else None


def context_dims(partition: Partition, *, in_state_free: bool, review: bool) -> ContextDims:
    """The context dimensions a domain enumerates: only what the policies read."""
    found = ContextDims()
    if partition.whole_context:
        found.inexact.append("a policy uses the whole context as one value")
    for name in ("purpose", "offense"):
        found.add_string(name, partition)
    if any(partition.reads(p) for p in ("has_warrant", "warrant")):
        found.add_warrant(partition)
    for name in ("reason", "case_number"):
        if partition.reads(name):
            found.add_string(name, partition)
    for name in BOOLEANS:
        if name == "in_state" and not in_state_free:
            continue
        if name == "review_approved" and not review:
            continue
        if partition.reads(name):
            found.add_bool(name)
    return found


def base_context() -> Context:
    """A context with every attribute at its value for an unread attribute."""
    return {
        "purpose": SPACES["purpose"].default,
        "reason": "",
        "has_warrant": False,
        "warrant": {"kind": "", "id": "", "court": ""},
        "case_number": "",
        "offense": "",
        "serious_crime": False,
        "certified": False,
        "review_approved": False,
        "in_state": False,
        "multi_state": False,
    }


def combinations(dims: list[Dim]) -> Iterator[tuple[int, ...]]:
    """Every combination of cell indices, one per dimension."""
    return itertools.product(*(range(len(d.cells)) for d in dims))


def apply(context: Context, dims: list[Dim], cells: tuple[int, ...]) -> Context:
    """A copy of ``context`` with the chosen cell of each dimension written in."""
    chosen: dict[str, Fact] = {}
    for dim, index in zip(dims, cells, strict=True):
        chosen.update(dim.cells[index].values)
    return with_facts(context, chosen)
