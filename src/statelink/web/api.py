"""The embedded network's HTTP app: the API under ``/v1/`` (a thin shell over the hub and
the directory), the dashboard under ``/dashboard`` and every state's audit log as
C2SP tlog-tiles under ``/logs/XX/``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

import statelink
from statelink.embedded import EmbeddedNetwork
from statelink.web import dashboard, log_tiles, problems, v1
from statelink.web.body_limit import MESSAGE_BODY_LIMIT, PAGE_BODY_LIMIT, BodyLimit
from statelink.web.housekeeping import housekeeping
from statelink.web.site import PREFIX, Site


def create_app(network: EmbeddedNetwork) -> FastAPI:
    app = FastAPI(
        title="statelink",
        version=statelink.__version__,
        description="Interstate driver and vehicle queries; each state decides on its own data.",
        lifespan=_lifespan,
    )
    problems.install(app)
    app.state.network = network
    dashboard.mount(app, network)
    app.add_middleware(BodyLimit, limit=MESSAGE_BODY_LIMIT, prefixes={PREFIX: PAGE_BODY_LIMIT})
    v1.install(
        app,
        v1.Api(network.hub, network.directories, states=lambda: len(network.nodes)),
    )
    states = frozenset(network.nodes)
    log_tiles.install(
        app,
        lambda s: network.layout.audit_store(s) if s in states else None,
        lambda s: network.database(s).witnesses,
        entries=log_tiles.EntryAccess.PUBLIC,  # a local demo on loopback, no TLS
    )
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    site: Site = app.state.site
    network: EmbeddedNetwork = app.state.network
    network.audit.start()  # ready before the first query, not during it
    async with housekeeping(network, "embedded network"):
        yield
    site.close()
    log_tiles.close(app)
    await network.aclose()
