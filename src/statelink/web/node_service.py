"""One state's node as a service (``statelink serve node --state XX``).

It answers only the hub: a client certificate, if sent, must be from the network's CA,
and every request outside ``/logs/`` must come with the hub's own certificate (pinned by
SHA-256 fingerprint): :class:`HubOnly` refuses the others before any route sees them,
and each ``/v1/`` handler checks again. Under ``/logs/XX/`` the state's audit log is
served as C2SP tlog-tiles (:mod:`statelink.web.log_tiles`): the checkpoint and hash
tiles to anyone, the entry bundles to a client certificate from the network's CA.
Everything else (policy, records, review, notices, audit) is the same
:class:`~statelink.node.StateNode` the embedded mode runs.
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
from typing import TypeVar

import orjson
from pydantic import BaseModel, Field
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

import statelink
from statelink.audit import AuditService
from statelink.config import NodeConfig
from statelink.directory.source import DirectorySource
from statelink.embedded import open_node
from statelink.errors import Forbidden, UsageError
from statelink.messages.envelope import Envelope
from statelink.nation import Layout, require_manifest
from statelink.node import StateNode
from statelink.pki import fingerprint_of
from statelink.web import log_tiles, problems
from statelink.web.body_limit import BodyLimit
from statelink.web.housekeeping import housekeeping
from statelink.web.peer import peer_fingerprint
from statelink.witness.pusher import CheckpointPusher
from statelink.witness.registry import WitnessRegistry

log = logging.getLogger(__name__)

PUBLIC_PREFIX = "/logs/"
"""The one part of the node that answers others than the hub (the tiled audit log)."""
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
    certificate fingerprint, the node itself and its audit service."""

    state: str
    hub: str  # SHA-256 fingerprint of the hub's certificate
    layout: Layout
    node: StateNode
    audit: AuditService
    pusher: CheckpointPusher

    @classmethod
    def open(cls, config: NodeConfig) -> NodeService:
        layout = Layout(config.data)
        require_manifest(layout)
        hub = fingerprint_of(config.hub_cert)
        directories = DirectorySource.open(layout.directory)
        audit = AuditService(lambda s: (config.database or layout.audit_store(s), layout.keys(s)))
        node = open_node(
            layout,
            config.state,
            directories,
            audit,
            database=config.database,
            records=config.records,
        )
        witnesses = WitnessRegistry.open(
            config.state, config.database or layout.node_store(config.state)
        )
        pusher = CheckpointPusher(
            config.state, config.database or layout.audit_store(config.state), witnesses
        )
        return cls(config.state, hub, layout, node, audit, pusher)

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
    """ASGI middleware: every request outside ``/logs/`` must come with the hub's pinned
    certificate, else a 403 problem before any route runs (so no route can forget it)."""

    def __init__(self, app: ASGIApp, hub: str, state: str, refusals: Refusals) -> None:
        self._app = app
        self._hub = hub
        self._state = state
        self._refusals = refusals

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope["path"].startswith(PUBLIC_PREFIX):
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
    hub_only = Middleware(HubOnly, hub=service.hub, state=service.state, refusals=refusals)
    bounded = Middleware(BodyLimit, limit=config.max_body_bytes)
    app = Starlette(routes=routes, lifespan=_lifespan, middleware=[bounded, hub_only])
    app.state.node = service
    app.state.refusals = refusals
    problems.install(app)
    where = config.database or Layout(config.data).audit_store(config.state)
    log_tiles.install(
        app,
        lambda s: where if s == config.state else None,
        lambda s: service.pusher.registry,
        entries=log_tiles.EntryAccess.CERTIFIED,
    )
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
    service.node.close()
    log_tiles.close(app)
    service.pusher.close()


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
