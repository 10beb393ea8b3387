"""Length-prefixed frames over a stream socket: the audit service's wire.

Each frame is a 4-byte big-endian length and that many bytes. A reader takes whatever
bytes one ``recv`` returned and yields the frames that are complete, so a busy peer's
frames cost one system call per read, not one per frame.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

_LENGTH = struct.Struct("!I")
MAX_FRAME = 64 * 1024 * 1024


def frame(payload: bytes) -> bytes:
    if len(payload) > MAX_FRAME:
        raise ValueError(f"a frame of {len(payload)} bytes is too large")
    return _LENGTH.pack(len(payload)) + payload


class FrameReader:
    def __init__(self) -> None:
        self._buffer = bytearray()

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
