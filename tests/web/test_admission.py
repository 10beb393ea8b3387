"""Bounded concurrency: requests over the limit get a 503 in the one problem shape."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from statelink.web.admission import Admission

pytestmark = pytest.mark.anyio


async def test_requests_over_the_limit_are_refused_and_the_rest_answered() -> None:
    release = asyncio.Event()

    async def slow(_request: Request) -> PlainTextResponse:
        await release.wait()
        return PlainTextResponse("done")

    app = Admission(Starlette(routes=[Route("/", slow)]), limit=2)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hub"
    ) as client:
        first = [asyncio.create_task(client.get("/")) for _ in range(2)]
        while app.in_progress < 2:
            await asyncio.sleep(0.01)
        refused = await client.get("/")
        release.set()
        answered = await asyncio.gather(*first)
        after = await client.get("/")
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "1"
    assert refused.json()["code"] == "overloaded"
    assert [r.text for r in answered] == ["done", "done"]
    assert after.status_code == 200
    assert app.in_progress == 0
