"""What a policy set can tell apart: the values it compares, found in Cedar's JSON form.

A decision depends on the principal, the action, the resource and the context only
through what the policies look at. This module walks every policy's JSON form (EST) and
records, for every context attribute (``purpose``, ``warrant.kind`` ...) and every
principal attribute (``kind``, ``component`` ...), how it is used:

- compared with literals (``==``, ``!=``, ``["C", "T"].contains(...)``): the value
  matters only through which literal it equals, if any;
- matched with ``like`` patterns: only through which patterns it matches;
- used in any other way (compared with another attribute, passed to a function):
  **raw**, every value may matter.

It also records the agency groups and agencies the policies name, and whether they look
at the resource's state or name a dataset. :mod:`statelink.impact.domain` turns this into
the finite set of requests that decides everything a set can do, and
:mod:`statelink.impact.replay` into the columns a replay groups records by.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from statelink.policy.policies import Est, Scope

Scalar = str | bool | int
Pattern = tuple[str | None, ...]  # a like pattern: literal text, None for a wildcard

_ROOTS = ("principal", "context", "resource", "action")


@dataclass
class Use:
    """How a set uses one attribute."""

    literals: set[Scalar] = field(default_factory=set)
    patterns: set[Pattern] = field(default_factory=set)
    raw: bool = False

    def merge(self, other: Use) -> None:
        self.literals |= other.literals
        self.patterns |= other.patterns
        self.raw = self.raw or other.raw

    def signature(self, value: Scalar) -> tuple[Any, ...]:
        """What the set can know of ``value``: equal to which literal, which patterns match
        (the value itself when the use is raw)."""
        if self.raw:
            return ("=", value)
        known = value if value in self.literals else _OTHER
        return (known, *(matches(p, str(value)) for p in sorted(self.patterns, key=repr)))


class _Other:
    """Stands for "a value equal to no literal" in signatures."""

    def __repr__(self) -> str:
        return "<other>"


_OTHER = _Other()


def matches(pattern: Pattern, value: str) -> bool:
    """Cedar's ``like``: literal text and ``*`` wildcards, matching the whole value."""
    regex = "".join(".*" if part is None else re.escape(part) for part in pattern)
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None


@dataclass
class Partition:
    """Everything one or more policy sets look at (see the module's docstring)."""

    context: dict[str, Use] = field(default_factory=dict)  # "purpose", "warrant.kind"
    principal: dict[str, Use] = field(default_factory=dict)  # "kind", "component"
    groups: set[str] = field(default_factory=set)  # AgencyGroup ids named
    agencies: set[str] = field(default_factory=set)  # Agency ids (ORIs) named
    principal_raw: bool = False  # the principal used as a value some other way
    resource_specific: bool = False  # reads resource.state or names a dataset
    resource_read: bool = False  # looks at the resource at all (its kind, say)
    actions: set[str] = field(default_factory=set)  # Action ids named (keys and groups)
    action_raw: bool = False  # the action used as a value some other way
    whole_context: bool = False  # the context used as one value

    @classmethod
    def of(cls, policies: Iterable[Est]) -> Partition:
        """The partition of policies in Cedar's JSON form (``Policies.est.values()``)."""
        found = cls()
        for policy in policies:
            _Walker(found).policy(policy)
        return found

    @classmethod
    def union(cls, parts: Iterable[Partition]) -> Partition:
        merged = cls()
        for part in parts:
            for target, source in (
                (merged.context, part.context),
                (merged.principal, part.principal),
            ):
                for name, use in source.items():
                    target.setdefault(name, Use()).merge(use)
            merged.groups |= part.groups
            merged.agencies |= part.agencies
            merged.principal_raw |= part.principal_raw
            merged.resource_specific |= part.resource_specific
            merged.resource_read |= part.resource_read
            merged.actions |= part.actions
            merged.action_raw |= part.action_raw
            merged.whole_context |= part.whole_context
        return merged

    def reads(self, path: str) -> bool:
        """Whether a context path (``warrant.kind``) or its record (``warrant``) is read."""
        return self.whole_context or any(
            name == path or name.startswith(path + ".") or path.startswith(name + ".")
            for name in self.context
        )

    def use(self, path: str) -> Use:
        """How a context path is used (a record read whole counts as a raw use)."""
        if self.whole_context:
            return Use(raw=True)
        use = Use()
        for name, found in self.context.items():
            if name == path:
                use.merge(found)
            elif path.startswith(name + "."):  # context.warrant used as one value
                use.raw = True
        return use


def _path(node: Any) -> tuple[str, tuple[str, ...]] | None:
    """``context.warrant.kind`` as ("context", ("warrant", "kind")); a bare variable as
    (name, ()); None for anything else."""
    if isinstance(node, dict):
        if set(node) == {"Var"} and node["Var"] in _ROOTS:
            return node["Var"], ()
        if set(node) == {"."}:
            inner = _path(node["."]["left"])
            if inner is not None:
                return inner[0], (*inner[1], node["."]["attr"])
    return None


def _literal(node: Any) -> Scalar | None:
    if isinstance(node, dict) and set(node) == {"Value"}:
        value = node["Value"]
        if isinstance(value, str | bool | int):
            return value
    return None


def _entity(node: Any) -> tuple[str, str] | None:
    """An entity literal as (type, id)."""
    if isinstance(node, dict) and set(node) == {"Value"} and isinstance(node["Value"], dict):
        uid = node["Value"].get("__entity")
        if isinstance(uid, dict):
            return str(uid.get("type", "")), str(uid.get("id", ""))
    return None


def _pattern(parts: Iterable[Any]) -> Pattern:
    """Cedar's pattern parts (one literal character each) as runs of text and wildcards."""
    found: list[str | None] = []
    for part in parts:
        if part == "Wildcard":
            found.append(None)
        elif found and found[-1] is not None:
            found[-1] = f"{found[-1]}{part['Literal']}"
        else:
            found.append(str(part["Literal"]))
    return tuple(found)


@dataclass(frozen=True)
class Operands:
    """The body of an operator in Cedar's JSON form: ``{"left": ..., "right": ...}`` for
    most, a ``pattern`` for ``like``, an ``in`` for ``is ... in``."""

    left: object = None
    right: object = None
    pattern: tuple[object, ...] = ()
    within: object = None  # the ``in`` of ``is``
    has_within: bool = False

    @classmethod
    def of(cls, body: object) -> Operands | None:
        """The operands of a body (None when it is not a JSON object)."""
        if not isinstance(body, dict):
            return None
        pattern = body.get("pattern", [])
        return cls(
            body.get("left"),
            body.get("right"),
            tuple(pattern) if isinstance(pattern, list) else (),
            body.get("in"),
            "in" in body,
        )


class _Walker:
    def __init__(self, into: Partition) -> None:
        self.into = into

    def policy(self, policy: Est) -> None:
        self.scope(policy.get("principal", {}), principal=True)
        self.scope(policy.get("resource", {}), principal=False)
        self.scope(policy.get("action", {}), principal=False, action=True)
        for condition in policy.get("conditions", []):
            self.walk(condition.get("body"))

    def scope(self, constraint: Scope, *, principal: bool, action: bool = False) -> None:
        entities = [constraint["entity"]] if "entity" in constraint else []
        entities += constraint.get("entities", [])
        if constraint.get("in"):
            entities.append(constraint["in"]["entity"])
        for uid in entities:
            self.named(str(uid.get("type", "")), str(uid.get("id", "")))
        if not (principal or action) and constraint.get("op") not in (None, "All", "is"):
            self.into.resource_specific = self.into.resource_read = True

    def named(self, kind: str, ident: str) -> None:
        if kind.endswith("::AgencyGroup"):
            self.into.groups.add(ident)
        elif kind.endswith("::Agency"):
            self.into.agencies.add(ident)
        elif kind.endswith("::Action"):
            self.into.actions.add(ident)
        elif kind.endswith("::Dataset"):
            self.into.resource_specific = self.into.resource_read = True

    def attribute(self, root: str, attrs: tuple[str, ...]) -> Use | None:
        """The Use record of an attribute path (None for action and bare variables)."""
        name = ".".join(attrs)
        if root == "context" and attrs:
            return self.into.context.setdefault(name, Use())
        if root == "principal" and attrs:
            return self.into.principal.setdefault(name, Use())
        if root == "resource":
            self.into.resource_read = True
            if attrs[:1] != ("kind",):
                self.into.resource_specific = True
        return None

    def raw(self, root: str, attrs: tuple[str, ...]) -> None:
        """A path used in a way the partition cannot see through."""
        use = self.attribute(root, attrs)
        if use is not None:
            use.raw = True
        elif root == "principal":
            self.into.principal_raw = True
        elif root == "context":
            self.into.whole_context = True
        elif root == "action":
            self.into.action_raw = True

    def walk(self, node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                self.walk(item)
            return
        if not isinstance(node, dict):
            return
        path = _path(node)
        if path is not None:
            self.raw(*path)
            return
        entity = _entity(node)
        if entity is not None:
            self.named(*entity)
            return
        if len(node) == 1:
            ((op, body),) = node.items()
            handler = _HANDLERS.get(op)
            operands = Operands.of(body) if handler is not None else None
            if handler is not None and operands is not None and handler(self, operands):
                return
        for value in node.values():
            self.walk(value)

    # --- the uses a partition sees through (each returns True when it handled the node)

    def compare(self, body: Operands) -> bool:
        for one, other in ((body.left, body.right), (body.right, body.left)):
            path, literal, entity = _path(one), _literal(other), _entity(other)
            if path is None:
                continue
            if literal is not None:
                use = self.attribute(*path)
                if use is not None:
                    use.literals.add(literal)
                    return True
                if path == ("resource", ("kind",)):
                    return True
            if entity is not None and path in (("principal", ()), ("action", ())):
                self.named(*entity)
                return True
            if entity is not None and path == ("resource", ()):
                self.into.resource_specific = self.into.resource_read = True
                return True
        return False

    def contains(self, body: Operands) -> bool:
        left, right = body.left, body.right
        path = _path(right)
        if path is None or not isinstance(left, dict) or set(left) != {"Set"}:
            return False
        values = [_literal(item) for item in left["Set"]]
        use = self.attribute(*path)
        if use is None or any(v is None for v in values):
            return False
        use.literals.update(v for v in values if v is not None)
        return True

    def like(self, body: Operands) -> bool:
        path = _path(body.left)
        use = self.attribute(*path) if path is not None else None
        if use is None:
            return False
        use.patterns.add(_pattern(body.pattern))
        return True

    def member(self, body: Operands) -> bool:
        """``principal in Group``, ``action in [A, B]``: the named entities."""
        if _path(body.left) not in (("principal", ()), ("action", ())):
            return False
        right = body.right
        items = right["Set"] if isinstance(right, dict) and set(right) == {"Set"} else [right]
        entities = [_entity(item) for item in items]
        if any(e is None for e in entities):
            return False
        for entity in entities:
            if entity is not None:
                self.named(*entity)
        return True

    def has(self, body: Operands) -> bool:
        """``context has reason``: every attribute of the schema is always present."""
        return _path(body.left) is not None

    def kind_of(self, body: Operands) -> bool:
        """``principal is Agency [in Group]``: only the group can tell agencies apart."""
        if _path(body.left) is None:
            return False
        if body.has_within:
            return self.member(Operands(body.left, body.within))
        return True


_HANDLERS = {
    "==": _Walker.compare,
    "!=": _Walker.compare,
    "contains": _Walker.contains,
    "like": _Walker.like,
    "in": _Walker.member,
    "has": _Walker.has,
    "is": _Walker.kind_of,
}
