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
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypeVar

import orjson
from fastapi import Depends, FastAPI, Request, Response
from pydantic import BaseModel, Field

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


def create_node_app(config: NodeConfig) -> FastAPI:
    layout = Layout(config.data)
    require_manifest(layout)
    hub = fingerprint_of(config.hub_cert)
    directories = DirectorySource.open(layout.directory)
    audit = AuditService(lambda s: (config.database or layout.audit(s), layout.keys(s)))
    node = open_node(
        layout,
        config.state,
        directories,
        audit,
        database=config.database,
        records=config.records,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        audit.start()
        chores = asyncio.create_task(_housekeeping(node))
        yield
        chores.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await chores
        await audit.aclose()
        node.close()

    def only_the_hub(request: Request) -> None:
        if peer_fingerprint(request.scope) != hub:
            log.warning("%s node: refused a client that is not the hub", config.state)
            raise Forbidden(f"the {config.state} node answers only its hub")

    app = FastAPI(
        title=f"statelink node {config.state}",
        version=statelink.__version__,
        description="A state's node: decides on, logs and answers the hub's messages.",
        lifespan=lifespan,
        dependencies=[Depends(only_the_hub)],
    )
    problems.install(app)

    @app.get("/v1/health", response_model=NodeHealth)
    async def health() -> NodeHealth:
        return NodeHealth(
            status="ok",
            version=statelink.__version__,
            state=config.state,
            policy=node.policy.digest,
        )

    @app.post("/v1/node/messages")
    async def deliver(request: Request) -> Response:
        """One message from the hub; the state's answer (a StateAnswer)."""
        envelope = _parse(Envelope, await request.body())
        answer = await node.handle(envelope)
        return Response(answer.model_dump_json(), media_type="application/json")

    @app.post("/v1/node/collect")
    async def collect(request: Request) -> Response:
        """A held message's answer for the agency that sent it (released once)."""
        wanted = _parse(CollectRequest, await request.body())
        answer = await node.reviews.collect(wanted.message_id, wanted.ori)
        return Response(answer.model_dump_json(), media_type="application/json")

    return app


M = TypeVar("M", bound=BaseModel)


def _parse(model: type[M], body: bytes) -> M:
    try:
        return model.model_validate(orjson.loads(body))
    except (orjson.JSONDecodeError, ValueError) as e:
        raise UsageError(f"not a valid {model.__name__}: {e}") from None
