"""Running a networked service: uvicorn over TLS, handing client certificates to the app.

Stopping: SIGTERM (a supervisor) or SIGINT (Ctrl-C) drains the service. Its ``/ready``
answers 503 at once (:mod:`statelink.web.operations`); on SIGTERM it goes on accepting for
the service's ``drain_seconds`` (so that a load balancer polling ``/ready`` stops sending),
then uvicorn stops accepting, lets the requests in flight finish for up to the service's
grace time, runs the app's shutdown (a node's audit service signs its last checkpoint) and
the command exits 0. A second signal stops at once; Ctrl-C ends the command as an
interrupted one (exit 130).
"""

from __future__ import annotations

import math
import signal
import ssl
import threading
from pathlib import Path
from types import FrameType

import uvicorn
from starlette.types import ASGIApp

from statelink import collector
from statelink.errors import UsageError
from statelink.transport.tls import server_context
from statelink.web import operations
from statelink.web.peer import PeerCertProtocol

GRACE_SECONDS = 5.0
"""How long requests in flight may take to finish once the service stops accepting (a
service's operations may say otherwise: the hub waits as long as its node timeouts)."""


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
    ops = operations.of(app)
    grace = ops.grace_seconds if ops is not None else GRACE_SECONDS
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        ssl_context_factory=lambda _config, _default: context,
        http=PeerCertProtocol.serving(app),
        loop="auto",  # uvloop where installed
        log_level="warning",
        log_config=None,  # uvicorn's records go to the root logger: the service's JSON lines
        access_log=False,
        proxy_headers=False,  # clients connect directly: their address is the peer's
        server_header=False,
        timeout_graceful_shutdown=math.ceil(grace),
    )
    collector.settle()  # what was loaded at start-up is never walked again
    run_until_stopped(config, ops)


class StoppableServer(uvicorn.Server):
    """A uvicorn server that drains the app's operations (if it has them) when a signal
    comes, waits ``drain_seconds`` after a first SIGTERM before it stops accepting, exits
    normally after SIGTERM and remembers whether Ctrl-C (SIGINT) stopped it."""

    interrupted = False

    def __init__(self, config: uvicorn.Config, ops: operations.Operations | None = None) -> None:
        super().__init__(config)
        self.ops = ops
        self._draining: threading.Timer | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if sig == signal.SIGINT:
            self.interrupted = True
        ops = self.ops
        if ops is not None:
            ops.drain.begin()
            if sig == signal.SIGTERM and ops.drain_seconds > 0 and self._draining is None:
                # go on serving, /ready answering 503, until the load balancer has seen it
                self._draining = threading.Timer(ops.drain_seconds, self._stop_accepting)
                self._draining.daemon = True
                self._draining.start()
                return
        super().handle_exit(sig, frame)
        if sig == signal.SIGTERM:  # a stop asked for and carried out: not raised again
            self._captured_signals = [s for s in self._captured_signals if s != sig]

    def _stop_accepting(self) -> None:
        self.should_exit = True


def run_until_stopped(config: uvicorn.Config, ops: operations.Operations | None = None) -> None:
    """Serve until stopped (SIGINT or SIGTERM, gracefully, draining ``ops``); raise
    KeyboardInterrupt if it was Ctrl-C, so the command ends as an interrupted one (exit
    130). After SIGTERM it returns: the command exits 0."""
    server = StoppableServer(config, ops)
    server.run()
    if server.interrupted:
        raise KeyboardInterrupt
