"""Deployment mode 1: the hub and every state node in one process, over the in-process transport."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Mapping
from types import TracebackType

from statelink.audit import AuditService
from statelink.audit.appender import CHECKPOINT_EVERY, CHECKPOINT_SECONDS
from statelink.directory import Directory
from statelink.directory.source import DirectorySource
from statelink.errors import StatelinkError
from statelink.hub import Hub
from statelink.hub.routing_log import RoutingLog
from statelink.nation import Layout, require_manifest
from statelink.node import StateNode
from statelink.notices import NoticeStore
from statelink.policy.active import PolicyStore
from statelink.policy.decision_point import DecisionPoint
from statelink.policy.settings import StateSettings
from statelink.records import RecordStore
from statelink.review import ReviewQueue
from statelink.store import Where
from statelink.transport import InProcessTransport

log = logging.getLogger(__name__)


def open_node(
    layout: Layout,
    state: str,
    directories: DirectorySource,
    audit: AuditService,
    *,
    every: float = 1.0,
    database: str | None = None,
    records: str | None = None,
) -> StateNode:
    """One state's node over the nation's files, or with its stores in ``database`` (a URL:
    settings, review queue, notices and audit log) and its records in ``records``."""
    node_db: Where = database or layout.node_store(state)
    policy = DecisionPoint(
        state,
        PolicyStore(state, layout.state_dir(state)),
        StateSettings.open(state, node_db),
        directories,
        every=every,
    )
    return StateNode(
        state,
        RecordStore.open(state, records or layout.records(state)),
        directories,
        policy,
        audit,
        ReviewQueue.open(state, node_db),
        NoticeStore.open(state, node_db),
    )


class _Nodes(Mapping[str, StateNode]):
    """Every state's node, each opened the first time it is needed."""

    def __init__(
        self,
        layout: Layout,
        states: list[str],
        directories: DirectorySource,
        every: float,
        audit: AuditService,
    ) -> None:
        self._layout = layout
        self._states = states
        self._directories = directories
        self._every = every
        self._audit = audit
        self._open: dict[str, StateNode] = {}

    def __getitem__(self, state: str) -> StateNode:
        node = self._open.get(state)
        if node is None:
            if state not in self._states:
                raise KeyError(state)
            node = open_node(self._layout, state, self._directories, self._audit, every=self._every)
            self._open[state] = node
        return node

    def __iter__(self) -> Iterator[str]:
        return iter(self._states)

    def __len__(self) -> int:
        return len(self._states)

    def opened(self) -> list[StateNode]:
        return list(self._open.values())


class EmbeddedNetwork:
    """A whole network from a built data folder: ``async with EmbeddedNetwork.open(...)``."""

    def __init__(
        self,
        directories: DirectorySource,
        nodes: _Nodes,
        routing_log: RoutingLog,
        audit: AuditService,
        layout: Layout,
    ) -> None:
        self.layout = layout
        self.directories = directories
        self.nodes: Mapping[str, StateNode] = nodes
        self._nodes = nodes
        self.transport = InProcessTransport(nodes)
        self.routing_log = routing_log
        self.audit = audit
        self.hub = Hub(directories, self.transport, routing_log=routing_log)

    @property
    def directory(self) -> Directory:
        return self.directories.current()

    @classmethod
    def open(
        cls,
        layout: Layout,
        *,
        every: float = 1.0,
        checkpoint_every: int = CHECKPOINT_EVERY,
        checkpoint_seconds: float = CHECKPOINT_SECONDS,
    ) -> EmbeddedNetwork:
        """A network over a nation; a state's node opens when first addressed.

        Files (policy, settings, directory) are checked for changes every ``every`` s;
        each state's audit log is checkpointed every ``checkpoint_every`` records or
        ``checkpoint_seconds`` seconds.
        """
        manifest = require_manifest(layout)
        directories = DirectorySource.open(layout.directory, every=every)
        audit = AuditService(
            lambda state: (layout.audit_store(state), layout.keys(state)),
            checkpoint_every=checkpoint_every,
            checkpoint_seconds=checkpoint_seconds,
        )
        nodes = _Nodes(layout, list(manifest.counts), directories, every, audit)
        return cls(directories, nodes, RoutingLog(layout.hub_db), audit, layout)

    async def carry_out_reviews(self) -> None:
        """Carry out reviewers' decisions (and expiries) in every state opened so far."""
        for node in self._nodes.opened():
            try:
                await node.reviews.carry_out()
            except StatelinkError as e:
                log.error("%s review queue not processed: %s", node.state, e.message)

    def purge_notices(self) -> None:
        """Delete notices whose retention has ended, in every state opened so far."""
        on = dt.datetime.now(dt.UTC).date()
        for node in self._nodes.opened():
            try:
                node.notices.purge(on)
            except StatelinkError as e:
                log.error("%s notices not purged: %s", node.state, e.message)

    async def aclose(self) -> None:
        """Stop the audit service (it signs a last checkpoint of each log), close the stores."""
        await self.transport.aclose()
        await self.audit.aclose()
        for node in self._nodes.opened():
            node.close()
        self.routing_log.close()

    async def __aenter__(self) -> EmbeddedNetwork:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
