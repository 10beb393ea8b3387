"""The audit service's own process: it appends every state's records and signs checkpoints.

A plain select loop: the process has one socket and commits synchronously, so an event
loop would add nothing but a layer between ``select`` and the commit. It reads all that
is there (one batch), appends each state's part in one transaction (group commit) and
answers each record; it signs checkpoints on schedule even when idle, and a last one for
every log when its node closes or goes away. The node's side is
:class:`statelink.audit.service.AuditService`.
"""

from __future__ import annotations

import logging
import select
import signal
import socket
import threading
from collections.abc import Callable
from pathlib import Path

import structlog

from statelink import logs as log_setup
from statelink.audit.appender import LogAppender
from statelink.audit.frames import (
    Append,
    Appended,
    Close,
    FrameReader,
    OpenLog,
    Request,
    decode_requests,
    encode_replies,
)
from statelink.audit.keys import NodeKeys
from statelink.audit.log import AuditLog
from statelink.errors import AuditUnavailable

log = structlog.get_logger(__name__)


def serve(
    sock: socket.socket,
    checkpoint_every: int,
    checkpoint_seconds: float,
    log_settings: tuple[bool, int] = (False, logging.WARNING),
) -> None:
    """The service's main loop (in its own process); it logs as ``log_settings`` say
    (JSON or not, the level: :func:`statelink.logs.settings` of the node's process).

    Ctrl-C in a terminal reaches every process of the foreground group, this one too: it
    ignores it, and finishes as it does whenever its node goes away (the node, stopped by
    the same Ctrl-C, closes the socket), quietly and with its last checkpoints signed."""
    if threading.current_thread() is threading.main_thread():  # signals are the main's
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        # started with SIGINT blocked (AuditService blocks it around the start, so a
        # Ctrl-C while this process imports cannot interrupt it): ignored now, unblock it
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    json, level = log_settings
    log_setup.configure(json=json, level=level)
    logs = _Logs(checkpoint_every, checkpoint_seconds)
    reader = FrameReader()
    try:
        while True:
            wait = logs.seconds_to_checkpoint()
            if not select.select([sock], [], [], wait)[0]:
                logs.checkpoint_if_due()
                continue
            requests = _read_all(sock, reader)
            replies = logs.handle(requests)
            if replies:
                sock.sendall(encode_replies(replies))
            if any(type(r) is Close for r in requests):
                break
            logs.checkpoint_if_due()
    except (EOFError, OSError):
        pass  # the node went away: finish below
    finally:
        logs.close()
        sock.close()


def _read_all(sock: socket.socket, reader: FrameReader) -> list[Request]:
    """Everything there is to read now: one batch, one commit per state."""
    requests: list[Request] = []
    while True:
        if not reader.receive(sock):
            raise EOFError
        for payload in reader.frames():
            requests.extend(decode_requests(payload))
        if not select.select([sock], [], [], 0)[0]:
            return requests


class _Logs:
    """The service's appenders, one per state, opened on a state's first batch."""

    def __init__(self, checkpoint_every: int, checkpoint_seconds: float) -> None:
        self._every, self._seconds = checkpoint_every, checkpoint_seconds
        self._places: dict[str, OpenLog] = {}
        self._appenders: dict[str, LogAppender] = {}

    def handle(self, requests: list[Request]) -> list[Appended]:
        by_state: dict[str, list[Append]] = {}
        for r in requests:
            if type(r) is Append:
                by_state.setdefault(r.state, []).append(r)
            elif isinstance(r, OpenLog):
                self._places[r.state] = r
        replies: list[Appended] = []
        for state, batch in by_state.items():
            replies.extend(self._append(state, batch))
        return replies

    def _append(self, state: str, batch: list[Append]) -> list[Appended]:
        try:
            receipts = self._appender(state).append([a.entry for a in batch])
        except AuditUnavailable as error:
            log.error("audit_batch_refused", state=state, records=len(batch), error=error.message)
            return [Appended(a.request, error=error.message) for a in batch]
        except Exception as error:
            log.exception("audit_batch_failed", state=state, records=len(batch))
            problem = f"{type(error).__name__}: {error}"
            return [Appended(a.request, error=problem) for a in batch]
        return [
            Appended(a.request, seq, leaf) for a, (seq, leaf) in zip(batch, receipts, strict=True)
        ]

    def _appender(self, state: str) -> LogAppender:
        if state not in self._appenders:
            place = self._places[state]
            self._appenders[state] = LogAppender(
                AuditLog.open(state, place.log if "://" in place.log else Path(place.log)),
                NodeKeys.load(state, Path(place.keys)),
                checkpoint_every=self._every,
                checkpoint_seconds=self._seconds,
            )
        return self._appenders[state]

    def seconds_to_checkpoint(self) -> float | None:
        waits = [
            w for a in self._appenders.values() if (w := a.seconds_to_checkpoint()) is not None
        ]
        return min(waits) if waits else None

    def checkpoint_if_due(self) -> None:
        for a in self._appenders.values():
            _quietly(a.checkpoint_if_due)

    def close(self) -> None:
        for a in self._appenders.values():
            _quietly(a.close)


def _quietly(action: Callable[[], object]) -> None:
    try:
        action()
    except Exception as error:
        log.error("audit_checkpoint_failed", error=f"{type(error).__name__}: {error}")


# --- the node's side --------------------------------------------------------------------
