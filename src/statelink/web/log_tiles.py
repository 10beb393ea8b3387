"""Each state's audit log, served read-only as C2SP ``tlog-tiles``.

- ``GET /logs/XX/checkpoint``: the latest signed checkpoint with the cosignatures of the
  state's witnesses (``text/plain``, not cached);
- ``GET /logs/XX/tile/<L>/<N>[.p/<W>]``: hash tiles;
- ``GET /logs/XX/tile/entries/<N>[.p/<W>]``: entry bundles (gzip if the client takes it).

Tiles and bundles never change once served (``immutable``). An unknown state, a state
with no log here, a path that is not the spec's, or a tile beyond the checkpoint is a
404 in the one problem shape. The checkpoint and the hash tiles are public: anyone can
check the log's consistency and a receipt's inclusion. The entry bundles hold no
personal data in clear, but they do hold investigative metadata (case numbers, warrants,
offenses, reasons): who may read them is the app's choice (:class:`EntryAccess`). The
embedded app serves every state's log; a node service serves its own.
"""

from __future__ import annotations

import gzip
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from enum import Enum
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Scope

from statelink.audit.log import AuditLog
from statelink.audit.tiles import TiledLog, TileId, parse_tile_path
from statelink.errors import Forbidden, NotFound
from statelink.store import Where
from statelink.web.peer import peer_fingerprint
from statelink.witness.registry import WitnessRegistry, cosigned_checkpoint

IMMUTABLE = "public, max-age=31536000, immutable"
IMMUTABLE_PRIVATE = "private, max-age=31536000, immutable"
"""Bundles served to certified clients only: no shared cache may keep them."""
CHECKPOINT_CACHE = "no-cache"
"""The checkpoint changes: a client asks again every time (the spec: a few seconds)."""
GZIP_CACHE_BYTES = 16 * 1024 * 1024
"""The gzipped full bundles kept in memory, in all."""
ENTRIES_REFUSED = (
    "the checkpoint and the hash tiles are public; entry bundles hold investigative "
    "metadata and are served only to a client certificate from the network's CA "
    "(`statelink pki member NAME` issues one)"
)

Locate = Callable[[str], Where | None]
"""Where a state's audit log is, or None if this server has none for it."""
Witnesses = Callable[[str], WitnessRegistry]
"""A state's witnesses and the cosignatures they gave (in its node database)."""

_QVALUE = re.compile(r"0(\.[0-9]{0,3})?|1(\.0{0,3})?")


class EntryAccess(Enum):
    """Who may read the entry bundles."""

    PUBLIC = "public"
    """Anyone: the embedded app (a local demo on loopback, no TLS)."""
    CERTIFIED = "certified"
    """A client presenting a certificate the TLS layer verified against the network's CA
    (a node: its TLS takes a certificate when one is sent and checks it chains)."""


class GzipCache:
    """The gzipped bytes of full (immutable) entry bundles, least recently used out first,
    at most ``max_bytes`` in all; shared by the server's worker threads."""

    def __init__(self, max_bytes: int = GZIP_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._kept: OrderedDict[tuple[str, int], bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._kept)

    def get(self, state: str, index: int) -> bytes | None:
        with self._lock:
            found = self._kept.get((state, index))
            if found is not None:
                self._kept.move_to_end((state, index))
            return found

    def put(self, state: str, index: int, packed: bytes) -> None:
        if len(packed) > self.max_bytes:
            return
        with self._lock:
            if (state, index) in self._kept:
                return
            self._kept[(state, index)] = packed
            self._size += len(packed)
            while self._size > self.max_bytes:
                _, dropped = self._kept.popitem(last=False)
                self._size -= len(dropped)


class PublicLogs:
    """The logs an app serves, each opened on first request and kept until ``close``."""

    def __init__(self, locate: Locate, witnesses: Witnesses | None, entries: EntryAccess) -> None:
        self._locate = locate
        self._witnesses = witnesses
        self.entries = entries
        self.packed = GzipCache()
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

    def admit(self, scope: Scope) -> None:
        """Forbidden unless this client may read entry bundles."""
        if self.entries is EntryAccess.CERTIFIED and not peer_fingerprint(scope):
            raise Forbidden(ENTRIES_REFUSED)

    def gzipped(self, state: str, bundle: TileId) -> bytes:
        """The bundle gzipped: a full one compressed once, then kept (it never changes)."""
        tiled = self.log(state)
        if not bundle.partial:
            kept = self.packed.get(state, bundle.index)
            if kept is not None:
                return kept
        packed = gzip.compress(tiled.read(bundle), compresslevel=6, mtime=0)
        if not bundle.partial:
            self.packed.put(state, bundle.index, packed)
        return packed

    def close(self) -> None:
        with self._lock:
            for opened in self._open.values():
                opened.log.close()
            self._open.clear()


def install(
    app: Starlette, locate: Locate, witnesses: Witnesses | None = None, *, entries: EntryAccess
) -> None:
    """Serve the logs ``locate`` finds from ``app``, their checkpoints cosigned by the
    ``witnesses`` of each state, their entry bundles to whom ``entries`` says;
    :func:`close` closes them."""
    app.state.public_logs = PublicLogs(locate, witnesses, entries)
    app.router.routes.extend(routes)


def close(app: Starlette) -> None:
    logs: PublicLogs = app.state.public_logs
    logs.close()


def takes_gzip(accept_encoding: str) -> bool:
    """Whether an ``Accept-Encoding`` header accepts gzip (RFC 9110 §12.5.3): named with
    a weight above 0, or not named and ``*`` accepted. ``gzip;q=0`` is a no."""
    star = 0.0
    for item in accept_encoding.split(","):
        coding, *parameters = (part.strip() for part in item.split(";"))
        weight = _weight(parameters)
        if coding.lower() in ("gzip", "x-gzip"):
            return weight > 0
        if coding == "*":
            star = weight
    return star > 0


def _weight(parameters: list[str]) -> float:
    """The ``q`` of one coding (1 if none; 0 if it is not a valid weight)."""
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            value = value.strip()
            return float(value) if _QVALUE.fullmatch(value) else 0.0
    return 1.0


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
    wanted = parse_tile_path("tile/" + request.path_params["path"])
    if wanted.entries:
        return _bundle(request, wanted)
    data = _logs(request).log(request.path_params["state"]).read(wanted)
    headers = {"Cache-Control": IMMUTABLE, "X-Content-Type-Options": "nosniff"}
    return Response(data, media_type="application/octet-stream", headers=headers)


def _bundle(request: Request, wanted: TileId) -> Response:
    """An entry bundle, to a client allowed to read it; gzipped if it takes gzip."""
    logs = _logs(request)
    logs.admit(request.scope)
    state = request.path_params["state"]
    public = logs.entries is EntryAccess.PUBLIC
    headers = {
        "Cache-Control": IMMUTABLE if public else IMMUTABLE_PRIVATE,
        "X-Content-Type-Options": "nosniff",
        "Vary": "Accept-Encoding",
    }
    if takes_gzip(request.headers.get("accept-encoding", "")):
        headers["Content-Encoding"] = "gzip"
        data = logs.gzipped(state, wanted)
    else:
        data = logs.log(state).read(wanted)
    return Response(data, media_type="application/octet-stream", headers=headers)


routes: list[BaseRoute] = [
    Route("/logs/{state}/checkpoint", checkpoint, methods=["GET"]),
    Route("/logs/{state}/tile/{path:path}", tile, methods=["GET"]),
]
