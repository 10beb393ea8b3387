"""The HTTP API under ``/v1/``: a thin shell over the hub and the directory."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import FastAPI, Path, Query, Request
from pydantic import BaseModel

import statelink
from statelink.directory import Agency
from statelink.embedded import EmbeddedNetwork
from statelink.errors import UsageError
from statelink.messages.model import Message
from statelink.messages.response import HubResponse
from statelink.messages.text import decode
from statelink.web import dashboard, problems

_TEXT_EXAMPLE = "DQ.NY0303000.WA.OLN/WDL12345678.PUR/C."


class Health(BaseModel):
    status: str
    version: str
    states: int
    agencies: int


class AgencyOut(BaseModel):
    ori: str
    name: str
    state: str
    kind: str
    department: str
    component: str
    groups: list[str]

    @classmethod
    def of(cls, agency: Agency) -> AgencyOut:
        return cls.model_validate(agency.as_dict())


REVIEW_EVERY = 1.0
PURGE_EVERY = 3600.0


async def _housekeeping(network: EmbeddedNetwork) -> None:
    """Carry out reviewers' decisions every second; purge old notices every hour."""
    purged = 0.0
    while True:
        await asyncio.sleep(REVIEW_EVERY)
        await network.carry_out_reviews()
        if time.monotonic() - purged >= PURGE_EVERY:
            network.purge_notices()
            purged = time.monotonic()


def create_app(network: EmbeddedNetwork) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        network.audit.start()  # ready before the first query, not during it
        chores = asyncio.create_task(_housekeeping(network))
        yield
        chores.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await chores
        desks.close()
        await network.aclose()

    app = FastAPI(
        title="statelink",
        version=statelink.__version__,
        description="Interstate driver and vehicle queries; each state decides on its own data.",
        lifespan=lifespan,
    )
    problems.install(app)
    desks = dashboard.install(app, network)

    @app.get("/v1/health", response_model=Health)
    async def health() -> Health:
        return Health(
            status="ok",
            version=statelink.__version__,
            states=len(network.nodes),
            agencies=len(network.directory),
        )

    @app.post(
        "/v1/messages",
        response_model=HubResponse,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": Message.model_json_schema()},
                    "text/plain": {"schema": {"type": "string"}, "example": _TEXT_EXAMPLE},
                },
            }
        },
    )
    async def submit(request: Request) -> HubResponse:
        """Send one message, in JSON or in the one-line text form (``text/plain``)."""
        body = await request.body()
        if not body.strip():
            raise UsageError("empty request: send a message in JSON or the text form")
        if request.headers.get("content-type", "").startswith("text/plain"):
            message = decode(body.decode("utf-8", errors="replace"))
        else:
            message = Message.parse(body)
        return await network.hub.submit(message)

    @app.get("/v1/messages/{message_id}", response_model=HubResponse)
    async def collect(
        message_id: Annotated[str, Path(max_length=40)],
        ori: Annotated[str, Query(min_length=9, max_length=9, description="The sender's ORI.")],
    ) -> HubResponse:
        """Collect the answers to a message that states held for case-by-case review.

        Only the agency that sent the message can collect it; an approved answer is
        released once.
        """
        return await network.hub.collect(message_id, ori)

    @app.get("/v1/directory", response_model=list[AgencyOut])
    async def directory(
        state: Annotated[str | None, Query(max_length=2)] = None,
        kind: Annotated[str | None, Query(max_length=2)] = None,
        component: Annotated[str | None, Query(max_length=32)] = None,
        group: Annotated[str | None, Query(max_length=63)] = None,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    ) -> list[AgencyOut]:
        found = network.directory.select(state=state, kind=kind, component=component, group=group)
        return [AgencyOut.of(a) for a in found[:limit]]

    @app.get("/v1/directory/{ori}", response_model=AgencyOut)
    async def agency(ori: str) -> AgencyOut:
        return AgencyOut.of(network.directory.show(ori))

    return app
