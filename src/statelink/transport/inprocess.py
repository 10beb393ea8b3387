"""The in-process transport: nodes in this process, called directly."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from statelink.errors import NodeUnreachable
from statelink.messages.envelope import Envelope
from statelink.messages.response import StateAnswer

if TYPE_CHECKING:
    from statelink.node import StateNode


class InProcessTransport:
    """Nodes in this process, called directly."""

    def __init__(self, nodes: Mapping[str, StateNode]) -> None:
        self._nodes = nodes
        self._states = frozenset(nodes)

    def states(self) -> frozenset[str]:
        return self._states

    async def deliver(self, state: str, envelope: Envelope) -> StateAnswer:
        node = self._nodes.get(state)
        if node is None:
            raise NodeUnreachable(f"no node for {state} in this process")
        return await node.handle(envelope)

    async def collect(self, state: str, message_id: str, ori: str) -> StateAnswer:
        node = self._nodes.get(state)
        if node is None:
            raise NodeUnreachable(f"no node for {state} in this process")
        return await node.reviews.collect(message_id, ori)

    async def aclose(self) -> None:
        """Nothing to release: the nodes belong to whoever opened them."""
