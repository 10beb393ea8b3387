"""The agencies' API under ``/v1/``, the same for the embedded and the networked hub.

``/v1/messages`` (POST a message in JSON or text form; GET a message id to collect held
answers), ``/v1/directory`` and ``/v1/health``. The networked hub passes a :class:`Gate`:
every route but ``/v1/health`` needs a known caller (client certificate or bearer
token), and a message is sent only for an ORI the caller owns. The embedded hub, on
localhost, passes none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Protocol

from fastapi import Depends, FastAPI, Path, Query, Request, Response
from pydantic import BaseModel
from starlette.routing import Route

import statelink
from statelink.directory import Agency
from statelink.directory.source import DirectorySource
from statelink.errors import UsageError
from statelink.hub import Hub
from statelink.messages.model import Message
from statelink.messages.response import HubResponse
from statelink.messages.text import decode

TEXT_EXAMPLE = "DQ.NY0303000.WA.OLN/WDL12345678.PUR/C."


class Gate(Protocol):
    async def caller(self, request: Request) -> None:
        """Raise unless the request comes from a known member."""

    def sender(self, request: Request, ori: str) -> None:
        """Raise unless the request's member may act for the ORI."""


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


def _json(response: HubResponse) -> Response:
    """The response as JSON, serialised once (the model is already valid)."""
    return Response(response.model_dump_json(), media_type="application/json")


def install(
    app: FastAPI,
    hub: Hub,
    directories: DirectorySource,
    *,
    states: Callable[[], int],
    gate: Gate | None = None,
) -> None:
    """Add the ``/v1/`` routes to ``app``."""
    known = [Depends(gate.caller)] if gate is not None else []

    def check(request: Request, ori: str) -> None:
        if gate is not None:
            gate.sender(request, ori)

    @app.get("/v1/health", response_model=Health)
    async def health() -> Health:
        return Health(
            status="ok",
            version=statelink.__version__,
            states=states(),
            agencies=len(directories.current()),
        )

    @app.post(
        "/v1/messages",
        response_model=HubResponse,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": Message.model_json_schema()},
                    "text/plain": {"schema": {"type": "string"}, "example": TEXT_EXAMPLE},
                },
            }
        },
    )
    async def submit(request: Request) -> Response:
        """Send one message, in JSON or in the one-line text form (``text/plain``).

        Sent again with the same ORI and control field (networked hub), the same message
        gets the same message id and answer and is not run again.
        """
        if gate is not None:
            await gate.caller(request)
        body = await request.body()
        if not body.strip():
            raise UsageError("empty request: send a message in JSON or the text form")
        if request.headers.get("content-type", "").startswith("text/plain"):
            message = decode(body.decode("utf-8", errors="replace"))
        else:
            message = Message.parse(body)
        check(request, message.ori)
        return _json(await hub.submit(message))

    # The busiest route is served by a plain Starlette route in front of FastAPI's: the
    # same function, without FastAPI's per-request dependency and parameter machinery
    # (a third of the hub's time per message, measured with benchmarks/networked.py).
    # FastAPI's route stays behind it for the OpenAPI document.
    app.router.routes.insert(0, Route("/v1/messages", submit, methods=["POST"]))

    @app.get("/v1/messages/{message_id}", response_model=HubResponse, dependencies=known)
    async def collect(
        request: Request,
        message_id: Annotated[str, Path(max_length=40)],
        ori: Annotated[str, Query(min_length=9, max_length=9, description="The sender's ORI.")],
    ) -> Response:
        """Collect the answers to a message that states held for case-by-case review.

        Only the agency that sent the message can collect it; an approved answer is
        released once.
        """
        check(request, ori.strip().upper())
        return _json(await hub.collect(message_id, ori))

    @app.get("/v1/directory", response_model=list[AgencyOut], dependencies=known)
    async def directory(
        state: Annotated[str | None, Query(max_length=2)] = None,
        kind: Annotated[str | None, Query(max_length=2)] = None,
        component: Annotated[str | None, Query(max_length=32)] = None,
        group: Annotated[str | None, Query(max_length=63)] = None,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    ) -> list[AgencyOut]:
        found = directories.current().select(
            state=state, kind=kind, component=component, group=group
        )
        return [AgencyOut.of(a) for a in found[:limit]]

    @app.get("/v1/directory/{ori}", response_model=AgencyOut, dependencies=known)
    async def agency(ori: str) -> AgencyOut:
        return AgencyOut.of(directories.current().show(ori))
