"""A ceiling on request bodies, enforced while they arrive: 413 in the problem shape.

:class:`BodyLimit` is a pure ASGI middleware. A request whose ``Content-Length`` is over
the limit is refused before a byte of its body is read; a body without one (chunked) is
counted as it arrives and refused the moment it passes the limit. Either way the app
never holds more than the limit, the answer is ``413 Content Too Large`` with
``Connection: close`` (so the server stops reading the rest), and whatever the app had
begun to answer is replaced by it.

The limit is the same for every path unless a longer one is given for a prefix (the
dashboard's policy uploads are bigger than any message).
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from statelink.errors import ContentTooLarge, UsageError
from statelink.web.problems import problem

MESSAGE_BODY_LIMIT = 64 * 1024
"""The default ceiling of an API request: a message is a few hundred bytes."""
PAGE_BODY_LIMIT = 1024 * 1024
"""The default ceiling of a dashboard form (a policy set uploaded on the What-if page)."""


class BodyLimit:
    def __init__(self, app: ASGIApp, limit: int, prefixes: Mapping[str, int] | None = None):
        self.app = app
        self.limit = limit
        self.prefixes = dict(prefixes or {})

    def limit_for(self, path: str) -> int:
        for prefix, limit in self.prefixes.items():
            if path.startswith(prefix):
                return limit
        return self.limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        try:
            declared = _content_length(scope)
        except UsageError as e:
            await _refuse(scope, receive, send, problem(400, e.code, e.message))
            return
        if declared is not None and declared > limit:
            await _refuse(scope, receive, send, too_large(limit))
            return
        await _Guarded(self.app, limit).run(scope, receive, send)


class _Guarded:
    """One request under the limit: counts what the app reads, answers 413 past it."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.read = 0
        self.exceeded = False
        self.started = False

    async def run(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def counted() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                self.read += len(message.get("body", b""))
                if self.read > self.limit:
                    self.exceeded = True
                    raise ContentTooLarge(self.limit)
            return message

        async def guarded(message: Message) -> None:
            if self.exceeded:
                return  # the app's own answer to the refusal: ours is sent below
            self.started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except ContentTooLarge:
            if not self.exceeded:
                raise
        if self.exceeded and not self.started:
            await too_large(self.limit)(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    """The declared length of the body (None: not declared); a malformed one is refused."""
    values = [v for k, v in scope["headers"] if k == b"content-length"]
    if not values:
        return None
    text = values[0].strip()
    if len(set(values)) > 1 or not text.isdigit() or len(text) > 18:
        raise UsageError("the Content-Length header must be one decimal number")
    return int(text)


def too_large(limit: int) -> Response:
    """The 413 of a body over ``limit``, closing the connection."""
    error = ContentTooLarge(limit)
    response = problem(error.http_status, error.code, error.message, **error.details())
    response.headers["connection"] = "close"
    return response


async def _refuse(scope: Scope, receive: Receive, send: Send, response: Response) -> None:
    response.headers["connection"] = "close"
    await response(scope, receive, send)
