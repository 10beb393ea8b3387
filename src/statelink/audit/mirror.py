"""An independent mirror of a tiled audit log (C2SP ``tlog-tiles``), verified as it goes.

Given the log's URL prefix and its verifier key, :func:`mirror` fetches the signed
checkpoint and checks its signature, then every entry bundle and tile the checkpoint
needs, level by level:

- every entry hashes (RFC 9162 leaf hash) to its hash in the level-0 tile;
- every hash of a level-``L`` tile (L ≥ 1) is the root of the full level-``L-1`` tile
  below it;
- the tree head computed from the tiles is the checkpoint's root;
- if the folder holds a checkpoint mirrored before, the new tree extends it (an RFC 9162
  consistency proof computed from the tiles, checked by :mod:`statelink.audit.verifier`).

Each resource is written to the folder (same paths as the log's, so any static web
server can serve the mirror) once it has been checked, and the checkpoint last. A second
run resumes: full tiles and bundles already there are immutable, so they are read from
disk instead of fetched, and checked again all the same. The first bad leaf index is
named on failure (:class:`~statelink.audit.verifier.VerificationError`). A folder holds
one log: a checkpoint of another origin than the one mirrored before is refused.

Every body is read capped (:mod:`statelink.audit.remote_log`): the checkpoint at 64 KiB,
a tile at 32 bytes a hash, a bundle at 2 + 65,535 bytes an entry, gzip undone. A log on
a network's node serves its entry bundles only to a client certificate from that network
(``cert``).

This module, :mod:`statelink.audit.remote_log` and :mod:`statelink.audit.tile_tree`
share no code with the log's writer or prover: only the verifier, SHA-256 and httpx.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from statelink.audit.remote_log import Remote
from statelink.audit.tile_tree import (
    HASH,
    HEIGHT,
    WIDTH,
    Tile,
    TileTree,
    leaf_hash,
    level_tiles,
    levels,
    perfect_root,
)
from statelink.audit.verifier import (
    Checkpoint,
    VerificationError,
    VerifierKey,
    open_checkpoint,
    verify_consistency,
)
from statelink.errors import UsageError

MAX_CHECKPOINT = 64 * 1024
MAX_ENTRY = 0xFFFF
"""An entry's length is a uint16."""

Progress = Callable[[int, int], None]
"""Called with (resources done, resources in all) as the mirror goes."""


@dataclass(frozen=True)
class MirrorReport:
    """A mirror that verified: the tree it holds, what was fetched, what it extends."""

    url: str
    folder: Path
    origin: str
    size: int
    root: bytes
    fetched: int
    reused: int
    previous: Checkpoint | None


class Folder:
    """A mirror folder: the log's paths under ``root``, each file written whole."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def read(self, path: str) -> bytes | None:
        try:
            return (self.root / path).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as e:
            raise UsageError(f"cannot read {self.root / path}: {e.strerror}") from None

    def write(self, path: str, data: bytes, *, replace: bool = True) -> None:
        """Write a file whole (a reader never sees half of it); unless ``replace``, keep
        one already there (a full tile is immutable)."""
        target = self.root / path
        if not replace and target.exists():
            return
        part = target.with_name(target.name + ".part")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            part.write_bytes(data)
            os.replace(part, target)
        except OSError as e:
            raise UsageError(f"cannot write {target}: {e.strerror}") from None


class Mirror:
    """One run of the mirror: the remote log, the folder, and what was done so far."""

    def __init__(self, remote: Remote, folder: Folder, progress: Progress | None) -> None:
        self.remote = remote
        self.folder = folder
        self.progress = progress
        self.fetched = self.reused = self.done = self.total = 0

    def run(self, key: VerifierKey) -> MirrorReport:
        kept = self.folder.read("checkpoint")
        previous = open_checkpoint(_text(kept, "the mirrored checkpoint"), key) if kept else None
        note = self.remote.get("checkpoint", MAX_CHECKPOINT)
        if note is None:
            raise UsageError(f"{self.remote.url}/checkpoint: no tlog-tiles checkpoint there")
        if len(note) > MAX_CHECKPOINT:
            raise UsageError(
                f"{self.remote.url}/checkpoint is more than {MAX_CHECKPOINT // 1024} KiB: "
                "not a tlog-tiles checkpoint"
            )
        checkpoint = open_checkpoint(_text(note, "the checkpoint"), key)
        if previous is not None and checkpoint.origin != previous.origin:
            raise VerificationError(
                f"the log's checkpoint is for {checkpoint.origin[:80]!r}, but the folder "
                f"mirrors {previous.origin[:80]!r}: a folder holds one log"
            )
        if previous is not None and checkpoint.size < previous.size:
            raise VerificationError(
                f"the log's checkpoint has {checkpoint.size} records, fewer than the "
                f"{previous.size} mirrored before: records were removed",
                checkpoint.size,
            )
        self.total = sum(
            len(level_tiles(checkpoint.size, n)) for n in range(levels(checkpoint.size))
        ) + len(level_tiles(checkpoint.size, 0, entries=True))
        self.verify_tree(checkpoint.size)
        tree = TileTree(checkpoint.size, self.stored)
        if tree.root() != checkpoint.root:
            raise VerificationError(
                f"the tiles do not lead to the root signed at size {checkpoint.size}"
            )
        if previous is not None:
            _check_extends(tree, previous, checkpoint)
        self.folder.write("checkpoint", note)
        return MirrorReport(
            self.remote.url,
            self.folder.root,
            checkpoint.origin,
            checkpoint.size,
            checkpoint.root,
            self.fetched,
            self.reused,
            previous,
        )

    def verify_tree(self, size: int) -> None:
        """Check every bundle and tile, level by level, writing each once checked."""
        below: list[bytes] = []  # the roots of the full tiles of the level below
        for level in range(levels(size)):
            roots: list[bytes] = []
            for tile in level_tiles(size, level):
                hashes = self.hashes(tile)
                if level == 0:
                    self.check_entries(tile, hashes)
                else:
                    _check_against(tile, hashes, below)
                self.folder.write(tile.path(), b"".join(hashes), replace=not tile.full)
                self.step()
                if tile.full:
                    roots.append(perfect_root(hashes))
            below = roots

    def check_entries(self, tile: Tile, hashes: list[bytes]) -> None:
        bundle_tile = Tile(0, tile.index, tile.width, entries=True)
        data = self.resource(bundle_tile)
        entries = _entries(data, bundle_tile)
        for offset, (entry, expected) in enumerate(zip(entries, hashes, strict=True)):
            if leaf_hash(entry) != expected:
                seq = tile.first_leaf + offset
                raise VerificationError(
                    f"record {seq} does not hash to its leaf hash in {tile.path()}: it was "
                    "changed after it was logged",
                    seq,
                )
        self.folder.write(bundle_tile.path(), data, replace=not tile.full)
        self.step()

    def hashes(self, tile: Tile) -> list[bytes]:
        data = self.resource(tile)
        if len(data) != tile.width * HASH:
            raise VerificationError(
                f"{tile.path()} is {len(data)} bytes, not {tile.width * HASH}", tile.first_leaf
            )
        return [data[i : i + HASH] for i in range(0, len(data), HASH)]

    def resource(self, tile: Tile) -> bytes:
        """A full resource from the folder if there; else fetched (a partial one falls
        back to the head of the full one, which a log may serve instead)."""
        if tile.full:
            kept = self.folder.read(tile.path())
            if kept is not None:
                self.reused += 1
                return kept
        found = self.remote.get(tile.path(), _most(tile))
        if found is None and not tile.full:
            full = self.remote.get(tile.as_full().path(), _most(tile.as_full()))
            found = None if full is None else _head(_within(full, tile.as_full()), tile)
        if found is None:
            raise VerificationError(
                f"the log does not serve {tile.path()}, which its checkpoint needs",
                tile.first_leaf,
            )
        self.fetched += 1
        return _within(found, tile)

    def stored(self, tile: Tile) -> bytes:
        """A tile this run checked and wrote (for the tree head and proofs)."""
        return _stored(self.folder, tile)

    def step(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)


def mirror(
    url: str,
    key: VerifierKey,
    out: Path,
    *,
    ca: Path | None = None,
    cert: Path | None = None,
    cert_key: Path | None = None,
    progress: Progress | None = None,
) -> MirrorReport:
    """Mirror and verify the tiled log at ``url`` into ``out`` (see the module). An https
    URL is trusted by the system's CAs, or by ``ca`` alone (a private network's); ``cert``
    (its key in ``cert_key``, or in the same file) is presented as a client certificate."""
    with Remote.open(url, ca=ca, cert=cert, cert_key=cert_key) as remote:
        return Mirror(remote, Folder(out), progress).run(key)


class MirrorFolder:
    """A mirror written before: its checkpoint (checked again with ``key``), its tree,
    its records and their inclusion proofs, read from the files alone."""

    def __init__(self, root: Path, key: VerifierKey) -> None:
        self._folder = Folder(root)
        note = self._folder.read("checkpoint")
        if note is None:
            raise UsageError(f"{root} holds no mirrored checkpoint")
        self.checkpoint = open_checkpoint(_text(note, "the mirrored checkpoint"), key)
        self.tree = TileTree(self.checkpoint.size, lambda t: _stored(self._folder, t))

    def entry(self, index: int) -> bytes:
        if not 0 <= index < self.checkpoint.size:
            raise UsageError(f"record {index} is not in the mirrored tree")
        tiles = level_tiles(self.checkpoint.size, 0, entries=True)
        bundle = tiles[index // WIDTH]
        return _entries(_stored(self._folder, bundle), bundle)[index % WIDTH]

    def inclusion(self, index: int) -> list[bytes]:
        """RFC 9162 PATH of record ``index`` in the mirrored checkpoint's tree."""
        return self.tree.inclusion(index)


def _stored(folder: Folder, tile: Tile) -> bytes:
    data = folder.read(tile.path())
    if data is None:
        raise UsageError(f"{folder.root / tile.path()} is missing from the mirror")
    return data


def _check_against(tile: Tile, hashes: list[bytes], below: list[bytes]) -> None:
    """Each hash of a level-L tile is the root of a full level-(L-1) tile."""
    first = tile.index * WIDTH
    for offset, found in enumerate(hashes):
        if below[first + offset] != found:
            seq = (first + offset) << (HEIGHT * tile.level)
            raise VerificationError(
                f"{tile.path()} hash {offset} is not the root of the tile below it "
                f"(records from {seq} on)",
                seq,
            )


def _check_extends(tree: TileTree, previous: Checkpoint, checkpoint: Checkpoint) -> None:
    proof = tree.consistency(previous.size)
    try:
        verify_consistency(previous.size, checkpoint.size, previous.root, checkpoint.root, proof)
    except VerificationError as e:
        raise VerificationError(
            f"the log at size {checkpoint.size} does not extend the checkpoint mirrored "
            f"before at size {previous.size}: {e}"
        ) from None


def _entries(data: bytes, bundle: Tile) -> list[bytes]:
    """The entries of a bundle: each a big-endian uint16 length and that many bytes."""
    entries: list[bytes] = []
    at = 0
    while at < len(data) and len(entries) < bundle.width:
        length = int.from_bytes(data[at : at + 2], "big")
        entry = data[at + 2 : at + 2 + length]
        if at + 2 > len(data) or len(entry) != length:
            break
        entries.append(entry)
        at += 2 + length
    if len(entries) != bundle.width or at != len(data):
        bad = bundle.first_leaf + len(entries)
        raise VerificationError(f"{bundle.path()} is not a bundle of {bundle.width} entries", bad)
    return entries


def _most(tile: Tile) -> int:
    """The most bytes a tile or bundle of its width can hold."""
    return tile.width * (2 + MAX_ENTRY if tile.entries else HASH)


def _within(data: bytes, tile: Tile) -> bytes:
    if len(data) > _most(tile):
        raise VerificationError(
            f"{tile.path()} is more than {_most(tile):,} bytes (gzip undone): larger than "
            f"{tile.width} {'entries' if tile.entries else 'hashes'} can be",
            tile.first_leaf,
        )
    return data


def _head(full: bytes, tile: Tile) -> bytes:
    """The first ``width`` hashes or entries of a full resource, for a partial one."""
    if not tile.entries:
        return full[: tile.width * HASH]
    at = 0
    for _ in range(tile.width):
        at += 2 + int.from_bytes(full[at : at + 2], "big")
    return full[:at]


def _text(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise VerificationError(f"{what} is not UTF-8 text") from None
