"""State policy (contract 2): Cedar policy sets, decisions with reasons, holds, templates.

The engine (cedarpy) and the policy sets load when first named, so a light command that
only needs a template or a setting does not pay for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from statelink.policy.engine import Decision, Outcome, PolicyEngine
    from statelink.policy.policies import Policies

__all__ = ["Decision", "Outcome", "Policies", "PolicyEngine"]

_HOMES = {
    "Decision": "statelink.policy.engine",
    "Outcome": "statelink.policy.engine",
    "PolicyEngine": "statelink.policy.engine",
    "Policies": "statelink.policy.policies",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
