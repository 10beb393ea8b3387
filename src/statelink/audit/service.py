"""The audit service: a process of its own that appends to every state's audit log.

Python runs one thread of a process at a time, so logging on the query path would take
CPU from the queries. The service runs on another core: a node hands it the record
(``await service.append(state, entry)``) and gets the receipt once the record is
**committed durably**; only then does the node release its answer.

Protocol (a socket pair, the typed frames of :mod:`statelink.audit.frames`): the node
sends batches of :class:`OpenLog` (once per state), :class:`Append` (personal values in
clear, over the node's own socket; the service hashes them before anything is written)
and, last, :class:`Close`. The service groups each read by state, appends each group in
one transaction and answers an :class:`Appended` for each record. Appends queued while
the service commits go in its next batch (group commit). The service signs checkpoints
on schedule even when idle, and a last one for every log when it closes or its node goes
away (end of the pipe).

A service belongs to the event loop that started it, and ends with it. Used from a new
loop after the old one closed, it starts a new service; used from a second loop while
the first is still open, it refuses. If the service dies, pending and new appends fail
(the node answers UNAVAILABLE) until the next append starts a new service, which
continues every log from its last committed record.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import multiprocessing
import signal
import socket
import threading
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import cast

import structlog

from statelink import logs
from statelink.audit.appender import CHECKPOINT_EVERY, CHECKPOINT_SECONDS
from statelink.audit.frames import (
    Append,
    Appended,
    Close,
    FrameReader,
    OpenLog,
    Request,
    decode_replies,
    encode_requests,
)
from statelink.audit.keys import ORIGIN
from statelink.audit.record import Entry
from statelink.audit.worker import serve
from statelink.errors import AuditUnavailable
from statelink.messages.response import Receipt
from statelink.store import Where

log = structlog.get_logger(__name__)

SEND_EVERY = 8
"""Records sent to the service in one frame at most before the rest of the loop turn."""
JOIN_SECONDS = 30.0
"""How long closing waits for the service process to exit."""

Paths = Callable[[str], tuple[Where, Path]]
"""Where a state's audit log (a SQLite file or a database URL) and audit keys are."""


class AuditService:
    """The node-side handle of the audit service process (one event loop at a time)."""

    def __init__(
        self,
        paths: Paths,
        *,
        checkpoint_every: int = CHECKPOINT_EVERY,
        checkpoint_seconds: float = CHECKPOINT_SECONDS,
    ) -> None:
        self._paths = paths
        self._config = (checkpoint_every, checkpoint_seconds)
        self._ids = itertools.count()
        self._link: _Link | None = None

    @property
    def process(self) -> BaseProcess | None:
        """The service process, once one was started."""
        return None if self._link is None else self._link.process

    @property
    def pending(self) -> int:
        """Records handed to the service whose receipt has not come back yet."""
        return 0 if self._link is None else len(self._link.waiting)

    def running(self) -> bool:
        """Whether the service process is up and takes appends (none started yet: False)."""
        link = self._link
        return (
            link is not None and link.open and link.process is not None and link.process.is_alive()
        )

    def start(self) -> None:
        """Start the service now (else the first append does): call from the running loop."""
        self._link_on(asyncio.get_running_loop())

    async def append(self, state: str, entry: Entry) -> Receipt:
        """Log a record; return its receipt once it is durable. Raises if it is not."""
        loop = asyncio.get_running_loop()
        link = self._link
        if link is None or link.loop is not loop or not link.open:
            link = self._link_on(loop)
        request = next(self._ids)
        future: asyncio.Future[Receipt] = loop.create_future()
        link.waiting[request] = (state, future)
        if state not in link.opened:
            where, keys = self._paths(state)
            link.put(OpenLog(state, str(where), str(keys)))
            link.opened.add(state)
        link.put(Append(request, state, entry))
        return await future

    async def aclose(self) -> None:
        """Let the service answer every waiting append and sign last checkpoints; wait
        until its process has exited."""
        link, loop = self._link, asyncio.get_running_loop()
        if link is None:
            return
        if link.loop is loop:
            await link.close()
        else:
            self._usable(link, loop)  # refuses if its loop is open, else lets it go
            if link.process is not None:
                await loop.run_in_executor(None, link.process.join, JOIN_SECONDS)
        if self._link is link:
            self._link = None

    def _link_on(self, loop: asyncio.AbstractEventLoop) -> _Link:
        """The link on ``loop``: the current one, or a new service started now."""
        link = self._link
        if link is not None and self._usable(link, loop):
            return link
        previous = None if link is None else link.process
        self._link = _Link(loop, self._config, previous)
        return self._link

    @staticmethod
    def _usable(link: _Link, loop: asyncio.AbstractEventLoop) -> bool:
        """Whether ``link`` serves ``loop``. A link whose loop closed is let go; one whose
        loop is still open cannot serve another."""
        if link.loop is loop:
            return link.open
        if link.loop.is_closed():
            link.drop()
            return False
        if link.open:
            raise RuntimeError(
                "this audit service belongs to another event loop that is still open: "
                "use one service per event loop"
            )
        return False


class _Link(asyncio.BufferedProtocol):
    """One service process and the connection to it, on the event loop that started it.

    The connection's transport buffers what the service has not read yet; no append waits
    for room, as each waiting append holds one caller.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        config: tuple[int, float],
        previous: BaseProcess | None,
    ) -> None:
        self.loop = loop
        self.process: BaseProcess | None = None
        self.opened: set[str] = set()  # states the service was told where to log
        self.waiting: dict[int, tuple[str, asyncio.Future[Receipt]]] = {}
        self.lost = False
        self.closing = False
        self._outbox: list[Request] = []
        self._send_scheduled = False
        self._sock: socket.socket | None = None
        self._transport: asyncio.Transport | None = None
        self._reader = FrameReader()
        self._gone: asyncio.Future[None] = loop.create_future()
        self._task = loop.create_task(self._run(config, previous), name="statelink-audit")

    @property
    def open(self) -> bool:
        """Whether appends may still be put on this link."""
        return not (self.lost or self.closing)

    # --- sending --------------------------------------------------------------------------

    def put(self, request: Request) -> None:
        self._outbox.append(request)
        if len(self._outbox) >= SEND_EVERY:
            self.send()  # keep the service busy while this loop goes on
        elif not self._send_scheduled:
            self._send_scheduled = True
            self.loop.call_soon(self.send)

    def send(self) -> None:
        """Write what the outbox holds in one frame (once connected)."""
        self._send_scheduled = False
        transport = self._transport
        if transport is None or self.lost or not self._outbox:
            return
        batch, self._outbox = self._outbox, []
        transport.write(encode_requests(batch))
        if self.closing:
            transport.close()  # after Close: connection_lost once the buffer is written

    # --- the protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        self.send()

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._reader.space

    def buffer_updated(self, nbytes: int) -> None:
        self._reader.received(nbytes)
        for payload in self._reader.frames():
            for reply in decode_replies(payload):
                self._settle(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        self._lose("the audit service stopped" + (f": {exc}" if exc else ""))

    def _settle(self, reply: Appended) -> None:
        state, future = self.waiting.pop(reply.request, ("", None))
        if future is None or future.done():
            return
        if reply.error is not None:
            future.set_exception(AuditUnavailable(f"{state} audit log: {reply.error}"))
        else:
            future.set_result(
                Receipt.model_construct(
                    log=ORIGIN.format(state=state), seq=reply.seq, leaf_hash=reply.leaf_hash
                )
            )

    def _lose(self, reason: str) -> None:
        """The service is gone: fail every waiting append; the next one starts a new one."""
        if self.lost:
            return
        self.lost = True
        if self.waiting:
            log.error("audit_service_lost", reason=reason, pending=len(self.waiting))
        elif not self.closing:  # e.g. Ctrl-C reached the whole process group: nothing lost
            log.info("audit_service_lost", reason=reason, pending=0)
        for _state, future in self.waiting.values():
            if not future.done():
                future.set_exception(AuditUnavailable(reason))
        self.waiting.clear()
        self._outbox.clear()
        if not self._gone.done():
            self._gone.set_result(None)

    # --- life -----------------------------------------------------------------------------

    async def _run(self, config: tuple[int, float], previous: BaseProcess | None) -> None:
        """Start the service and connect; when the event loop shuts down, stop it."""
        try:
            await self._connect(config, previous)
            await asyncio.shield(self._gone)
        except asyncio.CancelledError:  # the loop is shutting down: the service ends with it
            self.closing = True
            self._hang_up("the event loop closed")
            await asyncio.shield(self._gone)
            await self._join()
            raise
        except Exception as error:
            self._hang_up(f"the audit service did not start: {error}")

    async def _connect(self, config: tuple[int, float], previous: BaseProcess | None) -> None:
        if previous is not None and previous.is_alive():  # it holds the logs until it exits
            await self.loop.run_in_executor(None, previous.join, JOIN_SECONDS)
        ours, theirs = socket.socketpair()
        self._sock = ours
        try:
            process = multiprocessing.get_context("spawn").Process(
                target=serve,
                args=(theirs, *config, logs.settings()),  # it logs as this process does
                name="statelink-audit",
                daemon=True,
            )
            _started_without_sigint(process)
        finally:
            theirs.close()
        self.process = process
        await self.loop.connect_accepted_socket(lambda: self, ours)

    def _hang_up(self, reason: str) -> None:
        """Close our end: the service finishes what it read, signs last checkpoints, exits."""
        if self._transport is not None:
            self._transport.close()  # connection_lost follows
            return
        if self._sock is not None:
            self._sock.close()
        self._lose(reason)

    async def close(self) -> None:
        """Wait for every waiting append's answer, send Close, wait for the connection to
        close and the process to exit."""
        while not self.lost:
            pending = [future for _, future in self.waiting.values() if not future.done()]
            if not pending:
                break
            self.send()
            await asyncio.wait(pending)
        if not self.lost:
            self.closing = True
            self._outbox.append(Close())
            self.send()  # or, not yet connected, once connected
        await asyncio.shield(self._gone)
        await self._join()

    async def _join(self) -> None:
        if self.process is not None:
            await self.loop.run_in_executor(None, self.process.join, JOIN_SECONDS)

    def drop(self) -> None:
        """Let go of a link whose event loop closed without shutting it down: the service
        sees the end of the pipe. Its appends belonged to the closed loop."""
        self.lost = True
        self.waiting.clear()
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)
            self._sock.close()


def _started_without_sigint(process: BaseProcess) -> None:
    """Start ``process`` with SIGINT blocked, as it inherits: a Ctrl-C meant for the
    command (sent to the whole process group) must not interrupt the service while it
    is still importing, before it can ignore the signal. Ours is unblocked at once."""
    if threading.current_thread() is not threading.main_thread():
        process.start()
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        process.start()
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
