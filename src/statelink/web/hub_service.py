"""The hub as a service (``statelink serve hub``): members in, state nodes out, over TLS.

Members prove who they are with a client certificate (registered by fingerprint) or a
bearer token; each may send only for the ORIs it owns. The hub reaches each state's node
through the HTTPS transport with its own certificate. The routing log and the member
list live in the hub's database (SQLite in the data folder, or ``--database``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI, Request

import statelink
from statelink.config import HubConfig
from statelink.directory.source import DirectorySource
from statelink.errors import NationMissing, OriNotOwned, Unauthenticated
from statelink.hub import Hub
from statelink.hub.members import Member, MemberStore
from statelink.hub.rate_limits import RateLimits
from statelink.hub.resubmissions import Resubmissions
from statelink.hub.routing_log import RoutingLog
from statelink.metrics import HubMetrics
from statelink.nation import Layout
from statelink.states import CODES
from statelink.store import engine_for
from statelink.transport.https import HttpsTransport
from statelink.transport.tls import client_context
from statelink.web import operations, problems, v1
from statelink.web.admission import Admission
from statelink.web.body_limit import BodyLimit
from statelink.web.peer import peer_fingerprint

log = logging.getLogger(__name__)


RECHECK_SECONDS = 1.0


class MemberGate:
    """Who is calling (certificate or token), whether it is within its rate, and whether
    it may send for an ORI.

    A lookup is kept for ``recheck`` seconds (1 by default), so a busy member costs one
    database query a second, not one per message; a revoked token or a removed member
    is refused within that time.
    """

    def __init__(
        self,
        members: MemberStore,
        directories: DirectorySource,
        *,
        limits: RateLimits | None = None,
        recheck: float = RECHECK_SECONDS,
    ) -> None:
        self.members = members
        self.directories = directories
        self.limits = limits or RateLimits(0, 1)
        self.recheck = recheck
        self._seen: dict[str, tuple[float, Member | None]] = {}

    def _lookup(self, key: str, find: Callable[[], Member | None]) -> Member | None:
        now = time.monotonic()
        seen = self._seen.get(key)
        if seen is not None and seen[0] > now:
            return seen[1]
        member = find()
        if len(self._seen) > 10_000:
            self._seen.clear()
        self._seen[key] = (now + self.recheck, member)
        return member

    async def caller(self, request: Request) -> None:
        member = self._member(request)
        self.limits.take(member.name)
        request.state.member = member

    def _member(self, request: Request) -> Member:
        authorization = request.headers.get("authorization")
        if authorization is not None:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
            token = token.strip()
            member = self._lookup("t:" + token, lambda: self.members.by_token(token))
            if member is None:
                raise Unauthenticated("unknown or revoked token")
            return member
        fingerprint = peer_fingerprint(request.scope)
        if fingerprint is None:
            raise Unauthenticated("present a member's client certificate or a bearer token")
        member = self._lookup("c:" + fingerprint, lambda: self.members.by_certificate(fingerprint))
        if member is None:
            raise Unauthenticated(f"client certificate {fingerprint[:16]}… is not a member's")
        return member

    def sender(self, request: Request, ori: str) -> None:
        member: Member = request.state.member
        agency = self.directories.current().require(ori)
        if not member.owns(agency):
            log.warning(
                "refused: member %s sent for ORI %s, which it does not own", member.name, ori
            )
            raise OriNotOwned(member.name, ori)


@dataclass(frozen=True)
class HubService:
    """The hub behind the app, kept on ``app.state.hub``, with what it closes on the way out."""

    hub: Hub
    directories: DirectorySource
    members: MemberStore
    routing: RoutingLog
    transport: HttpsTransport

    @classmethod
    def open(cls, config: HubConfig) -> HubService:
        layout = Layout(config.data)
        if not layout.directory.is_file():
            raise NationMissing(f"no directory at {layout.directory}; build a nation first")
        directories = DirectorySource.open(layout.directory)
        where = config.database or layout.hub_db
        members = MemberStore.open("hub", where)
        routing = RoutingLog(where, replica=config.replica or f"{config.host}:{config.port}")
        transport = HttpsTransport(
            config.nodes,
            client_context(ca=config.node_ca or config.ca, cert=config.cert, key=config.key),
            max_connections=config.node_connections,
        )
        hub = Hub(
            directories,
            transport,
            single_timeout=config.single_timeout,
            nationwide_timeout=config.nationwide_timeout,
            routing_log=routing,
            resubmissions=Resubmissions(engine_for(where), window=config.resubmit_window),
            network=CODES,  # NL: every state; one without a node connected is UNAVAILABLE
        )
        return cls(hub, directories, members, routing, transport)

    async def aclose(self) -> None:
        await self.transport.aclose()
        self.routing.close()
        self.members.close()


def create_hub_app(config: HubConfig) -> FastAPI:
    service = HubService.open(config)
    app = FastAPI(
        title="statelink hub",
        version=statelink.__version__,
        description="Interstate driver and vehicle queries; each state decides on its own data. "
        "Authenticate with a member's client certificate or `Authorization: Bearer <token>`.",
        lifespan=_lifespan,
    )
    app.state.hub = service
    problems.install(app)
    app.add_middleware(BodyLimit, limit=config.max_body_bytes)
    app.add_middleware(Admission, limit=config.max_requests)
    limits = RateLimits(config.member_rate, config.member_burst)
    metrics = HubMetrics(node_connections=config.node_connections)
    service.hub.transport = metrics.measured(service.transport)  # times each delivery
    api = v1.Api(
        service.hub,
        service.directories,
        states=lambda: len(service.transport.states()),
        gate=MemberGate(service.members, service.directories, limits=limits),
        metrics=metrics,
    )
    v1.install(app, api)
    operations.install(app, operations.for_hub(service, config, metrics))
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    service: HubService = app.state.hub
    await service.aclose()
