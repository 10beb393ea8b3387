"""The Cedar context of a request (contract 2): its attributes and the type of each.

A node derives it from the message, the directory and its settings
(:func:`statelink.policy.engine.derive_context`); Cedar decides with it and the audit
log records it as is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict, cast


class WarrantFacts(TypedDict):
    kind: str  # "" when there is no warrant
    id: str
    court: str


class Context(TypedDict):
    """The Cedar context of a request (contract 2), as Cedar and the audit log take it."""

    purpose: str
    reason: str
    has_warrant: bool
    warrant: WarrantFacts
    case_number: str
    offense: str
    serious_crime: bool
    certified: bool
    review_approved: bool
    in_state: bool
    multi_state: bool


Fact = str | bool | WarrantFacts
"""The value of one context attribute."""

FACT_TYPES: dict[str, type] = {
    "purpose": str,
    "reason": str,
    "has_warrant": bool,
    "warrant": dict,
    "case_number": str,
    "offense": str,
    "serious_crime": bool,
    "certified": bool,
    "review_approved": bool,
    "in_state": bool,
    "multi_state": bool,
}
"""Each attribute of :class:`Context` and the type of its value."""


def with_facts(context: Context, facts: Mapping[str, Fact]) -> Context:
    """A copy of ``context`` with some attributes set; each must be one of the context's,
    with a value of its type (else ValueError)."""
    for name, value in facts.items():
        wanted = FACT_TYPES.get(name)
        if wanted is None or not isinstance(value, wanted):
            raise ValueError(f"context.{name} is not a context fact of its type")
    return cast(Context, {**context, **facts})
