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

from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from statelink.web.body_limit import BodyLimit, too_large
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


Limit = Callable[[str], int | None]
"""The body limit at a path (None: the app sets none)."""


def limit_of(app: ASGIApp) -> Limit:
    """The :class:`~statelink.web.body_limit.BodyLimit` an app was built with, as a
    function of the path (None everywhere if it has none)."""
    for middleware in getattr(app, "user_middleware", []):
        if getattr(middleware, "cls", None) is BodyLimit:
            bounded = BodyLimit(app, *middleware.args, **middleware.kwargs)
            return bounded.limit_for
    return lambda _path: None


class ProblemProtocol(HttpToolsProtocol):
    """The httptools protocol, answering what its parser refuses in the problem shape,
    and a body whose declared length is over the app's limit at once: 413 as soon as
    the headers are read, without starting the app (a flood of them costs the server
    little more than reading their headers)."""

    allowed: Allowed = staticmethod(lambda _path: [])
    limit: Limit = staticmethod(lambda _path: None)
    _received = b""
    _refused = False

    @classmethod
    def serving(cls, app: ASGIApp) -> type[ProblemProtocol]:
        """This protocol for ``app`` (a Starlette app): 405 answers name its methods,
        and its body limit applies before the app starts."""
        routes = getattr(getattr(app, "router", None), "routes", [])
        bound = {"allowed": staticmethod(allowed_by(routes)), "limit": staticmethod(limit_of(app))}
        return type(cls.__name__, (cls,), bound)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # answered and closing: the rest is not read
        self._received = data  # the chunk the parser may refuse
        super().data_received(data)

    def on_headers_complete(self) -> None:
        limit = type(self).limit(self.url.partition(b"?")[0].decode("latin-1"))
        declared = [v for k, v in self.headers if k == b"content-length"]
        if limit is not None and declared and declared[0].isdigit() and int(declared[0]) > limit:
            self._refused = True
            self._send_refusal(_answer(too_large(limit)))
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if not self._refused:
            super().on_message_complete()

    def send_400_response(self, msg: str) -> None:
        self._send_refusal(refusal(self._received, type(self).allowed))

    def _send_refusal(self, answer: Answer) -> None:
        status, headers, body = answer
        transport: asyncio.Transport = self.transport
        lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n".encode("ascii")]
        lines += [name + b": " + value + b"\r\n" for name, value in headers]
        transport.write(b"".join([*lines, b"\r\n", body]))
        transport.close()


Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


def _answer(response: Response) -> Answer:
    return response.status_code, list(response.raw_headers), bytes(response.body)


def refusal(received: bytes, allowed: Allowed) -> Answer:
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
    return _answer(response)
