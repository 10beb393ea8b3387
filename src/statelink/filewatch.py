"""Noticing that files changed on disk, cheaply, at most once per interval."""

from __future__ import annotations

import time
from pathlib import Path


class FileWatch:
    """Says whether any of some files changed (mtime or size) since it last looked."""

    def __init__(self, *paths: Path, every: float = 1.0) -> None:
        self.paths = paths
        self.every = every
        self._next = time.monotonic() + every
        self._stamp = self._read()

    def _read(self) -> tuple[tuple[int, int] | None, ...]:
        stamps: list[tuple[int, int] | None] = []
        for path in self.paths:
            try:
                info = path.stat()
            except FileNotFoundError:
                stamps.append(None)
            else:
                stamps.append((info.st_mtime_ns, info.st_size))
        return tuple(stamps)

    def changed(self) -> bool:
        """True once after a change; looks at the files at most once per ``every`` seconds."""
        now = time.monotonic()
        if now < self._next:
            return False
        self._next = now + self.every
        stamp = self._read()
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        return True
