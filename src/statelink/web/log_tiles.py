"""Each state's audit log, served read-only to anyone as C2SP ``tlog-tiles``.

- ``GET /logs/XX/checkpoint``: the latest signed checkpoint with the cosignatures of the
  state's witnesses (``text/plain``, not cached);
- ``GET /logs/XX/tile/<L>/<N>[.p/<W>]``: hash tiles;
- ``GET /logs/XX/tile/entries/<N>[.p/<W>]``: entry bundles (gzip if the client takes it).

Tiles and bundles never change once served (``immutable``). An unknown state, a state
with no log here, a path that is not the spec's, or a tile beyond the checkpoint is a
404 in the one problem shape. No login: the log holds no personal data in clear.
The embedded app serves every state's log; a node service serves its own.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from statelink.audit.log import AuditLog
from statelink.audit.tiles import TiledLog, parse_tile_path
from statelink.errors import NotFound
from statelink.store import Where
from statelink.witness.registry import WitnessRegistry, cosigned_checkpoint

IMMUTABLE = "public, max-age=31536000, immutable"
CHECKPOINT_CACHE = "no-cache"
"""The checkpoint changes: a client asks again every time (the spec: a few seconds)."""

Locate = Callable[[str], Where | None]
"""Where a state's audit log is, or None if this server has none for it."""
Witnesses = Callable[[str], WitnessRegistry]
"""A state's witnesses and the cosignatures they gave (in its node database)."""


class PublicLogs:
    """The logs an app serves, each opened on first request and kept until ``close``."""

    def __init__(self, locate: Locate, witnesses: Witnesses | None) -> None:
        self._locate = locate
        self._witnesses = witnesses
        self._open: dict[str, TiledLog] = {}
        self._lock = threading.Lock()

    def log(self, state: str) -> TiledLog:
        where = self._locate(state) if len(state) == 2 and state.isupper() else None
        if where is None or (isinstance(where, Path) and not where.exists()):
            raise NotFound(f"no audit log of {state[:8]!r} is served here")
        with self._lock:
            found = self._open.get(state)
            if found is None:
                found = self._open[state] = TiledLog(AuditLog.open(state, where))
            return found

    def checkpoint(self, state: str) -> str:
        """The latest signed checkpoint with the cosignatures its witnesses gave (only the
        log's own signature where this server keeps no witnesses)."""
        tiled = self.log(state)
        latest = tiled.checkpoint()
        if self._witnesses is None:
            return latest.note
        return cosigned_checkpoint(tiled.log, self._witnesses(state), latest)

    def close(self) -> None:
        with self._lock:
            for opened in self._open.values():
                opened.log.close()
            self._open.clear()


def install(app: Starlette, locate: Locate, witnesses: Witnesses | None = None) -> None:
    """Serve the logs ``locate`` finds from ``app``, their checkpoints cosigned by the
    ``witnesses`` of each state; :func:`close` closes them."""
    app.state.public_logs = PublicLogs(locate, witnesses)
    app.router.routes.extend(routes)


def close(app: Starlette) -> None:
    logs: PublicLogs = app.state.public_logs
    logs.close()


def _logs(request: Request) -> PublicLogs:
    logs: PublicLogs = request.app.state.public_logs
    return logs


def checkpoint(request: Request) -> Response:
    """The log's latest signed checkpoint with its cosignatures, as the note text (run in
    a worker thread)."""
    text = _logs(request).checkpoint(request.path_params["state"])
    return Response(
        text,
        media_type="text/plain; charset=utf-8",
        headers={"Cache-Control": CHECKPOINT_CACHE, "X-Content-Type-Options": "nosniff"},
    )


def tile(request: Request) -> Response:
    """A hash tile or an entry bundle (run in a worker thread: a range query each)."""
    wanted = parse_tile_path(request.path_params["path"])
    data = _logs(request).log(request.path_params["state"]).read(wanted)
    headers = {"Cache-Control": IMMUTABLE, "X-Content-Type-Options": "nosniff"}
    if wanted.entries:
        headers["Vary"] = "Accept-Encoding"
        if "gzip" in request.headers.get("accept-encoding", ""):
            data = gzip.compress(data, compresslevel=6, mtime=0)
            headers["Content-Encoding"] = "gzip"
    return Response(data, media_type="application/octet-stream", headers=headers)


routes: list[BaseRoute] = [
    Route("/logs/{state}/checkpoint", checkpoint, methods=["GET"]),
    Route("/logs/{state}/tile/{path:path}", tile, methods=["GET"]),
]
