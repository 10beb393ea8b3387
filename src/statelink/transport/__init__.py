"""The seam between the hub and the state nodes. Its two transports live in their own
modules (``statelink.transport.inprocess`` and ``statelink.transport.https``), so that
the hub loads neither the nodes nor an HTTP client until it is given one."""

from statelink.transport.seam import Transport

__all__ = ["Transport"]
