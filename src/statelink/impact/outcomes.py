"""Outcome transitions of a replay: ``"before->after"`` over permit, deny and hold.

Outcomes are ordered by how much they release, permit > hold > deny: a transition down
that order *loses* access, one up it *gains* access.
"""

from __future__ import annotations

OUTCOMES = ("permit", "deny", "hold")
RANK = {"deny": 0, "hold": 1, "permit": 2}


def transition(before: str, after: str) -> str:
    return f"{before}->{after}"


def split(key: str) -> tuple[str, str]:
    before, _, after = key.partition("->")
    return before, after


def lost(key: str) -> bool:
    before, after = split(key)
    return RANK[after] < RANK[before]


def gained(key: str) -> bool:
    before, after = split(key)
    return RANK[after] > RANK[before]
