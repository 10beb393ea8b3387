"""Deployment mode 1: the hub and every state node in one process, over the in-process transport."""

from __future__ import annotations

from types import TracebackType

from statelink.directory import Directory
from statelink.hub import Hub
from statelink.nation import Layout, require_manifest
from statelink.node import StateNode
from statelink.records import RecordStore
from statelink.transport import InProcessTransport


class EmbeddedNetwork:
    """A whole network from a built data folder: ``async with EmbeddedNetwork.open(...)``."""

    def __init__(self, directory: Directory, nodes: dict[str, StateNode]) -> None:
        self.directory = directory
        self.nodes = nodes
        self.transport = InProcessTransport(nodes)
        self.hub = Hub(directory, self.transport)

    @classmethod
    def open(cls, layout: Layout) -> EmbeddedNetwork:
        manifest = require_manifest(layout)
        directory = Directory.read(layout.directory)
        nodes = {
            state: StateNode(state, RecordStore.open(state, layout.records(state)), directory)
            for state in manifest.counts
        }
        return cls(directory, nodes)

    async def aclose(self) -> None:
        await self.transport.aclose()

    async def __aenter__(self) -> EmbeddedNetwork:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
