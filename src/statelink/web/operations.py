"""What the hub and node services answer their operators: ``/health``, ``/ready``, ``/metrics``.

- ``GET /health``: liveness. The process answers: ``{"status": "ok", ...}``, also while it
  drains (a liveness probe must not kill a service finishing its work).
- ``GET /ready``: 200 only when the service can do its work; else 503, a problem
  (``not-ready``) that names in words each thing that is not ready. A node is ready when
  a valid policy set is in force, its audit service runs and its audit store answers, and
  its database answers; the hub when its directory is loaded, its database answers and
  it has nodes to send to (each database asked by a
  :class:`~statelink.web.database_probe.DatabaseProbe`). Both stop being ready the moment
  they start to drain.
- ``GET /metrics``: the service's own Prometheus registry (:mod:`statelink.metrics`) in
  the text format (or OpenMetrics, if the scraper asks for it).

Who may read them: :class:`OperationsDoor`, in front of every other middleware, answers
these paths itself. On the hub ``/health`` and ``/ready`` are open (a load balancer probes
them without credentials) and ``/metrics`` is for a client certificate the TLS layer
verified (a member's, or a monitoring certificate from the members' CA), never by
address: behind a TCP load balancer on the same machine every member would come from
loopback; on a node, which answers only its hub, all three are
for loopback or a verified certificate (the hub's, or a monitoring certificate from the
network's CA). Anyone else gets 403 and no route runs.

Draining (:class:`Drain`): on SIGTERM the server (:mod:`statelink.web.server`) marks the
service as draining, so ``/ready`` answers 503 at once; it keeps accepting for the
service's ``drain_seconds`` (0 by default) so that a load balancer polling ``/ready``
stops sending, then stops accepting, lets the requests in flight finish (up to
``grace_seconds``) and shuts down (a node's audit service signs its last checkpoint).
"""

from __future__ import annotations

import asyncio
import inspect
import ipaddress
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
import structlog
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

import statelink
from statelink.audit.log import record as audit_record
from statelink.errors import StatelinkError
from statelink.metrics import HubMetrics, NodeMetrics
from statelink.review.queue import ItemStatus, review_item
from statelink.web import problems
from statelink.web.database_probe import DatabaseProbe, NotReady
from statelink.web.peer import peer_fingerprint

if TYPE_CHECKING:
    from statelink.config import HubConfig, NodeConfig
    from statelink.web.hub_service import HubService
    from statelink.web.node_service import NodeService

log = structlog.get_logger(__name__)

NODE_GRACE_SECONDS = 5.0
"""How long a draining node lets its requests in flight finish (each takes milliseconds)."""

Check = Callable[[], Awaitable[str | None]]
"""A readiness check: None when ready, else what is not ready, in words."""


class Access(Enum):
    """Who may read an operations path."""

    ANYONE = "anyone"
    LOCAL_OR_CERTIFIED = "this machine, or a client certificate the TLS layer verified"
    CERTIFIED = "a client certificate the TLS layer verified"


class Drain:
    """Whether the service is shutting down; the server begins it on SIGTERM or Ctrl-C."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.started = False

    def begin(self) -> None:
        if not self.started:
            self.started = True
            log.info("draining", service=self.service)


@dataclass
class Operations:
    """One service's operations endpoints: what they read, and who may read them."""

    service: str  # "hub" or "node WA"
    registry: CollectorRegistry
    checks: Sequence[Check]
    access: dict[str, Access]
    refresh: Check | None = None  # run before a scrape (a gauge read from a database)
    refused: Callable[[str], None] | None = None  # told the code of each problem answered
    grace_seconds: float = NODE_GRACE_SECONDS
    drain_seconds: float = 0.0
    drain: Drain = field(init=False)
    _reasons: list[str] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.drain = Drain(self.service)

    async def not_ready(self) -> list[str]:
        """What keeps the service from being ready, in words (empty: ready)."""
        if self.drain.started:
            return ["the service is draining: it is shutting down"]
        found = await asyncio.gather(*(check() for check in self.checks))
        reasons = [r for r in found if r]
        if reasons != self._reasons:  # a change is logged, not every probe
            if reasons:
                log.warning("not_ready", service=self.service, reasons=reasons)
            else:
                log.info("ready", service=self.service)
            self._reasons = reasons
        return reasons


def install(app: Starlette, operations: Operations) -> None:
    """Serve ``/health``, ``/ready`` and ``/metrics`` on ``app``, in front of its other
    middleware (the app's own route table lists them too)."""
    app.state.operations = operations
    served = [
        Route("/health", health, methods=["GET"]),
        Route("/ready", ready, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
    app.router.routes.extend(served)
    app.add_middleware(OperationsDoor, operations=operations, router=Router(routes=served))
    if operations.refused is not None:
        _count_problems(app, operations.refused)


def _count_problems(app: Starlette, refused: Callable[[str], None]) -> None:
    """Tell ``refused`` the code of every StatelinkError the app answers as a problem."""
    answer = app.exception_handlers.get(StatelinkError)
    if answer is None:
        raise RuntimeError("install the problem handlers (problems.install) first")

    async def counted(request: Request, error: Exception) -> Response:
        assert isinstance(error, StatelinkError)
        refused(error.code)
        answered = answer(request, error)
        response = await answered if inspect.isawaitable(answered) else answered
        assert isinstance(response, Response)
        return response

    app.add_exception_handler(StatelinkError, counted)


def of(app: ASGIApp) -> Operations | None:
    """The operations installed on ``app``, if any (the server drains them)."""
    state = getattr(app, "state", None)
    found = getattr(state, "operations", None)
    return found if isinstance(found, Operations) else None


class OperationsDoor:
    """ASGI middleware: the operations paths are answered here, to those who may read
    them, before any other middleware (a node's hub-only check, the hub's admission
    limit) runs; every other request goes on to the app."""

    def __init__(self, app: ASGIApp, operations: Operations, router: Router) -> None:
        self._app = app
        self._operations = operations
        self._router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        access = self._operations.access.get(scope["path"]) if scope["type"] == "http" else None
        if access is None:
            await self._app(scope, receive, send)
        elif not may_read(scope, access):
            refusal = problems.problem(
                403, "forbidden", f"{scope['path']} is for {access.value} only"
            )
            await refusal(scope, receive, send)
        elif scope["method"] not in ("GET", "HEAD"):  # answered here: no route would
            refusal = problems.problem(
                405, "method-not-allowed", f"{scope['path']} answers GET only"
            )
            refusal.headers["allow"] = "GET, HEAD"
            await refusal(scope, receive, send)
        else:
            await self._router(scope, receive, send)


def may_read(scope: Scope, access: Access) -> bool:
    if access is Access.ANYONE or peer_fingerprint(scope) is not None:
        return True
    if access is Access.CERTIFIED:
        return False
    client = scope.get("client")
    if not client:
        return False
    try:
        return ipaddress.ip_address(client[0]).is_loopback
    except ValueError:
        return False


def _operations(request: Request) -> Operations:
    found: Operations = request.app.state.operations
    return found


async def health(request: Request) -> Response:
    """Liveness: the process answers."""
    ops = _operations(request)
    return JSONResponse(
        {
            "status": "ok",
            "service": ops.service,
            "version": statelink.__version__,
            "draining": ops.drain.started,
        }
    )


async def ready(request: Request) -> Response:
    """Readiness: 200, or 503 naming what is not ready."""
    ops = _operations(request)
    reasons = await ops.not_ready()
    if not reasons:
        return JSONResponse({"status": "ready", "service": ops.service})
    detail = f"{ops.service} is not ready: " + "; ".join(reasons)
    return problems.problem(503, "not-ready", detail, reasons=reasons)


async def metrics(request: Request) -> Response:
    """The service's registry, in the format the scraper asks for."""
    ops = _operations(request)
    if ops.refresh is not None:
        await ops.refresh()
    encoder, content_type = choose_encoder(request.headers.get("accept", ""))
    body: bytes = encoder(ops.registry)
    return Response(body, headers={"content-type": content_type})


# --- the two services ----------------------------------------------------------------------

PENDING_REVIEWS = (
    sa.select(sa.func.count())
    .select_from(review_item)
    .where(review_item.c.status == ItemStatus.PENDING.value)
)
LAST_AUDIT_RECORD = sa.select(audit_record.c.seq).order_by(audit_record.c.seq.desc()).limit(1)


def for_hub(service: HubService, config: HubConfig, metrics: HubMetrics) -> Operations:
    """The hub's operations: ready with its directory, its database and its nodes; the
    problems it answers are counted as refusals."""
    from statelink.nation import Layout

    metrics.start_states(service.transport.states())
    database = DatabaseProbe(
        "the hub database", config.database or Layout(config.data).hub_db, sa.select(1)
    )

    async def directory() -> str | None:
        try:
            agencies = len(service.directories.current())
        except Exception as e:
            return f"the directory could not be read ({type(e).__name__})"
        return None if agencies else "the directory lists no agencies"

    async def nodes() -> str | None:
        if service.transport.states():
            return None
        return "no state node is configured (--node STATE=https://...)"

    return Operations(
        "hub",
        metrics.registry,
        [directory, database.not_ready, nodes],
        {"/health": Access.ANYONE, "/ready": Access.ANYONE, "/metrics": Access.CERTIFIED},
        refused=metrics.refused,
        grace_seconds=max(config.single_timeout, config.nationwide_timeout) + 1,
        drain_seconds=config.drain_seconds,
    )


def for_node(service: NodeService, config: NodeConfig) -> Operations:
    """A node's operations, its metrics observing its ledger: ready with a valid policy
    set in force, its audit service running and its store answering, its database
    answering."""
    state, layout, audit = service.state, service.layout, service.audit
    metrics = NodeMetrics(state, audit_pending=lambda: audit.pending)
    service.node.ledger.observer = metrics
    database = DatabaseProbe(
        "the node database", config.database or layout.node_store(state), PENDING_REVIEWS
    )
    store = DatabaseProbe(
        "the audit store",
        config.database or layout.audit_store(state),
        LAST_AUDIT_RECORD,
        missing_ok=True,  # made by the audit service on the first append
    )

    async def policy() -> str | None:
        if service.node.policy.digest:
            return None
        return "no valid policy set is in force (every message is denied)"

    async def audited() -> str | None:
        if not audit.running():
            if not operations.drain.started:
                audit.start()  # what the next append would do; else nothing would
            return "the audit service is not running (starting it)"
        return await store.not_ready()

    async def reviews() -> str | None:
        try:
            pending = await database.run()
        except NotReady as e:
            metrics.reviews_pending(None)
            return str(e)
        metrics.reviews_pending(int(pending or 0))
        return None

    operations = Operations(
        f"node {state}",
        metrics.registry,
        [policy, audited, reviews],
        dict.fromkeys(("/health", "/ready", "/metrics"), Access.LOCAL_OR_CERTIFIED),
        refresh=reviews,
        drain_seconds=config.drain_seconds,
    )
    return operations
