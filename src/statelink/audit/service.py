"""The audit service: a process of its own that appends to every state's audit log.

Python runs one thread of a process at a time, so logging on the query path would take
CPU from the queries. The service runs on another core: a node hands it the record
(``await service.append(state, entry)``) and gets the receipt once the record is
**committed durably**; only then does the node release its answer.

Protocol (a socket pair, length-prefixed orjson frames): the node sends batches of
``["open", state, log path, keys path]`` (once per state) and
``[request id, state, content, search, operator, subjects]`` (personal values in clear,
over the node's own socket; the service hashes them before anything is written); the
service groups each read by state,
appends each group in one transaction and answers ``[request id, seq, leaf hash, error]``.
Appends queued while the service commits go in its next batch (group commit). The
service signs checkpoints on schedule even when idle, and a last one for every log when
it closes or its node goes away (end of the pipe).

If the service dies, pending and new appends fail (the node answers UNAVAILABLE) until
the next append starts a new service, which continues every log from its last
committed record.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import multiprocessing
import select
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from statelink.audit.appender import CHECKPOINT_EVERY, CHECKPOINT_SECONDS, LogAppender
from statelink.audit.frames import FrameReader, frame
from statelink.audit.keys import ORIGIN, NodeKeys
from statelink.audit.log import AuditLog
from statelink.audit.record import Entry
from statelink.errors import AuditUnavailable
from statelink.messages.response import Receipt
from statelink.store import Where

log = logging.getLogger(__name__)

_CLOSE = b"close"
_OPEN = "open"
SEND_EVERY = 8
"""Records sent to the service in one frame at most before the rest of the loop turn."""

Paths = Callable[[str], tuple[Where, Path]]
"""Where a state's audit log (a SQLite file or a database URL) and audit keys are."""


def serve(sock: socket.socket, checkpoint_every: int, checkpoint_seconds: float) -> None:
    """The service's main loop (in its own process)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s audit: %(message)s")
    appenders: dict[str, LogAppender] = {}
    places: dict[str, tuple[str, str]] = {}
    reader = FrameReader()

    def appender(state: str) -> LogAppender:
        if state not in appenders:
            audit_path, keys_path = places[state]
            appenders[state] = LogAppender(
                AuditLog.open(state, audit_path if "://" in audit_path else Path(audit_path)),
                NodeKeys.load(state, Path(keys_path)),
                checkpoint_every=checkpoint_every,
                checkpoint_seconds=checkpoint_seconds,
            )
        return appenders[state]

    try:
        while True:
            waits = [w for a in appenders.values() if (w := a.seconds_to_checkpoint()) is not None]
            ready, _, _ = select.select([sock], [], [], min(waits) if waits else None)
            if not ready:
                for a in appenders.values():
                    _quietly(a.checkpoint_if_due)
                continue
            frames: list[bytes] = []
            while True:  # everything that is there now: one batch, one commit per state
                if not reader.receive(sock):
                    raise EOFError
                frames.extend(reader.frames())
                if not select.select([sock], [], [], 0)[0]:
                    break
            closing = _CLOSE in frames
            frames = [f for f in frames if f != _CLOSE]
            if frames:
                sock.sendall(frame(_handle(frames, appender, places)))
            if closing:
                break
            for a in appenders.values():
                _quietly(a.checkpoint_if_due)
    except (EOFError, OSError):
        pass  # the node went away: finish below
    finally:
        for a in appenders.values():
            _quietly(a.close)


def _handle(frames: list[bytes], appender: Any, places: dict[str, tuple[str, str]]) -> bytes:
    by_state: dict[str, list[list[Any]]] = {}
    for payload in frames:
        for request in orjson.loads(payload):
            if request[0] == _OPEN:
                places[request[1]] = (request[2], request[3])
            else:
                by_state.setdefault(request[1], []).append(request)
    replies: list[list[Any]] = []
    for state, requests in by_state.items():
        try:
            receipts = appender(state).append([(r[2], r[3], r[4], r[5]) for r in requests])
        except AuditUnavailable as error:
            log.error("%s: %s", state, error.message)
            replies.extend([r[0], None, None, error.message] for r in requests)
            continue
        except Exception as error:
            log.error(
                "%s: a batch of %d records could not be logged: %s", state, len(requests), error
            )
            replies.extend([r[0], None, None, f"{type(error).__name__}: {error}"] for r in requests)
            continue
        replies.extend(
            [r[0], seq, leaf, None] for r, (seq, leaf) in zip(requests, receipts, strict=True)
        )
    return orjson.dumps(replies)


def _quietly(action: Any) -> None:
    try:
        action()
    except Exception as error:
        log.error("audit checkpoint failed: %s", error)


class AuditService:
    """The node-side handle of the audit service process (one per event loop)."""

    def __init__(
        self,
        paths: Paths,
        *,
        checkpoint_every: int = CHECKPOINT_EVERY,
        checkpoint_seconds: float = CHECKPOINT_SECONDS,
    ) -> None:
        self._paths = paths
        self._config = (checkpoint_every, checkpoint_seconds)
        self._opened: set[str] = set()
        self._process: multiprocessing.process.BaseProcess | None = None
        self._sock: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reader = FrameReader()
        self._unsent = bytearray()
        self._ids = itertools.count()
        self._waiting: dict[int, tuple[str, asyncio.Future[Receipt]]] = {}
        self._outbox: list[list[Any]] = []
        self._send_scheduled = False
        self._closing = False

    def start(self) -> None:
        """Start the service now (else the first append does): call from the running loop."""
        if self._sock is None:
            self._start(asyncio.get_running_loop())

    def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        context = multiprocessing.get_context("spawn")
        ours, theirs = socket.socketpair()
        process = context.Process(
            target=serve, args=(theirs, *self._config), name="statelink-audit", daemon=True
        )
        process.start()
        theirs.close()
        ours.setblocking(False)
        loop.add_reader(ours.fileno(), self._receive)
        self._process, self._sock, self._loop = process, ours, loop
        self._reader = FrameReader()

    def _move_to(self, loop: asyncio.AbstractEventLoop) -> None:
        """Serve a new event loop (a program may run several, one after another)."""
        assert self._sock is not None
        old = self._loop
        if old is not None and not old.is_closed():
            old.remove_reader(self._sock.fileno())
            old.remove_writer(self._sock.fileno())
        for _state, future in self._waiting.values():  # they belonged to the old loop
            if not future.done() and not future.get_loop().is_closed():
                future.set_exception(AuditUnavailable("the event loop changed"))
        self._waiting.clear()
        self._send_scheduled = False
        loop.add_reader(self._sock.fileno(), self._receive)
        if self._unsent:
            loop.add_writer(self._sock.fileno(), self._write_rest)
        self._loop = loop

    async def append(self, state: str, entry: Entry) -> Receipt:
        """Log a record; return its receipt once it is durable. Raises if it is not."""
        loop = asyncio.get_running_loop()
        if self._sock is None:
            self._start(loop)
        elif self._loop is not loop:
            self._move_to(loop)
        request = next(self._ids)
        future: asyncio.Future[Receipt] = loop.create_future()
        self._waiting[request] = (state, future)
        if state not in self._opened:
            audit_path, keys_path = self._paths(state)
            self._outbox.append([_OPEN, state, str(audit_path), str(keys_path)])
            self._opened.add(state)
        self._outbox.append(
            [request, state, entry.content, entry.search, entry.operator, list(entry.subjects)]
        )
        if len(self._outbox) >= SEND_EVERY:
            self._send()  # keep the service busy while this loop goes on
        elif not self._send_scheduled:
            self._send_scheduled = True
            loop.call_soon(self._send)
        return await future

    def _send(self) -> None:
        self._send_scheduled = False
        batch, self._outbox = self._outbox, []
        if batch and self._sock is not None:
            self._write(frame(orjson.dumps(batch)))

    def _write(self, data: bytes) -> None:
        sock = self._sock
        if sock is None:
            return
        if self._unsent:  # the service is behind: keep the order
            self._unsent += data
            return
        try:
            sent = sock.send(data)
        except BlockingIOError:
            sent = 0
        except OSError as error:
            self._fail(f"the audit service is gone: {error}")
            return
        if sent < len(data):
            self._unsent += data[sent:]
            assert self._loop is not None
            self._loop.add_writer(sock.fileno(), self._write_rest)

    def _write_rest(self) -> None:
        sock = self._sock
        if sock is None:
            return
        try:
            sent = sock.send(self._unsent)
        except BlockingIOError:
            return
        except OSError as error:
            self._fail(f"the audit service is gone: {error}")
            return
        del self._unsent[:sent]
        if not self._unsent and self._loop is not None:
            self._loop.remove_writer(sock.fileno())

    def _receive(self) -> None:
        sock = self._sock
        if sock is None:
            return
        try:
            received = self._reader.receive(sock)
        except BlockingIOError:
            return
        except OSError as error:
            self._fail(f"the audit service stopped: {error}")
            return
        if not received:
            if self._closing and not self._waiting:
                self._detach()  # an orderly close
            else:
                self._fail("the audit service stopped")
            return
        for payload in self._reader.frames():
            for request, seq, leaf, problem in orjson.loads(payload):
                state, future = self._waiting.pop(request, ("", None))
                if future is None or future.done():
                    continue
                if problem is not None:
                    future.set_exception(AuditUnavailable(f"{state} audit log: {problem}"))
                else:
                    future.set_result(
                        Receipt.model_construct(
                            log=ORIGIN.format(state=state), seq=seq, leaf_hash=leaf
                        )
                    )

    def _fail(self, reason: str) -> None:
        """The service is gone: fail every waiting append; the next one starts a new one."""
        if self._waiting:
            log.error("%s; %d pending appends fail", reason, len(self._waiting))
        else:  # e.g. Ctrl-C reached the whole process group: nothing was lost
            log.info("%s; nothing was pending", reason)
        for _state, future in self._waiting.values():
            if not future.done():
                future.set_exception(AuditUnavailable(reason))
        self._waiting.clear()
        self._detach()

    def _detach(self) -> None:
        self._opened.clear()  # a new service must be told again
        self._unsent.clear()
        self._outbox.clear()
        sock, self._sock = self._sock, None
        if sock is not None:
            if self._loop is not None and not self._loop.is_closed():
                self._loop.remove_reader(sock.fileno())
                self._loop.remove_writer(sock.fileno())
            sock.close()

    async def aclose(self) -> None:
        """Let the service finish its batch and sign last checkpoints, then stop it."""
        if self._sock is None:
            return
        self._closing = True
        self._send()
        while self._waiting and self._sock is not None:
            await asyncio.sleep(0.001)
        if self._sock is not None:
            self._write(frame(_CLOSE))
            while self._unsent and self._sock is not None:
                await asyncio.sleep(0.001)
        process = self._process
        if process is not None:
            await asyncio.get_running_loop().run_in_executor(None, process.join, 30)
        self._detach()
