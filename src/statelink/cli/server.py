"""Commands that serve HTTP until Ctrl-C (``demo``, ``witness serve``, ``serve``).

uvicorn stops gracefully on SIGINT and returns as if nothing happened; here the command
then ends as every interrupted command does: ``interrupted`` on stderr, exit code 130
(see :mod:`statelink.cli.exits`). A port that is taken is refused before anything
starts, in one line, instead of uvicorn's log line and its own exit code 3.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from statelink.errors import ServiceFailed, UsageError

if TYPE_CHECKING:
    import uvicorn


def check_port(host: str, port: int) -> None:
    """Refuse a port another program listens on (or an address this machine lacks)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                raise UsageError(
                    f"{host}:{port} is in use; pass --port to choose another"
                ) from None
            raise UsageError(f"--host: cannot serve on {host}:{port} ({e.strerror or e})") from None
        except (OverflowError, UnicodeError) as e:  # a port out of range, a name IDNA refuses
            raise UsageError(f"--host: cannot serve on {host}:{port} ({e})") from None


def serve(config: uvicorn.Config) -> None:
    """Serve until stopped; raise KeyboardInterrupt if Ctrl-C stopped it."""
    from statelink.web.server import run_until_stopped

    with started(config.host, config.port):
        run_until_stopped(config)


@contextmanager
def started(host: str, port: int) -> Iterator[None]:
    """Turn uvicorn's own exit when it cannot start (it logs why, then exits with its
    code 3) into a failure of the command."""
    from uvicorn.config import STARTUP_FAILURE

    try:
        yield
    except SystemExit as e:
        if e.code != STARTUP_FAILURE:
            raise
        raise ServiceFailed(f"the server on {host}:{port} did not start") from None
