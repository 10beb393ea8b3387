"""Length-prefixed frames over a stream socket: the audit service's wire.

Each frame is a 4-byte big-endian length and that many bytes. A reader takes whatever
bytes one ``recv`` returned and yields the frames that are complete, so a busy peer's
frames cost one system call per read, not one per frame. It reads into one buffer it
keeps (``recv_into``): a fresh 1 MiB ``recv`` buffer cost three more system calls
(mmap, mremap, munmap) and the page faults of new memory on every read.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator

_LENGTH = struct.Struct("!I")
MAX_FRAME = 64 * 1024 * 1024


def frame(payload: bytes) -> bytes:
    if len(payload) > MAX_FRAME:
        raise ValueError(f"a frame of {len(payload)} bytes is too large")
    return _LENGTH.pack(len(payload)) + payload


READ_SIZE = 1 << 20


class FrameReader:
    def __init__(self) -> None:
        self._buffer = bytearray()
        self._chunk = bytearray(READ_SIZE)
        self._view = memoryview(self._chunk)

    def receive(self, sock: socket.socket) -> int:
        """Read what the socket has (one ``recv``) into the buffer; return how many bytes
        (0: the peer closed). Raises what ``recv`` raises (``BlockingIOError``...)."""
        count = sock.recv_into(self._chunk)
        self._buffer += self._view[:count]
        return count

    def frames(self) -> Iterator[bytes]:
        """Every frame now complete in the buffer."""
        return self.feed(b"")

    def feed(self, data: bytes) -> Iterator[bytes]:
        """Add received bytes; yield every frame now complete."""
        self._buffer += data
        start = 0
        buffer = self._buffer
        while len(buffer) - start >= _LENGTH.size:
            (size,) = _LENGTH.unpack_from(buffer, start)
            if size > MAX_FRAME:
                raise ValueError(f"a frame of {size} bytes is too large")
            end = start + _LENGTH.size + size
            if end > len(buffer):
                break
            yield bytes(buffer[start + _LENGTH.size : end])
            start = end
        if start:
            del buffer[:start]
