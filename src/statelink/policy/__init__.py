"""State policy (contract 2): Cedar policy sets, decisions with reasons, holds, templates."""

from statelink.policy.engine import Decision, Outcome, PolicyEngine
from statelink.policy.policies import Policies

__all__ = ["Decision", "Outcome", "Policies", "PolicyEngine"]
