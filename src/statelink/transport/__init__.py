"""The seam between the hub and the state nodes, and its two transports."""

from statelink.transport.https import HttpsTransport
from statelink.transport.inprocess import InProcessTransport
from statelink.transport.seam import Transport

__all__ = ["HttpsTransport", "InProcessTransport", "Transport"]
