"""uvicorn's HTTP protocol, with its own refusals in the problem shape.

uvicorn answers a request its parser cannot read with a plain-text ``400 Invalid HTTP
request received.`` before the app sees it. That includes every request whose method
the parser (llhttp) does not know, such as ``FOO /v1/messages``. :class:`ProblemProtocol`
answers those as the app answers every other error:

- an unknown method on a path the app serves: ``405 Method Not Allowed`` with ``Allow``
  (the path's methods), as Starlette answers a known method the path does not take;
- an unknown method on a path the app does not serve: ``404``;
- anything else unreadable: ``400`` ``malformed-request``.

Each is an ``application/problem+json`` document and closes the connection.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable
from http import HTTPStatus

from starlette.routing import BaseRoute
from starlette.types import ASGIApp
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from statelink.web.problems import problem

KNOWN_METHODS = frozenset(
    [
        "DELETE",
        "GET",
        "HEAD",
        "POST",
        "PUT",
        "CONNECT",
        "OPTIONS",
        "TRACE",
        "COPY",
        "LOCK",
        "MKCOL",
        "MOVE",
        "PROPFIND",
        "PROPPATCH",
        "SEARCH",
        "UNLOCK",
        "BIND",
        "REBIND",
        "UNBIND",
        "ACL",
        "REPORT",
        "MKACTIVITY",
        "CHECKOUT",
        "MERGE",
        "M-SEARCH",
        "NOTIFY",
        "SUBSCRIBE",
        "UNSUBSCRIBE",
        "PATCH",
        "PURGE",
        "MKCALENDAR",
        "LINK",
        "UNLINK",
        "SOURCE",
        "QUERY",
        "PRI",
    ]
)
"""The methods llhttp parses: a request line with any other is refused for its method."""

_REQUEST_LINE = re.compile(
    rb"([!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}) (/[^ \r\n]{0,2048}) HTTP/1\.[01]\r?\n"
)

Allowed = Callable[[str], list[str]]
"""The methods the app serves at a path ([]: the path is not one of the app's)."""


def allowed_by(routes: Iterable[BaseRoute]) -> Allowed:
    """:data:`Allowed` for an app's route list (routes with a path pattern and methods)."""
    table = [
        (regex, sorted(methods))
        for route in routes
        if (regex := getattr(route, "path_regex", None)) is not None
        and (methods := getattr(route, "methods", None))
    ]

    def allowed(path: str) -> list[str]:
        found = {m for regex, methods in table if regex.match(path) for m in methods}
        return sorted(found)

    return allowed


class ProblemProtocol(HttpToolsProtocol):
    """The httptools protocol, answering what its parser refuses in the problem shape."""

    allowed: Allowed = staticmethod(lambda _path: [])
    _received = b""

    @classmethod
    def serving(cls, app: ASGIApp) -> type[ProblemProtocol]:
        """This protocol for ``app`` (a Starlette app): 405 answers name its methods."""
        routes = getattr(getattr(app, "router", None), "routes", [])
        return type(cls.__name__, (cls,), {"allowed": staticmethod(allowed_by(routes))})

    def data_received(self, data: bytes) -> None:
        self._received = data  # the chunk the parser may refuse
        super().data_received(data)

    def send_400_response(self, msg: str) -> None:
        self._send_refusal(refusal(self._received, type(self).allowed))

    def _send_refusal(self, answer: tuple[int, list[tuple[bytes, bytes]], bytes]) -> None:
        status, headers, body = answer
        transport: asyncio.Transport = self.transport
        lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n".encode("ascii")]
        lines += [name + b": " + value + b"\r\n" for name, value in headers]
        transport.write(b"".join([*lines, b"\r\n", body]))
        transport.close()


def refusal(received: bytes, allowed: Allowed) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """The answer to a request the parser refused: status, headers and body."""
    line = _REQUEST_LINE.match(received)
    method = line.group(1).decode("ascii") if line else ""
    if line and method.upper() not in KNOWN_METHODS:
        path = line.group(2).decode("latin-1").partition("?")[0]
        methods = allowed(path)
        if methods:
            response = problem(
                405,
                "method-not-allowed",
                f"{method} is not a method of {path}: use {', '.join(methods)}",
            )
            response.headers["allow"] = ", ".join(methods)
        else:
            response = problem(404, "not-found", f"no such path: {path}")
    else:
        response = problem(400, "malformed-request", "the request is not well-formed HTTP/1.1")
    response.headers["connection"] = "close"
    return response.status_code, list(response.raw_headers), bytes(response.body)
