"""The directory as a running service sees it: reloaded when its CSV file changes."""

from __future__ import annotations

from pathlib import Path

import structlog

from statelink.directory.directory import Directory
from statelink.errors import StatelinkError
from statelink.filewatch import FileWatch

log = structlog.get_logger(__name__)


class DirectorySource:
    """The current directory; a file that no longer parses leaves the last good one in use."""

    def __init__(self, directory: Directory, path: Path | None = None, every: float = 1.0) -> None:
        self._directory = directory
        self._path = path
        self._watch = FileWatch(path, every=every) if path is not None else None

    @classmethod
    def open(cls, path: Path, every: float = 1.0) -> DirectorySource:
        return cls(Directory.read(path), path, every)

    def current(self) -> Directory:
        if self._watch is not None and self._path is not None and self._watch.changed():
            try:
                self._directory = Directory.read(self._path)
                log.info("directory_reloaded", agencies=len(self._directory))
            except StatelinkError as e:
                log.error("directory_not_reloaded", path=str(self._path), error=e.message)
        return self._directory
