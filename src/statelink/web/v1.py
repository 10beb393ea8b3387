"""The agencies' API under ``/v1/``, the same for the embedded and the networked hub.

``/v1/messages`` (POST a message in JSON, the text form or the Nlets NIEM XML; GET a
message id to collect held answers; each answers in JSON, or in XML when the request
was XML or ``Accept`` asks for it: :mod:`statelink.web.negotiation`),
``/v1/directory`` and ``/v1/health``. The networked hub passes a :class:`Gate`:
every route but ``/v1/health`` needs a known caller (client certificate or bearer
token), and a message is sent only for an ORI the caller owns. The embedded hub, on
localhost, passes none.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Protocol

from fastapi import Depends, FastAPI, Path, Query, Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.routing import BaseRoute, Route

import statelink
from statelink.directory import Agency
from statelink.directory.source import DirectorySource
from statelink.errors import UnsupportedMediaType, UsageError
from statelink.hub import Hub
from statelink.messages.model import Message
from statelink.messages.response import HubResponse
from statelink.messages.text import decode_bytes
from statelink.metrics import HubMetrics
from statelink.web.api_document import MEMBER, answered_in_xml, message_body, problems
from statelink.web.negotiation import Form, answer_form, body_form


class Gate(Protocol):
    async def caller(self, request: Request) -> None:
        """Raise unless the request comes from a known member."""

    def sender(self, request: Request, ori: str) -> None:
        """Raise unless the request's member may act for the ORI."""


@dataclass(frozen=True)
class Api:
    """What the ``/v1/`` routes answer from, kept on ``app.state.api``."""

    hub: Hub
    directories: DirectorySource
    states: Callable[[], int]  # how many states are connected
    gate: Gate | None = None  # None: every caller is let in (the embedded hub)
    metrics: HubMetrics | None = None  # the networked hub's: what /metrics counts

    def check(self, request: Request, ori: str) -> None:
        """Raise unless the caller may act for the ORI."""
        if self.gate is not None:
            self.gate.sender(request, ori)

    async def send(self, message: Message, member: str) -> HubResponse:
        """Route ``message`` through the hub; the reply is counted in the metrics."""
        metrics = self.metrics
        if metrics is None:
            return await self.hub.submit(message, member=member)
        started = time.perf_counter()
        with metrics.routing():
            response = await self.hub.submit(message, member=member)
        metrics.answered(message, response, time.perf_counter() - started)
        return response

    async def collected(self, message_id: str, ori: str) -> HubResponse:
        """The hub's collection of a held message; the reply is counted in the metrics."""
        response = await self.hub.collect(message_id, ori)
        if self.metrics is not None:
            self.metrics.collected(response)
        return response


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


def _answer(request: Request, response: HubResponse) -> Response:
    """The response as JSON, serialised once (the model is already valid), or as XML."""
    if answer_form(request) is Form.XML:
        from statelink.messages.niem import MEDIA_TYPE, encode_response_xml

        return Response(encode_response_xml(response), media_type=MEDIA_TYPE)
    return Response(response.model_dump_json(), media_type="application/json")


def install(app: FastAPI, api: Api) -> None:
    """Add the ``/v1/`` routes to ``app``, answering from ``api``."""
    app.state.api = api
    app.router.routes.extend(routes)
    # The busiest route is served by a plain Starlette route in front of FastAPI's: the
    # same function, without FastAPI's per-request dependency and parameter machinery
    # (a third of the hub's time per message, measured with benchmarks/networked.py).
    # FastAPI's route stays behind it for the OpenAPI document.
    app.router.routes.insert(0, Route("/v1/messages", submit, methods=["POST"]))


async def served(request: Request) -> Api:
    """The app's :class:`Api` (a dependency of the routes)."""
    api: Api = request.app.state.api
    return api


async def known(request: Request) -> None:
    """Refuse a caller the gate does not know (every route but ``/v1/health``)."""
    gate = (await served(request)).gate
    if gate is not None:
        await gate.caller(request)


Served = Annotated[Api, Depends(served)]


async def health(api: Served) -> Health:
    return Health(
        status="ok",
        version=statelink.__version__,
        states=api.states(),
        agencies=len(api.directories.current()),
    )


async def submit(request: Request) -> Response:
    """Send one message, in JSON, in the one-line text form (``text/plain``) or in the
    Nlets NIEM XML (``application/xml``).

    Sent again by the same member with the same ORI and control field (networked hub,
    any replica), the same message gets the same message id, and each state answers it
    as before without deciding or logging it again.
    """
    api = await served(request)
    if api.gate is not None:
        await api.gate.caller(request)
    form = _media_type(request)
    body = await request.body()
    if not body.strip():
        raise UsageError("empty request: send a message in JSON, the text form or XML")
    start = body.lstrip()[:1]
    if form == XML or (form is None and start == b"<"):
        from statelink.messages.niem import decode_xml

        message = decode_xml(body)
    elif form == TEXT or (form is None and start != b"{"):
        message = decode_bytes(body)
    else:
        message = Message.parse(body)
    api.check(request, message.ori)
    member = getattr(request.state, "member", None)
    return _answer(request, await api.send(message, member.name if member else ""))


JSON = "application/json"
TEXT = "text/plain"
XML = "application/xml"


def _media_type(request: Request) -> str | None:
    """The body's form by its Content-Type, matched without regard to case (None: not
    given, so the body says: JSON if it starts with ``{``); any other type is refused."""
    given = request.headers.get("content-type")
    if given is None:
        return None
    if given.partition(";")[0].strip().lower() == TEXT:
        return TEXT
    form = body_form(given)
    if form is not None:
        return XML if form is Form.XML else JSON
    raise UnsupportedMediaType(
        f"a message is sent as {JSON}, {TEXT} (the one-line text form) or {XML} "
        f"(the Nlets NIEM XML); given {given[:60]!r}"
    )


async def collect(
    request: Request,
    api: Served,
    message_id: Annotated[str, Path(max_length=40)],
    ori: Annotated[str, Query(min_length=9, max_length=9, description="The sender's ORI.")],
) -> Response:
    """Collect the answers to a message that states held for case-by-case review.

    Only the agency that sent the message can collect it; an approved answer is
    released once.
    """
    api.check(request, ori.strip().upper())
    return _answer(request, await api.collected(message_id, ori))


async def directory(
    api: Served,
    state: Annotated[str | None, Query(max_length=2)] = None,
    kind: Annotated[str | None, Query(max_length=2)] = None,
    component: Annotated[str | None, Query(max_length=32)] = None,
    group: Annotated[str | None, Query(max_length=63)] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> list[AgencyOut]:
    found = api.directories.current().select(
        state=state, kind=kind, component=component, group=group
    )
    return [AgencyOut.of(a) for a in found[:limit]]


async def agency(api: Served, ori: str) -> AgencyOut:
    return AgencyOut.of(api.directories.current().show(ori))


KNOWN = [Depends(known)]

routes: list[BaseRoute] = [
    APIRoute("/v1/health", health, methods=["GET"], response_model=Health, responses=problems(503)),
    APIRoute(
        "/v1/messages",
        submit,
        methods=["POST"],
        response_model=HubResponse,
        openapi_extra=message_body(),
        responses=answered_in_xml(problems(*MEMBER, 403, 409, 413, 415, 422)),
    ),
    APIRoute(
        "/v1/messages/{message_id}",
        collect,
        methods=["GET"],
        response_model=HubResponse,
        dependencies=KNOWN,
        responses=answered_in_xml(problems(*MEMBER, 403, 404, 422)),
    ),
    APIRoute(
        "/v1/directory",
        directory,
        methods=["GET"],
        response_model=list[AgencyOut],
        dependencies=KNOWN,
        responses=problems(*MEMBER, 422),
    ),
    APIRoute(
        "/v1/directory/{ori}",
        agency,
        methods=["GET"],
        response_model=AgencyOut,
        dependencies=KNOWN,
        responses=problems(*MEMBER, 404),
    ),
]
