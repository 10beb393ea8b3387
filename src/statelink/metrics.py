"""The services' Prometheus instruments: what the hub and a node count and time.

Each service keeps its own :class:`~prometheus_client.CollectorRegistry` (never the
library's global one), so two services in one process (the tests, the embedded mode)
never share a series. Names follow Prometheus' conventions: ``statelink_hub_`` or
``statelink_node_``, a unit suffix (``_seconds``), ``_total`` on counters, labels of
small fixed sets only (a state code, a status, a message key, a problem code), never a
message id, an ORI or anything personal. :mod:`statelink.web.operations` serves them
at ``/metrics``; docs/operations.md lists each with its meaning.

The hub counts from what it sends back (:meth:`HubMetrics.answered`, from the
:class:`~statelink.messages.response.HubResponse`) and times each delivery to a node
through :class:`MeasuredTransport`, which wraps the node transport. A node counts from
its ledger (:class:`NodeMetrics` is a :class:`~statelink.node.ledger.LedgerObserver`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Any, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from statelink.messages.envelope import Envelope
from statelink.messages.model import Message
from statelink.messages.response import HubResponse, StateAnswer, Status
from statelink.transport import Transport

MESSAGE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
"""Seconds: a message answered from one node on loopback takes a few milliseconds; the
largest buckets reach the hub's timeouts (10 s for one state, 60 s for NL)."""
APPEND_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
"""Seconds: a durable append is one group commit (an fsync), usually about a millisecond."""


Family = TypeVar("Family", Counter, Gauge, Histogram)


class _Children:
    """Each labelled child of a metric family, looked up once: prometheus_client's own
    lookup takes a lock and checks the values every time (tens of microseconds a
    message on the hub's hot path)."""

    def __init__(self) -> None:
        self._found: dict[tuple[int, tuple[str, ...]], Any] = {}

    def __call__(self, family: Family, *values: str) -> Family:
        key = (id(family), values)
        child: Family | None = self._found.get(key)
        if child is None:
            child = self._found[key] = family.labels(*values)
        return child


class Scope(StrEnum):
    """How many states a message goes to: the ``scope`` label of the message latency."""

    SINGLE = "single"
    MULTI = "multi"
    NATIONWIDE = "nationwide"  # NL: every state

    @classmethod
    def of(cls, message: Message) -> Scope:
        if message.nationwide:
            return cls.NATIONWIDE
        return cls.SINGLE if len(message.dest) == 1 else cls.MULTI


class HubMetrics:
    """The hub's instruments, in a registry of their own (:attr:`registry`)."""

    def __init__(self, *, node_connections: int = 32) -> None:
        self.registry = CollectorRegistry()
        self.node_connections = node_connections
        self._node_requests_now: dict[str, int] = {}
        self._child = _Children()
        r = self.registry
        self.answers, self.collections = self._answer_counters(r)
        self.messages, self.deliveries = self._latencies(r)
        self.in_flight, self.node_in_flight, self.node_waiting = self._in_flight_gauges(r)
        self.refusals = Counter(
            "statelink_hub_refusals",
            "Members' requests the hub refused, by the problem's code (unauthenticated, "
            "rate-limited, ori-not-owned, control-reused, invalid-message, ...).",
            ["reason"],
            registry=r,
        )

    @staticmethod
    def _answer_counters(r: CollectorRegistry) -> tuple[Counter, Counter]:
        """The per-state answers: in replies to messages, and to collections."""
        answers = Counter(
            "statelink_hub_answers",
            "Per-state answers in the hub's replies to messages, by destination state and "
            "status (an NL reply counts every state, its NO_HITs too).",
            ["state", "status"],
            registry=r,
        )
        collections = Counter(
            "statelink_hub_collections",
            "Per-state answers in the hub's replies to collections of held messages.",
            ["state", "status"],
            registry=r,
        )
        return answers, collections

    @staticmethod
    def _latencies(r: CollectorRegistry) -> tuple[Histogram, Histogram]:
        """The time of a message through the hub, and of one delivery to a node."""
        messages = Histogram(
            "statelink_hub_message_duration_seconds",
            "Time from a message's arrival at the hub to its reply, by message key and "
            "scope (single, multi, nationwide).",
            ["mke", "scope"],
            buckets=MESSAGE_BUCKETS,
            registry=r,
        )
        deliveries = Histogram(
            "statelink_hub_delivery_duration_seconds",
            "Time of one request from the hub to a state's node until its answer, a "
            "failure or the hub's timeout, by state.",
            ["state"],
            buckets=MESSAGE_BUCKETS,
            registry=r,
        )
        return messages, deliveries

    @staticmethod
    def _in_flight_gauges(r: CollectorRegistry) -> tuple[Gauge, Gauge, Gauge]:
        """Messages being routed, and requests to each node in progress or waiting."""
        in_flight = Gauge(
            "statelink_hub_messages_in_flight",
            "Messages the hub is routing now (received, not yet answered).",
            registry=r,
        )
        node_in_flight = Gauge(
            "statelink_hub_node_requests_in_flight",
            "Requests from the hub to a state's node now in progress, by state.",
            ["state"],
            registry=r,
        )
        node_waiting = Gauge(
            "statelink_hub_node_requests_waiting",
            "Requests to a state's node beyond its connection limit (node_connections), "
            "so waiting for a connection, by state.",
            ["state"],
            registry=r,
        )
        return in_flight, node_in_flight, node_waiting

    def answered(self, message: Message, response: HubResponse, seconds: float) -> None:
        """Count a reply to a message: each destination's status, and its latency."""
        child = self._child
        for state, status in response.summary.items():
            child(self.answers, state, status.value).inc()
        child(self.messages, message.mke, Scope.of(message).value).observe(seconds)

    def collected(self, response: HubResponse) -> None:
        for state, status in response.summary.items():
            self._child(self.collections, state, status.value).inc()

    def refused(self, reason: str) -> None:
        self._child(self.refusals, reason).inc()

    @contextmanager
    def routing(self) -> Iterator[None]:
        """Count a message in flight while the block runs."""
        self.in_flight.inc()
        try:
            yield
        finally:
            self.in_flight.dec()

    def measured(self, transport: Transport) -> MeasuredTransport:
        """``transport``, timing each delivery and counting those in progress per state."""
        return MeasuredTransport(transport, self)

    def _node_requests(self, state: str, change: int) -> None:
        """A request to ``state``'s node started (+1) or ended (-1)."""
        now = self._node_requests_now.get(state, 0) + change
        self._node_requests_now[state] = now
        self._child(self.node_in_flight, state).set(now)
        # aiohttp keeps no public count of the requests waiting for a connection; with at
        # most node_connections connections per node, those beyond the limit wait
        self._child(self.node_waiting, state).set(max(0, now - self.node_connections))

    def _delivered(self, state: str, seconds: float) -> None:
        self._child(self.deliveries, state).observe(seconds)

    def start_states(self, states: Iterable[str]) -> None:
        """Create the per-node series at zero, so a node never asked still shows."""
        for state in states:
            self.node_in_flight.labels(state)
            self.node_waiting.labels(state)


class MeasuredTransport:
    """A :class:`~statelink.transport.Transport` that times each call to a node (in
    :attr:`HubMetrics.deliveries`, a call cut by the hub's timeout too) and counts the
    calls in progress per node."""

    def __init__(self, transport: Transport, metrics: HubMetrics) -> None:
        self.transport = transport
        self._metrics = metrics

    def states(self) -> frozenset[str]:
        return self.transport.states()

    async def deliver(self, state: str, envelope: Envelope) -> StateAnswer:
        with self._timed(state):
            return await self.transport.deliver(state, envelope)

    async def collect(self, state: str, message_id: str, ori: str) -> StateAnswer:
        with self._timed(state):
            return await self.transport.collect(state, message_id, ori)

    async def aclose(self) -> None:
        await self.transport.aclose()

    @contextmanager
    def _timed(self, state: str) -> Iterator[None]:
        metrics = self._metrics
        metrics._node_requests(state, 1)
        started = time.perf_counter()
        try:
            yield
        finally:
            metrics._delivered(state, time.perf_counter() - started)
            metrics._node_requests(state, -1)


class NodeMetrics:
    """One state node's instruments, in a registry of their own (:attr:`registry`).

    It observes the node's ledger (answers, their latency, audit appends, policy
    errors); the audit queue depth is read from ``audit_pending`` at each scrape, and
    the review queue depth is set by whoever reads the queue (:meth:`reviews_pending`).
    """

    def __init__(self, state: str, *, audit_pending: Callable[[], int] | None = None) -> None:
        self.state = state
        self.registry = CollectorRegistry()
        r = self.registry
        self.answers, self.answer_seconds = self._answer_instruments(r)
        self.append_seconds, self.append_failures, self.audit_pending = self._audit_instruments(r)
        self.reviews = Gauge(
            "statelink_node_review_pending",
            "Held messages waiting for a reviewer (NaN while the node database does not answer).",
            ["state"],
            registry=r,
        )
        self.policy_errors = Counter(
            "statelink_node_policy_errors",
            "Messages whose policy evaluation failed: a policy-error decision (an "
            "evaluation error, or no valid policy set in force) or an evaluation that "
            "raised. Each is denied or UNAVAILABLE; nothing is released.",
            ["state"],
            registry=r,
        )
        if audit_pending is not None:
            self.audit_pending.labels(state).set_function(lambda: float(audit_pending()))
        # the node's one state: its children made once (so their series show from the start)
        self._by_status = {status: self.answers.labels(state, status.value) for status in Status}
        self._answer_seconds = self.answer_seconds.labels(state)
        self._append_seconds = self.append_seconds.labels(state)
        self._append_failures = self.append_failures.labels(state)
        self._policy_errors = self.policy_errors.labels(state)
        self._reviews = self.reviews.labels(state)
        self._reviews.set(float("nan"))

    @staticmethod
    def _answer_instruments(r: CollectorRegistry) -> tuple[Counter, Histogram]:
        """The answers by status, and their latency."""
        answers = Counter(
            "statelink_node_answers",
            "Answers the node gave (to messages and to collections of held ones), by "
            "state and status: HIT, NO_HIT, DENIED, HELD, REJECTED, UNAVAILABLE.",
            ["state", "status"],
            registry=r,
        )
        answer_seconds = Histogram(
            "statelink_node_answer_duration_seconds",
            "Time from the node taking a message to its answer: decision, search and the "
            "durable audit append.",
            ["state"],
            buckets=MESSAGE_BUCKETS,
            registry=r,
        )
        return answers, answer_seconds

    @staticmethod
    def _audit_instruments(r: CollectorRegistry) -> tuple[Histogram, Counter, Gauge]:
        """The audit appends: their latency, their failures and those pending."""
        append_seconds = Histogram(
            "statelink_node_audit_append_duration_seconds",
            "Time from a record handed to the audit service until it is durably appended "
            "(its receipt is back).",
            ["state"],
            buckets=APPEND_BUCKETS,
            registry=r,
        )
        append_failures = Counter(
            "statelink_node_audit_append_failures",
            "Records the audit service could not append durably (the answer released "
            "nothing: UNAVAILABLE).",
            ["state"],
            registry=r,
        )
        audit_pending = Gauge(
            "statelink_node_audit_pending",
            "Records handed to the audit service and not yet durably appended.",
            ["state"],
            registry=r,
        )
        return append_seconds, append_failures, audit_pending

    # --- the ledger's observer (statelink.node.ledger.LedgerObserver) ---------------------

    def answered(self, status: Status, seconds: float) -> None:
        self._by_status[status].inc()
        self._answer_seconds.observe(seconds)

    def appended(self, seconds: float) -> None:
        self._append_seconds.observe(seconds)

    def append_failed(self) -> None:
        self._append_failures.inc()

    def policy_failed(self) -> None:
        self._policy_errors.inc()

    # --- read at scrape time ---------------------------------------------------------------

    def reviews_pending(self, count: int | None) -> None:
        """The review queue's pending items (None: the queue could not be read)."""
        self._reviews.set(float("nan") if count is None else float(count))
