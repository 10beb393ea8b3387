"""One state's node as a service (``statelink serve node --state XX``).

It answers only the hub: a client certificate, if sent, must be from the network's CA,
and every request outside ``/logs/`` must come with the hub's own certificate (pinned by
SHA-256 fingerprint): :class:`HubOnly` refuses the others before any route sees them,
and each ``/v1/`` handler checks again. Under ``/logs/XX/`` the state's audit log is
served as C2SP tlog-tiles (:mod:`statelink.web.log_tiles`): the checkpoint and hash
tiles to anyone, the entry bundles to a client certificate from the network's CA.
Everything else (policy, records, review, notices, audit) is the same
:class:`~statelink.node.StateNode` the embedded mode runs.

Under ``/dashboard/`` (unless ``dashboard = false``) it serves the state's own dashboard
to browsers, which need no client certificate: the dashboard signs its officials in by
account (``statelink accounts add`` on the node's data folder), with CSRF tokens and a
throttle, and shows this state only, from the service's own open stores
(:class:`~statelink.embedded.OneState`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import orjson
from pydantic import BaseModel, Field
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

import statelink
from statelink.audit import AuditService
from statelink.config import NodeConfig
from statelink.directory.source import DirectorySource
from statelink.embedded import NodeLayout, OneState, open_node
from statelink.errors import Forbidden, UsageError
from statelink.messages.envelope import Envelope
from statelink.nation import Layout, require_manifest
from statelink.node import StateNode
from statelink.node_database import NodeDatabase
from statelink.pki import fingerprint_of
from statelink.web import log_tiles, operations, problems
from statelink.web.body_limit import PAGE_BODY_LIMIT, BodyLimit
from statelink.web.housekeeping import housekeeping
from statelink.web.peer import peer_fingerprint
from statelink.witness.pusher import CheckpointPusher
from statelink.witness.registry import WitnessRegistry

if TYPE_CHECKING:  # the dashboard's modules load only when it is served
    from statelink.web.site import Site

log = logging.getLogger(__name__)

PUBLIC_PREFIX = "/logs/"
"""The part of the node that answers others than the hub: the tiled audit log (and,
when it is served, the dashboard under :data:`DASHBOARD_PREFIX`)."""
DASHBOARD_PREFIX = "/dashboard"
"""The dashboard's paths: this one and every one under it."""
REFUSAL_LOG_SECONDS = 10.0
"""At most one warning line about refused clients in this time."""


class CollectRequest(BaseModel):
    message_id: str = Field(max_length=40)
    ori: str = Field(min_length=9, max_length=9)


class NodeHealth(BaseModel):
    status: str
    version: str
    state: str
    policy: str  # digest of the policy set in force; "" if none (everything denied)


@dataclass(frozen=True)
class NodeService:
    """The node behind the app, kept on ``app.state.node``: its state, the hub's pinned
    certificate fingerprint, the node itself, its audit service and its node database
    (shared by the node and the dashboard)."""

    state: str
    hub: str  # SHA-256 fingerprint of the hub's certificate
    layout: NodeLayout
    node: StateNode
    audit: AuditService
    pusher: CheckpointPusher
    database: NodeDatabase

    @classmethod
    def open(cls, config: NodeConfig) -> NodeService:
        layout = NodeLayout(config.data, config.state, config.database)
        require_manifest(layout)
        hub = fingerprint_of(config.hub_cert)
        directories = DirectorySource.open(layout.directory)
        audit = AuditService(lambda s: (config.database or layout.audit_store(s), layout.keys(s)))
        database = NodeDatabase.open(config.state, layout.node_store(config.state))
        try:
            node = open_node(
                layout,
                config.state,
                directories,
                audit,
                db=database,
                database=config.database,
                records=config.records,
            )
        except BaseException:
            database.close()
            raise
        witnesses = WitnessRegistry.open(
            config.state, config.database or layout.node_store(config.state)
        )
        pusher = CheckpointPusher(
            config.state, config.database or layout.audit_store(config.state), witnesses
        )
        return cls(config.state, hub, layout, node, audit, pusher, database)

    async def carry_out_reviews(self) -> None:
        await self.node.reviews.carry_out()

    def purge_notices(self) -> None:
        self.node.notices.purge(dt.datetime.now(dt.UTC).date())

    async def push_checkpoints(self) -> None:
        await asyncio.to_thread(self.pusher.push_behind)


class Refusals:
    """Counts the clients refused for not being the hub, and warns about them at most
    once every ``every`` seconds, with how many were refused since the last warning (a
    flood of strangers cannot flood the log). Used on the event loop only."""

    def __init__(
        self,
        state: str,
        every: float = REFUSAL_LOG_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.state = state
        self.every = every
        self._clock = clock
        self._count = 0
        self._last: float | None = None

    def refused(self) -> None:
        self._count += 1
        now = self._clock()
        if self._last is not None and now - self._last < self.every:
            return
        log.warning(
            "%s node: refused %d client(s) that are not the hub (at most one line per %g s)",
            self.state,
            self._count,
            self.every,
        )
        self._last = now
        self._count = 0


class HubOnly:
    """ASGI middleware: every request outside ``/logs/`` (and, when ``dashboard``, outside
    the dashboard's paths) must come with the hub's pinned certificate, else a 403
    problem before any route runs (so no route can forget it)."""

    def __init__(
        self, app: ASGIApp, hub: str, state: str, refusals: Refusals, dashboard: bool = False
    ) -> None:
        self._app = app
        self._hub = hub
        self._state = state
        self._refusals = refusals
        self._dashboard = dashboard

    def public(self, path: str) -> bool:
        """Whether ``path`` answers others than the hub."""
        if path.startswith(PUBLIC_PREFIX):
            return True
        return self._dashboard and (
            path == DASHBOARD_PREFIX or path.startswith(DASHBOARD_PREFIX + "/")
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self.public(scope["path"]):
            await self._app(scope, receive, send)
            return
        if peer_fingerprint(scope) == self._hub:
            await self._app(scope, receive, send)
            return
        self._refusals.refused()
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        refusal = problems.problem(
            403, Forbidden.code, f"the {self._state} node answers only its hub"
        )
        await refusal(scope, receive, send)


def create_node_app(config: NodeConfig) -> Starlette:
    """The node's ASGI app: Starlette only (the hub is its one client; no OpenAPI)."""
    service = NodeService.open(config)
    refusals = Refusals(service.state)
    hub_only = Middleware(
        HubOnly, hub=service.hub, state=service.state, refusals=refusals, dashboard=config.dashboard
    )
    pages = {DASHBOARD_PREFIX + "/": PAGE_BODY_LIMIT} if config.dashboard else {}
    bounded = Middleware(BodyLimit, limit=config.max_body_bytes, prefixes=pages)
    app = Starlette(routes=routes, lifespan=_lifespan, middleware=[bounded, hub_only])
    app.state.node = service
    app.state.refusals = refusals
    app.state.dashboard = _dashboard(app, service) if config.dashboard else None
    problems.install(app)
    where = config.database or Layout(config.data).audit_store(config.state)
    log_tiles.install(
        app,
        lambda s: where if s == config.state else None,
        lambda s: service.pusher.registry,
        entries=log_tiles.EntryAccess.CERTIFIED,
    )
    operations.install(app, operations.for_node(service, config))  # /health /ready /metrics
    return app


@asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    service: NodeService = app.state.node
    service.audit.start()
    async with housekeeping(service, service.state):
        marker = service.layout.serving(service.state)
        marker.write_text(json.dumps({"pid": os.getpid()}), encoding="utf-8")
        yield
        marker.unlink(missing_ok=True)
    await service.audit.aclose()
    dashboard: Site | None = app.state.dashboard
    if dashboard is not None:
        dashboard.close()
    service.node.close()
    service.database.close()
    log_tiles.close(app)
    service.pusher.close()


def _dashboard(app: Starlette, service: NodeService) -> Site:
    """Serve the state's dashboard from ``app`` under ``/dashboard/``, over the service's
    own stores; its :class:`Site` (the service's lifespan closes it)."""
    from statelink.web.dashboard import served_alone

    view = OneState(service.layout, service.node, service.database, service.audit)
    pages = served_alone(view)
    app.router.routes.append(Mount(DASHBOARD_PREFIX, app=AtFullPath(pages)))
    site: Site = pages.state.site
    return site


class AtFullPath:
    """A mounted app that routes by the request's full path, as if it were not mounted
    (the dashboard's routes are ``/dashboard/...``, wherever it is served from)."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app({**scope, "root_path": scope.get("app_root_path", "")}, receive, send)


def _from_the_hub(request: Request) -> NodeService:
    """The node's service, if the request comes with the hub's own certificate."""
    service: NodeService = request.app.state.node
    if peer_fingerprint(request.scope) != service.hub:
        refusals: Refusals = request.app.state.refusals
        refusals.refused()
        raise Forbidden(f"the {service.state} node answers only its hub")
    return service


async def health(request: Request) -> Response:
    service = _from_the_hub(request)
    found = NodeHealth(
        status="ok",
        version=statelink.__version__,
        state=service.state,
        policy=service.node.policy.digest,
    )
    return _json(found)


async def deliver(request: Request) -> Response:
    """One message from the hub; the state's answer (a StateAnswer)."""
    node = _from_the_hub(request).node
    envelope = _parse(Envelope, await request.body())
    return _json(await node.handle(envelope))


async def collect(request: Request) -> Response:
    """A held message's answer for the agency that sent it (released once)."""
    node = _from_the_hub(request).node
    wanted = _parse(CollectRequest, await request.body())
    return _json(await node.reviews.collect(wanted.message_id, wanted.ori))


routes = [
    Route("/v1/health", health, methods=["GET"]),
    Route("/v1/node/messages", deliver, methods=["POST"]),
    Route("/v1/node/collect", collect, methods=["POST"]),
]


def _json(model: BaseModel) -> Response:
    return Response(model.model_dump_json(), media_type="application/json")


M = TypeVar("M", bound=BaseModel)


def _parse(model: type[M], body: bytes) -> M:
    try:
        return model.model_validate(orjson.loads(body))
    except (orjson.JSONDecodeError, ValueError) as e:
        raise UsageError(f"not a valid {model.__name__}: {e}") from None
