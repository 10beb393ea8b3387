"""Files (and stdin) a command reads or writes because the user named them.

Whatever such a file holds or is (missing, a folder, unreadable, not UTF-8, empty), a
command either gets its text or fails with a :class:`UsageError` that names the option
and the file: ``--cases: /tmp/x is not UTF-8 text (byte 0xFF at position 0)``. The core
readers a command calls (a policy set, a case table, a directory CSV, a nation's
manifest) run inside :func:`reading`, which gives their foreign errors the same form;
writers to a path the user gave run inside :func:`writing`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from statelink.errors import UsageError

if TYPE_CHECKING:
    from statelink.nation import Layout, Manifest

STDIN = "-"
MAX_SCANNED = 1000
"""Files of a folder looked at, at most, to name the one that is not UTF-8."""


def read_text(path: Path, what: str) -> str:
    """The UTF-8 text of ``path`` (``-``: stdin), given with the option ``what``."""
    if str(path) == STDIN:
        return read_stdin(what)
    with reading(path, what):
        return path.read_text(encoding="utf-8")


def read_stdin(what: str) -> str:
    """All of stdin as UTF-8 text (whatever the locale would have decoded)."""
    try:
        raw = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()
    except (OSError, AttributeError) as e:  # closed, or not there at all
        raise UsageError(f"{what}: cannot read stdin ({e})") from None
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UsageError(f"{what}: stdin is not UTF-8 text ({_byte(e)})") from None


def require_file(path: Path, what: str) -> None:
    """Refuse ``path`` (given with the option ``what``) unless it is a file."""
    if path.is_dir():
        raise UsageError(f"{what}: {path} is a folder, not a file")
    if not path.exists():
        raise UsageError(f"{what}: {path} does not exist")


@contextmanager
def reading(path: Path, what: str) -> Iterator[None]:
    """Turn a failure to read ``path`` (a file or a folder, given with the option
    ``what``) in the block into a UsageError naming it."""
    try:
        yield
    except UnicodeDecodeError as e:
        culprit = _undecodable_in(path) if path.is_dir() else path
        raise UsageError(f"{what}: {culprit} is not UTF-8 text ({_byte(e)})") from None
    except IsADirectoryError as e:
        raise UsageError(f"{what}: {e.filename or path} is a folder, not a file") from None
    except NotADirectoryError as e:
        raise UsageError(f"{what}: {e.filename or path} is not a folder") from None
    except FileNotFoundError as e:
        raise UsageError(f"{what}: {e.filename or path} does not exist") from None
    except OSError as e:
        raise UsageError(f"{what}: cannot read {e.filename or path}: {e.strerror or e}") from None


@contextmanager
def writing(path: Path, what: str, *, folder: bool = False) -> Iterator[None]:
    """Write ``path`` (a file, or a ``folder`` of files, given with the option ``what``)
    in the block: a file that is a folder, or a folder that is a file, is refused at once
    (nothing is written); a failure while writing is a UsageError naming ``path``."""
    if folder and path.exists() and not path.is_dir():
        raise UsageError(f"{what}: {path} is a file, not a folder")
    if not folder and path.is_dir():
        raise UsageError(f"{what}: {path} is a folder, not a file")
    try:
        yield
    except OSError as e:
        raise UsageError(f"{what}: cannot write {path}: {e.strerror or e}") from None


def manifest(where: Layout) -> Manifest | None:
    """The manifest of the nation in the data folder (None: no nation is built there)."""
    from pydantic import ValidationError

    from statelink.nation import read_manifest

    with reading(where.manifest, "--data"):
        try:
            return read_manifest(where)
        except ValidationError as e:
            first = e.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "the file"
            raise UsageError(
                f"--data: {where.manifest} is not a nation's manifest ({field}: {first['msg']})"
            ) from None


def _byte(error: UnicodeDecodeError) -> str:
    bad = bytes(error.object[error.start : error.start + 1]).hex().upper()
    return f"byte 0x{bad} at position {error.start}"


def _undecodable_in(folder: Path) -> Path:
    """The first file in ``folder`` that is not UTF-8 (else the folder itself)."""
    try:
        files = sorted(p for p in folder.iterdir() if p.is_file())[:MAX_SCANNED]
    except OSError:
        return folder
    for file in files:
        try:
            file.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            return file
        except OSError:
            continue
    return folder
