"""The HTTP API under ``/v1/``: a thin shell over the hub and the directory."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

import statelink
from statelink.embedded import EmbeddedNetwork
from statelink.web import dashboard, problems, v1

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

    v1.install(app, network.hub, network.directories, states=lambda: len(network.nodes))
    return app
