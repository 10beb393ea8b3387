"""The seals of a report copy: which Parquet parts were checked against the audit log,
and at which signed checkpoint.

``anchors.json``, in the copy's folder, holds one seal per checked part: the part's
name, its file's SHA-256 and the checkpoint (size, root) it was checked against. Each
seal carries a MAC made with the node's record-hash key (``NodeKeys.hash``), so editing a
part and its seal together needs the node's secret key; a seal whose MAC does not verify
is ignored, and its part is checked again record by record.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from statelink.audit.keys import NodeKeys
from statelink.errors import StoreError

SEALS_FILE = "anchors.json"


@dataclass(frozen=True)
class Seal:
    part: str  # the part's file name
    sha256: str  # of the part's file, hex
    size: int  # the signed checkpoint the part was checked against
    root: str  # its root, hex

    def mac(self, keys: NodeKeys) -> str:
        fields = ("report copy seal", keys.state, self.part, self.sha256, str(self.size))
        return keys.hash("\n".join((*fields, self.root)))


class Identity(NamedTuple):
    """Which file a path named, as it was: replacing, rewriting or removing the file
    changes it (a new inode, size or change time)."""

    device: int
    inode: int
    size: int
    mtime_ns: int
    ctime_ns: int

    @classmethod
    def of(cls, st: os.stat_result) -> Identity:
        return cls(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)

    @classmethod
    def now(cls, path: Path) -> Identity | None:
        """The file's identity now; None if it is gone."""
        try:
            return cls.of(path.stat())
        except OSError:
            return None


class Fingerprint(NamedTuple):
    sha256: str  # hex
    identity: Identity  # of the file that was hashed, unchanged while it was


def fingerprint(path: Path) -> Fingerprint:
    """The file's SHA-256 and the identity of the file hashed; raises
    :class:`StoreError` if the file cannot be read or changed while it was hashed."""
    try:
        with path.open("rb") as f:
            before = Identity.of(os.fstat(f.fileno()))
            digest = hashlib.file_digest(f, "sha256").hexdigest()
            after = Identity.of(os.fstat(f.fileno()))
    except OSError as e:
        raise StoreError(f"cannot read the report copy's part {path}: {e}") from e
    if before != after:
        raise StoreError(f"the report copy's part {path} changed while it was checked")
    return Fingerprint(digest, after)


class Seals:
    """The seals file of one copy, read and written with the copy's lock held."""

    def __init__(self, folder: Path, keys: NodeKeys) -> None:
        self.path = folder / SEALS_FILE
        self.keys = keys

    def read(self) -> dict[str, Seal]:
        """The seals whose MAC verifies, by part name (none if the file is unreadable)."""
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            entries = loaded["seals"]
        except (OSError, ValueError, TypeError, KeyError):
            return {}
        found: dict[str, Seal] = {}
        for entry in entries if isinstance(entries, list) else []:
            seal = self._parse(entry)
            if seal is not None:
                found[seal.part] = seal
        return found

    def _parse(self, entry: object) -> Seal | None:
        if not isinstance(entry, dict):
            return None
        try:
            seal = Seal(
                str(entry["part"]), str(entry["sha256"]), int(entry["size"]), str(entry["root"])
            )
            mac = str(entry["mac"])
        except (KeyError, ValueError, TypeError):
            return None
        return seal if hmac.compare_digest(seal.mac(self.keys), mac) else None

    def write(self, seals: Iterable[Seal]) -> None:
        entries = [
            {
                "part": s.part,
                "sha256": s.sha256,
                "size": s.size,
                "root": s.root,
                "mac": s.mac(self.keys),
            }
            for s in seals
        ]
        staged = self.path.with_name(self.path.name + ".new")
        try:
            staged.write_text(json.dumps({"seals": entries}, indent=1) + "\n", encoding="utf-8")
            os.replace(staged, self.path)
        except OSError as e:
            raise StoreError(f"cannot write the report copy's seals {self.path}: {e}") from e
