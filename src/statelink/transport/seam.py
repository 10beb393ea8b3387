"""The seam between the hub and the state nodes.

The hub only ever talks to nodes through a :class:`Transport`: the in-process transport
calls nodes living in the same process (embedded mode and tests); the HTTPS transport
calls node services over mutual TLS (networked mode).
"""

from __future__ import annotations

from typing import Protocol

from statelink.messages.envelope import Envelope
from statelink.messages.response import StateAnswer


class Transport(Protocol):
    def states(self) -> frozenset[str]:
        """The states this transport can reach."""
        ...

    async def deliver(self, state: str, envelope: Envelope) -> StateAnswer:
        """Hand the envelope to the state's node and return its answer."""
        ...

    async def collect(self, state: str, message_id: str, ori: str) -> StateAnswer:
        """The state's answer to a message it held for review, for the agency that sent it."""
        ...

    async def aclose(self) -> None: ...
