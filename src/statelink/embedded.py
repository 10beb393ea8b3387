"""Deployment mode 1: the hub and every state node in one process, over the in-process transport.

The hub is in the nodes' own process (one trust domain), so each node dates a message by
the hub's ``received_at`` (:class:`~statelink.clock.Dating` ``MESSAGE``): the demo's
simulated year is decided as the year it simulates. A node opened alone
(:func:`open_node`, as ``statelink serve node`` does) keeps its own clock.

The dashboard shows an :class:`EmbeddedNetwork` (every state), or a node service's
:class:`OneState`: that node seen as a network of its one state, over the stores the
service already has open (its layout is a :class:`NodeLayout`, which knows where the
service keeps the state's node database and audit log).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType, TracebackType

import structlog

from statelink.audit import AuditService
from statelink.audit.appender import CHECKPOINT_EVERY, CHECKPOINT_SECONDS
from statelink.clock import Clock, Dating
from statelink.directory import Directory
from statelink.directory.source import DirectorySource
from statelink.errors import StatelinkError
from statelink.hub import Hub
from statelink.hub.routing_log import RoutingLog
from statelink.nation import Layout, require_manifest
from statelink.node import StateNode
from statelink.node.ledger import Ledger
from statelink.node.parts import Closable, NodeParts
from statelink.node.redelivery import AuditAnswers
from statelink.node_database import NodeDatabase
from statelink.policy.active import PolicyStore
from statelink.policy.decision_point import DecisionPoint
from statelink.records import RecordStore
from statelink.store import Where
from statelink.transport.inprocess import InProcessTransport
from statelink.witness.pusher import CheckpointPusher

log = structlog.get_logger(__name__)
PUSHING_AT_ONCE = 8
IN_PROCESS = Clock(Dating.MESSAGE)
"""The clock of a node with the hub in its process: a message is dated by the hub."""


def open_node(
    layout: Layout,
    state: str,
    directories: DirectorySource,
    audit: AuditService,
    *,
    every: float = 1.0,
    db: NodeDatabase | None = None,
    database: str | None = None,
    records: str | None = None,
    clock: Clock | None = None,
) -> StateNode:
    """One state's node over the nation's files, or with its stores in ``database`` (a URL:
    settings, review queue, notices and audit log) and its records in ``records``. Given
    ``db``, the node uses that node database (and leaves closing it to its owner). The
    node dates what it does by ``clock``: its own wall clock if not given."""
    own = db is None
    db = db or NodeDatabase.open(state, database or layout.node_store(state))
    opened: list[Closable] = [db] if own else []
    try:
        store = RecordStore.open(state, records or layout.records(state))
        opened.append(store)
        policy = DecisionPoint(
            state,
            PolicyStore(state, layout.state_dir(state)),
            db.settings,
            directories,
            every=every,
        )
    except BaseException:
        for part in opened:
            part.close()
        raise
    ledger = Ledger(state, audit, db.notices, lambda: policy.digest)
    answers = AuditAnswers(state, database or layout.audit_store(state))
    opened.append(answers)
    parts = NodeParts(
        state, store, directories, policy, db.queue, ledger, clock or Clock(), answers
    )
    return StateNode(parts, owned=opened)


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
        self._databases: dict[str, NodeDatabase] = {}

    def __getitem__(self, state: str) -> StateNode:
        node = self._open.get(state)
        if node is None:
            node = open_node(
                self._layout,
                state,
                self._directories,
                self._audit,
                every=self._every,
                db=self.database(state),
                clock=IN_PROCESS,
            )
            self._open[state] = node
        return node

    def database(self, state: str) -> NodeDatabase:
        """The state's node database, one per state for the whole process (its node and
        the dashboard share it)."""
        db = self._databases.get(state)
        if db is None:
            if state not in self._states:
                raise KeyError(state)
            db = self._databases[state] = NodeDatabase.open(state, self._layout.node_store(state))
        return db

    def close(self) -> None:
        for node in self._open.values():
            node.close()
        for db in self._databases.values():
            db.close()

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
        self._pushers: dict[str, CheckpointPusher] = {}

    def database(self, state: str) -> NodeDatabase:
        """A state's node database (settings, review queue, notices), shared with its node."""
        return self._nodes.database(state)

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
                log.error("review_queue_not_processed", state=node.state, error=e.message)

    def purge_notices(self) -> None:
        """Delete notices whose retention has ended, in every state opened so far."""
        on = dt.datetime.now(dt.UTC).date()
        for node in self._nodes.opened():
            try:
                node.notices.purge(on)
            except StatelinkError as e:
                log.error("notices_not_purged", state=node.state, error=e.message)

    async def push_checkpoints(self) -> None:
        """Push the latest checkpoint of each state with a log to its witnesses that are
        behind (a node not opened yet too: a witness registered while the network is idle
        is caught up at once), the states side by side (at most :data:`PUSHING_AT_ONCE`
        threads), off the event loop: a witness that is down delays neither an answer nor
        another state (each request gives up after 3 s to connect, 10 s in all)."""
        pushers = self._pushers  # kept between rounds: each logs a cut tail once
        states = [state for state in self._nodes if self.layout.has_audit(state)]
        at_once = asyncio.Semaphore(PUSHING_AT_ONCE)

        async def push(state: str) -> None:
            pusher = pushers.get(state)
            if pusher is None:
                where = self.layout.audit_store(state)
                pusher = pushers[state] = CheckpointPusher(
                    state, where, self.database(state).witnesses
                )
            async with at_once:
                await asyncio.to_thread(pusher.push_behind)

        done = await asyncio.gather(*(push(state) for state in states), return_exceptions=True)
        for state, outcome in zip(states, done, strict=True):
            if isinstance(outcome, StatelinkError):
                log.error("witnesses_not_pushed", state=state, error=outcome.message)
            elif isinstance(outcome, Exception):  # a foreign message may quote a record
                log.error("witnesses_not_pushed", state=state, error=type(outcome).__name__)

    async def aclose(self) -> None:
        """Stop the audit service (it signs a last checkpoint of each log), close the stores."""
        await self.transport.aclose()
        await self.audit.aclose()
        self._nodes.close()
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


@dataclass(frozen=True)
class NodeLayout(Layout):
    """A data folder as one node service sees it: its state's node database and audit
    log in ``database`` when the service keeps them there (``serve node --database``),
    everything else (policy, keys, accounts, the reports' copies) in the folder."""

    state: str = ""
    database: str | None = None

    def node_store(self, state: str) -> Where:
        if self.database and state == self.state:
            return self.database
        return super().node_store(state)

    def audit_store(self, state: str) -> Where:
        if self.database and state == self.state:
            return self.database
        return super().audit_store(state)


class OneState:
    """One node service's view of itself as a network of one state, for its dashboard:
    the service's own node, node database and audit service, already open. It opens and
    closes nothing (the service owns them); asked for another state, it has none
    (``KeyError``)."""

    def __init__(
        self, layout: Layout, node: StateNode, database: NodeDatabase, audit: AuditService
    ) -> None:
        if database.state != node.state:
            raise ValueError(f"the node database of {database.state} is not {node.state}'s")
        self.layout = layout
        self.state = node.state
        self.nodes: Mapping[str, StateNode] = MappingProxyType({node.state: node})
        self.audit = audit
        self._database = database

    @property
    def directory(self) -> Directory:
        """The directory as the node has it now (its own copy, reloaded when it changes)."""
        return self.nodes[self.state].parts.directories.current()

    def database(self, state: str) -> NodeDatabase:
        if state != self.state:
            raise KeyError(state)
        return self._database
