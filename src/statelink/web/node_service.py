"""One state's node as a service (``statelink serve node --state XX``).

It answers only the hub: the TLS layer requires a client certificate from the network's
CA, and every request must come with the hub's own certificate (pinned by SHA-256
fingerprint). Everything else (policy, records, review, notices, audit) is the same
:class:`~statelink.node.StateNode` the embedded mode runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypeVar

import orjson
from pydantic import BaseModel, Field
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import statelink
from statelink.audit import AuditService
from statelink.config import NodeConfig
from statelink.directory.source import DirectorySource
from statelink.embedded import open_node
from statelink.errors import Forbidden, StatelinkError, UsageError
from statelink.messages.envelope import Envelope
from statelink.nation import Layout, require_manifest
from statelink.node import StateNode
from statelink.pki import fingerprint_of
from statelink.web import problems
from statelink.web.peer import peer_fingerprint

log = logging.getLogger(__name__)

REVIEW_EVERY = 1.0
PURGE_EVERY = 3600.0


class CollectRequest(BaseModel):
    message_id: str = Field(max_length=40)
    ori: str = Field(min_length=9, max_length=9)


class NodeHealth(BaseModel):
    status: str
    version: str
    state: str
    policy: str  # digest of the policy set in force; "" if none (everything denied)


async def _housekeeping(node: StateNode) -> None:
    """Carry out reviewers' decisions every second; purge old notices every hour."""
    purged = 0.0
    while True:
        await asyncio.sleep(REVIEW_EVERY)
        try:
            await node.reviews.carry_out()
            if time.monotonic() - purged >= PURGE_EVERY:
                node.notices.purge(dt.datetime.now(dt.UTC).date())
                purged = time.monotonic()
        except StatelinkError as e:
            log.error("%s housekeeping: %s", node.state, e.message)


def create_node_app(config: NodeConfig) -> Starlette:
    """The node's ASGI app: Starlette only (the hub is its one client; no OpenAPI)."""
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

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        audit.start()
        chores = asyncio.create_task(_housekeeping(node))
        marker = layout.serving(config.state)
        marker.write_text(json.dumps({"pid": os.getpid()}), encoding="utf-8")
        yield
        marker.unlink(missing_ok=True)
        chores.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await chores
        await audit.aclose()
        node.close()

    def only_the_hub(request: Request) -> None:
        if peer_fingerprint(request.scope) != hub:
            log.warning("%s node: refused a client that is not the hub", config.state)
            raise Forbidden(f"the {config.state} node answers only its hub")

    async def health(request: Request) -> Response:
        only_the_hub(request)
        found = NodeHealth(
            status="ok",
            version=statelink.__version__,
            state=config.state,
            policy=node.policy.digest,
        )
        return _json(found)

    async def deliver(request: Request) -> Response:
        """One message from the hub; the state's answer (a StateAnswer)."""
        only_the_hub(request)
        envelope = _parse(Envelope, await request.body())
        return _json(await node.handle(envelope))

    async def collect(request: Request) -> Response:
        """A held message's answer for the agency that sent it (released once)."""
        only_the_hub(request)
        wanted = _parse(CollectRequest, await request.body())
        return _json(await node.reviews.collect(wanted.message_id, wanted.ori))

    app = Starlette(
        routes=[
            Route("/v1/health", health, methods=["GET"]),
            Route("/v1/node/messages", deliver, methods=["POST"]),
            Route("/v1/node/collect", collect, methods=["POST"]),
        ],
        lifespan=lifespan,
    )
    problems.install(app)
    return app


def _json(model: BaseModel) -> Response:
    return Response(model.model_dump_json(), media_type="application/json")


M = TypeVar("M", bound=BaseModel)


def _parse(model: type[M], body: bytes) -> M:
    try:
        return model.model_validate(orjson.loads(body))
    except (orjson.JSONDecodeError, ValueError) as e:
        raise UsageError(f"not a valid {model.__name__}: {e}") from None
