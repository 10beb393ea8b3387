"""What every dashboard page shares: the stores and caches behind the pages (one
:class:`Site`, kept on ``app.state.site``), templates, headers, CSRF.

A site shows a :class:`Network`: the embedded network (every state of the data folder),
or one node service's view of itself (:class:`~statelink.embedded.OneState`), whose
dashboard serves that state only and refuses another state's pages in words.

The signed session cookie holds the server-side session's id, the CSRF token and a
one-time message; who is signed in is the :class:`~statelink.sessions.SessionStore`'s
answer for that id (see :mod:`statelink.web.signin`)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from statelink.accounts import Account, Accounts
from statelink.audit import AuditService
from statelink.directory import Directory
from statelink.embedded import OneState
from statelink.errors import UsageError
from statelink.messages.fields import PURPOSES
from statelink.nation import Layout
from statelink.node import StateNode
from statelink.node_database import NodeDatabase
from statelink.sessions import SessionStore
from statelink.states import STATES
from statelink.web.desks import Desks
from statelink.web.report_cache import ReportCache
from statelink.web.studies import Studies
from statelink.web.throttle import LoginThrottle

HERE = Path(str(resources.files("statelink.web")))
PREFIX = "/dashboard"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class Network(Protocol):
    """What the dashboard reads of a network: the embedded one, or a node's :class:`OneState`."""

    @property
    def layout(self) -> Layout: ...

    @property
    def nodes(self) -> Mapping[str, StateNode]: ...

    @property
    def directory(self) -> Directory: ...

    @property
    def audit(self) -> AuditService: ...

    def database(self, state: str) -> NodeDatabase: ...


@dataclass(frozen=True)
class Site:
    """The dashboard's state: the network it shows, its accounts, their sessions and the
    login throttle, each state's stores (desks), the report and what-if caches, the
    templates; ``node``: the state whose own node serves this dashboard (None: the
    embedded network's, every state)."""

    network: Network
    accounts: Accounts
    sessions: SessionStore
    desks: Desks
    throttle: LoginThrottle
    reports: ReportCache
    studies: Studies
    templates: Jinja2Templates
    node: str | None = None

    @classmethod
    def open(cls, network: Network) -> Site:
        layout = network.layout
        node = network.state if isinstance(network, OneState) else None
        templates = Jinja2Templates(directory=HERE / "templates")
        templates.env.globals.update(purposes=PURPOSES, states=STATES, node_state=node)
        sessions = SessionStore.open(layout.sessions)
        return cls(
            network=network,
            accounts=Accounts(layout.accounts, sessions),
            sessions=sessions,
            desks=Desks(layout, list(network.nodes), network.database),
            throttle=LoginThrottle(),
            reports=ReportCache(layout),
            studies=Studies(layout),
            templates=templates,
            node=node,
        )

    @property
    def layout(self) -> Layout:
        return self.network.layout

    def page(self, request: Request, name: str, status_code: int = 200, **values: Any) -> Response:
        response = self.templates.TemplateResponse(
            request,
            name,
            {"account": values.pop("account", None), "csrf": csrf_token(request), **values},
            status_code=status_code,
        )
        response.headers.update(SECURITY_HEADERS)
        return response

    def not_served(self, state: str) -> str:
        """Why a state's pages are not here: another state's, on a node's dashboard, or
        a code that is no state of the data folder."""
        code = state.upper()
        if self.node is not None and code in STATES:
            return (
                f"this node serves {self.node} only: {STATES[code].name}'s dashboard is at "
                f"{code}'s own node"
            )
        return f"unknown state {state!r}"

    def refused(
        self, request: Request, account: Account | None, message: str, status: int
    ) -> Response:
        return self.page(request, "error.html", status, account=account, message=message)

    def close(self) -> None:
        self.desks.close()
        self.sessions.close()


async def site_of(request: Request) -> Site:
    """The app's :class:`Site` (a dependency of every dashboard page)."""
    site: Site = request.app.state.site
    return site


Shared = Annotated[Site, Depends(site_of)]


def route(path: str, endpoint: Callable[..., Any], method: str = "GET") -> APIRoute:
    """A dashboard page at ``/dashboard`` + ``path``, left out of the OpenAPI document."""
    return APIRoute(PREFIX + path, endpoint, methods=[method], include_in_schema=False)


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


def csrf_ok(request: Request, given: str) -> bool:
    token = request.session.get("csrf")
    return isinstance(token, str) and secrets.compare_digest(token, given)


def form_day(value: str, name: str) -> dt.datetime | None:
    """A date field of a form (YYYY-MM-DD), or None when empty."""
    if not value:
        return None
    try:
        return dt.datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise UsageError(f"{name}: expected a date as YYYY-MM-DD, given {value[:40]!r}") from None


def local(target: str) -> str:
    """Only redirect within the dashboard (never to another site)."""
    return target if target.startswith("/dashboard/") and "//" not in target else "/dashboard/"
