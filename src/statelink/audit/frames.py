"""The audit service's wire: typed messages in length-prefixed orjson frames.

A frame is a 4-byte big-endian length and that many bytes: a JSON array of messages,
so a busy node sends many appends in one write. The node sends :class:`OpenLog` (once
per state, before its appends), :class:`Append` and, last, :class:`Close`; the service
answers each append with an :class:`Appended`. This module is the only one that knows
how they are laid out on the wire.

A :class:`FrameReader` takes whatever bytes one read returned and yields the frames now
complete, so a busy peer's frames cost one system call per read, not one per frame. It
reads into one buffer it keeps: a fresh 1 MiB buffer cost three more system calls
(mmap, mremap, munmap) and the page faults of new memory on every read.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from statelink.audit.record import AuditRecord, Entry
from statelink.errors import AuditInvalid

_LENGTH = struct.Struct("!I")
MAX_FRAME = 64 * 1024 * 1024
READ_SIZE = 1 << 20
_OPEN = "open"
_CLOSE = "close"


@dataclass(frozen=True, slots=True)
class OpenLog:
    """Where ``state``'s audit log (a SQLite path or a database URL) and keys are."""

    state: str
    log: str
    keys: str


@dataclass(frozen=True, slots=True)
class Append:
    """A record to log. The entry's ``search``, ``operator`` and ``subjects`` are personal
    values in clear: the service replaces them with keyed hashes before anything is
    written."""

    request: int
    state: str
    entry: Entry


@dataclass(frozen=True, slots=True)
class Appended:
    """The answer to one append: its ``seq`` and leaf hash once durable, else ``error``."""

    request: int
    seq: int | None = None
    leaf_hash: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Close:
    """The node is done: the service signs last checkpoints and exits."""


Request = OpenLog | Append | Close
"""What the node sends to the service."""


def encode_requests(requests: Sequence[Request]) -> bytes:
    """One frame holding ``requests``, in order."""
    rows: list[list[Any]] = []
    for r in requests:
        if type(r) is Append:  # the hot path first
            e = r.entry
            rows.append([r.request, r.state, e.content, e.search, e.operator, e.subjects])
        elif isinstance(r, OpenLog):
            rows.append([_OPEN, r.state, r.log, r.keys])
        else:
            rows.append([_CLOSE])
    return frame(orjson.dumps(rows))


def decode_requests(payload: bytes) -> list[Request]:
    """The requests in one frame's payload; raises ValueError if it holds something else."""
    requests: list[Request] = []
    try:
        for row in orjson.loads(payload):
            tag = row[0]
            if type(tag) is int:
                record = AuditRecord.from_json(row[2])
                requests.append(Append(tag, row[1], Entry(record, row[3], row[4], tuple(row[5]))))
            elif tag == _OPEN:
                requests.append(OpenLog(row[1], row[2], row[3]))
            elif tag == _CLOSE:
                requests.append(Close())
            else:
                raise ValueError(f"unknown request {tag!r}")
    except (IndexError, TypeError, orjson.JSONDecodeError, AuditInvalid) as error:
        raise ValueError(f"not an audit service request: {error}") from None
    return requests


def encode_replies(replies: Sequence[Appended]) -> bytes:
    """One frame holding ``replies``, in order."""
    return frame(orjson.dumps([[r.request, r.seq, r.leaf_hash, r.error] for r in replies]))


def decode_replies(payload: bytes) -> list[Appended]:
    """The replies in one frame's payload; raises ValueError if it holds something else."""
    try:
        return [Appended(*row) for row in orjson.loads(payload)]
    except (TypeError, orjson.JSONDecodeError) as error:
        raise ValueError(f"not an audit service reply: {error}") from None


def frame(payload: bytes) -> bytes:
    if len(payload) > MAX_FRAME:
        raise ValueError(f"a frame of {len(payload)} bytes is too large")
    return _LENGTH.pack(len(payload)) + payload


class FrameReader:
    """Cuts a byte stream into frames; reads go into one buffer it keeps."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._chunk = bytearray(READ_SIZE)
        self.space = memoryview(self._chunk)
        """Where the next read goes; tell :meth:`received` how many bytes it got."""

    def received(self, count: int) -> None:
        self._buffer += self.space[:count]

    def receive(self, sock: socket.socket) -> int:
        """Read what the socket has (one ``recv``) into the buffer; return how many bytes
        (0: the peer closed). Raises what ``recv`` raises (``BlockingIOError``...)."""
        count = sock.recv_into(self._chunk)
        self.received(count)
        return count

    def frames(self) -> list[bytes]:
        """Every frame now complete in the buffer."""
        return self.feed(b"")

    def feed(self, data: bytes) -> list[bytes]:
        """Add received bytes; return every frame now complete, taken out of the buffer
        before the caller sees any (so none is handed out twice, whatever the caller
        does with them)."""
        self._buffer += data
        start = 0
        buffer = self._buffer
        complete = []
        while len(buffer) - start >= _LENGTH.size:
            (size,) = _LENGTH.unpack_from(buffer, start)
            if size > MAX_FRAME:
                raise ValueError(f"a frame of {size} bytes is too large")
            end = start + _LENGTH.size + size
            if end > len(buffer):
                break
            complete.append(bytes(buffer[start + _LENGTH.size : end]))
            start = end
        if start:
            del buffer[:start]
        return complete
