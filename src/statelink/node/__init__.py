"""A state's node: its pipeline from a delivered message to that state's answer."""

from statelink.node.node import StateNode

__all__ = ["StateNode"]
