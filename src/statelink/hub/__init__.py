"""The hub: routes messages to state nodes and merges their answers."""

from statelink.hub.hub import Hub

__all__ = ["Hub"]
