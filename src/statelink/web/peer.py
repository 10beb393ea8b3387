"""The client certificate of a TLS connection, handed to the ASGI app.

uvicorn verifies client certificates (``ssl_cert_reqs``) but does not put them in the
ASGI scope. :class:`PeerCertProtocol` is uvicorn's httptools protocol that, once the TLS
handshake is done, adds the ASGI TLS extension
(``scope["extensions"]["tls"]``, with ``client_cert_chain`` holding the verified leaf
certificate in PEM) to every request of that connection. :func:`peer_fingerprint`
reads it back as a SHA-256 fingerprint.
"""

from __future__ import annotations

import asyncio
import hashlib
import ssl
from typing import TypedDict

from starlette.types import ASGIApp, Receive, Scope, Send

from statelink.web.http_protocol import ProblemProtocol


class TlsExtension(TypedDict):
    """The ASGI TLS extension of a connection, plus the client certificate's fingerprint."""

    server_cert: str | None
    client_cert_chain: list[str]
    client_cert_name: str | None
    client_cert_error: str | None
    tls_version: str | None
    cipher_suite: int | None
    statelink_sha256: str | None


def _tls(transport: asyncio.Transport) -> TlsExtension | None:
    ssl_object: ssl.SSLObject | None = transport.get_extra_info("ssl_object")
    if ssl_object is None:
        return None
    der = ssl_object.getpeercert(binary_form=True)
    return {
        "server_cert": None,
        "client_cert_chain": [ssl.DER_cert_to_PEM_cert(der)] if der else [],
        "client_cert_name": None,
        "client_cert_error": None,
        "tls_version": ssl_object.version(),
        "cipher_suite": None,
        "statelink_sha256": hashlib.sha256(der).hexdigest() if der else None,
    }


class PeerCertProtocol(ProblemProtocol):
    """uvicorn's httptools protocol (answering in the problem shape), handing each
    connection's client certificate on."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        tls = _tls(transport)
        if tls is not None:
            self.app = _WithTls(self.app, tls)


class _WithTls:
    """The app, for one connection: each request's scope gains the connection's TLS facts."""

    def __init__(self, app: ASGIApp, tls: TlsExtension) -> None:
        self._app = app
        self._tls = tls

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope.setdefault("extensions", {})["tls"] = self._tls
        await self._app(scope, receive, send)


def peer_fingerprint(scope: Scope) -> str | None:
    """SHA-256 of the client certificate the TLS layer verified, or None if none was sent."""
    tls = scope.get("extensions", {}).get("tls")
    if not tls:
        return None
    fingerprint = tls.get("statelink_sha256")
    return fingerprint if isinstance(fingerprint, str) else None
