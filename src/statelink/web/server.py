"""Running a networked service: uvicorn over TLS, handing client certificates to the app."""

from __future__ import annotations

import signal
import ssl
from pathlib import Path
from types import FrameType

import uvicorn
from starlette.types import ASGIApp

from statelink import collector
from statelink.errors import UsageError
from statelink.transport.tls import server_context
from statelink.web.peer import PeerCertProtocol


def serve_tls(
    app: ASGIApp,
    *,
    host: str,
    port: int,
    cert: Path,
    key: Path,
    ca: Path,
    client_cert: ssl.VerifyMode,
) -> None:
    """Serve ``app`` over HTTPS until stopped (SIGINT or SIGTERM).

    ``client_cert`` is ``CERT_REQUIRED`` (nodes: the hub must present its certificate)
    or ``CERT_OPTIONAL`` (the hub: members may use a bearer token instead); a
    certificate that is sent must chain to ``ca``.
    """
    for path in (cert, key, ca):
        if not path.is_file():
            raise UsageError(f"TLS file {path} not found (statelink pki init creates them)")
    context = server_context(cert=cert, key=key, ca=ca, client_cert=client_cert)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        ssl_context_factory=lambda _config, _default: context,
        http=PeerCertProtocol.serving(app),
        loop="auto",  # uvloop where installed
        log_level="warning",
        access_log=False,
        proxy_headers=False,  # clients connect directly: their address is the peer's
        server_header=False,
        timeout_graceful_shutdown=5,
    )
    collector.settle()  # what was loaded at start-up is never walked again
    run_until_stopped(config)


class StoppableServer(uvicorn.Server):
    """A uvicorn server that remembers whether Ctrl-C (SIGINT) stopped it."""

    interrupted = False

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if sig == signal.SIGINT:
            self.interrupted = True
        super().handle_exit(sig, frame)


def run_until_stopped(config: uvicorn.Config) -> None:
    """Serve until stopped (SIGINT or SIGTERM, gracefully); raise KeyboardInterrupt if it
    was Ctrl-C, so the command ends as an interrupted one (exit 130)."""
    server = StoppableServer(config)
    server.run()
    if server.interrupted:
        raise KeyboardInterrupt
