"""Bounded concurrency at the door: at most ``limit`` requests in progress, more get 503.

A pure ASGI middleware, so the refusal is the one problem shape (uvicorn's own
``limit_concurrency`` answers in plain text) and costs nothing per request but a counter.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from statelink.web.problems import problem


class Admission:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.in_progress = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.in_progress >= self.limit:
            refusal = problem(
                503, "overloaded", f"more than {self.limit} requests in progress; try again"
            )
            refusal.headers["retry-after"] = "1"
            await refusal(scope, receive, send)
            return
        self.in_progress += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_progress -= 1
