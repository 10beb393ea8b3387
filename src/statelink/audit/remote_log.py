"""A tiled log's URL prefix, read over HTTP(S) by the mirror with every body capped.

Part of the independent mirror (:mod:`statelink.audit.mirror`): httpx, ``ssl`` and
``zlib`` only. Each body is streamed and read only up to one byte past the cap the
caller gives, counting the bytes after gzip is undone: the mirror asks for gzip alone
and inflates it itself, never past the cap (httpx's own decoding would inflate a whole
network chunk at once), so neither a huge body nor a gzip bomb is ever held in memory.
Network failures, refusals and undecodable bodies are usage errors (exit 2).
"""

from __future__ import annotations

import ssl
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from statelink.errors import UsageError

TIMEOUT = 30.0


class Remote:
    """The log's URL prefix, read with httpx."""

    def __init__(self, url: str, client: httpx.Client) -> None:
        self.url = url.rstrip("/")
        self._client = client

    @classmethod
    @contextmanager
    def open(
        cls,
        url: str,
        *,
        ca: Path | None = None,
        cert: Path | None = None,
        cert_key: Path | None = None,
    ) -> Iterator[Remote]:
        """The log at ``url``: an https one trusted by the system's CAs, or by ``ca``
        alone; ``cert`` (its key in ``cert_key``, or in the same file) presented as the
        client certificate."""
        with httpx.Client(
            timeout=TIMEOUT,
            verify=_tls(ca, cert, cert_key),
            follow_redirects=False,
            headers={"Accept-Encoding": "gzip"},  # the one coding _capped undoes
        ) as client:
            yield cls(url, client)

    def get(self, path: str, limit: int) -> bytes | None:
        """The resource's bytes, or None if the log answers 404; a body of more than
        ``limit`` bytes comes back cut at ``limit + 1`` (for the caller to refuse)."""
        where = f"{self.url}/{path}"
        try:
            with self._client.stream("GET", where) as answer:
                if answer.status_code == 404:
                    return None
                if answer.status_code == 403:
                    raise UsageError(
                        f"{where} answered HTTP 403: the log serves its entry bundles only to "
                        "a client certificate from its network (--cert and --cert-key)"
                    )
                if answer.status_code != 200:
                    raise UsageError(f"{where} answered HTTP {answer.status_code}")
                return _capped(answer, limit, where)
        except httpx.HTTPError as e:
            raise UsageError(f"cannot reach {where}: {type(e).__name__}") from None


def _capped(answer: httpx.Response, limit: int, where: str) -> bytes:
    """The body with gzip undone, read until it is more than ``limit`` bytes at most."""
    encoding = answer.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("identity", "gzip", "x-gzip"):
        raise UsageError(f"{where} came {encoding[:20]!r}-encoded, not gzip or plain")
    inflate = None if encoding == "identity" else zlib.decompressobj(16 + zlib.MAX_WBITS)
    body = bytearray()
    for raw in answer.iter_raw():
        room = limit + 1 - len(body)  # >= 1: 0 would mean no cap to zlib
        try:
            body += raw[:room] if inflate is None else inflate.decompress(raw, room)
        except zlib.error:
            raise UsageError(f"{where} is not valid gzip") from None
        if len(body) > limit:
            return bytes(body)
    if inflate is not None and not inflate.eof:
        raise UsageError(f"{where} is cut short (its gzip stream does not end)")
    return bytes(body)


def _tls(ca: Path | None, cert: Path | None, cert_key: Path | None) -> ssl.SSLContext | bool:
    if ca is None and cert is None:
        return True
    try:
        context = ssl.create_default_context(cafile=str(ca) if ca is not None else None)
        if cert is not None:
            context.load_cert_chain(cert, cert_key)
    except (OSError, ssl.SSLError) as e:
        files = ", ".join(str(p) for p in (ca, cert, cert_key) if p is not None)
        raise UsageError(f"cannot load the TLS files ({files}): {e}") from None
    return context
