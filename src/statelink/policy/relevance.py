"""Which context attributes a policy set reads, found in Cedar's JSON form of the policies.

A decision depends only on the context attributes the policies read (``context.purpose``,
``context.warrant.kind``, ``context has reason`` ...). Attributes nobody reads are left
out of the request, which saves the evaluator parsing them, and the decision is cached
by the attributes that are read. When a policy uses ``context`` as a whole value, every
attribute counts as read and nothing is left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from statelink.policy.context import Context
from statelink.policy.policies import Est

_CONTEXT = {"Var": "context"}


@dataclass(frozen=True)
class ContextReads:
    """The attribute paths a policy set reads: ``purpose``, ``warrant.kind``, ..."""

    paths: frozenset[str] | None  # None: the whole context is read

    def keeps(self, name: str) -> bool:
        """Whether a trimmed context keeps this attribute."""
        return self.paths is None or name in self.paths

    def trim(self, context: Context) -> dict[str, Any]:  # cedarpy's request context (JSON)
        """The context with only the attributes (and record fields) that are read."""
        if self.paths is None:
            return dict(context)
        trimmed: dict[str, Any] = {}
        for name, value in context.items():
            if name in self.paths:
                trimmed[name] = value
            elif isinstance(value, Mapping):
                fields = {k: v for k, v in value.items() if f"{name}.{k}" in self.paths}
                if fields:
                    trimmed[name] = fields
        return trimmed

    def key(self, context: Context) -> tuple[object, ...]:
        """A hashable key of what the policies read of a context, for caching decisions."""
        return tuple(
            (name, tuple(sorted(value.items())) if isinstance(value, Mapping) else value)
            for name, value in sorted(self.trim(context).items())
        )


def context_reads(policies: Iterable[Est]) -> ContextReads:
    """Walk each policy's JSON form (EST) and collect the context paths it reads."""
    paths: set[str] = set()
    whole = False

    def path_of(node: Any) -> str | None:
        """``context.a.b`` as ``"a.b"``; None if the chain does not start at context."""
        if node == _CONTEXT:
            return ""
        if isinstance(node, dict) and "." in node:
            inner = path_of(node["."]["left"])
            if inner is not None:
                return f"{inner}.{node['.']['attr']}".lstrip(".")
        return None

    def walk(node: Any) -> None:
        nonlocal whole
        if isinstance(node, list):
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict):
            return
        if node == _CONTEXT:
            whole = True  # context used as a value, not through an attribute
            return
        for op in (".", "has"):
            if op in node and isinstance(node[op], dict) and "left" in node[op]:
                base = path_of(node[op]["left"])
                if base is not None:
                    paths.add(f"{base}.{node[op]['attr']}".lstrip("."))
                    return
        for value in node.values():
            walk(value)

    for policy in policies:
        walk(policy.get("conditions", []))
    if whole:
        return ContextReads(None)
    return ContextReads(frozenset(paths))
