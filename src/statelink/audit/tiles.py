"""The audit log as C2SP ``tlog-tiles``: the tiles and entry bundles a node serves.

A tiled log is read as a few static resources under a prefix (``/logs/XX``):

- ``checkpoint``: the latest signed checkpoint (C2SP ``tlog-checkpoint``);
- ``tile/<L>/<N>[.p/<W>]``: hash tiles. The tile at level ``L``, index ``N`` holds the
  hashes of the perfect subtrees of height ``8·L`` with indexes ``N·256`` to
  ``N·256 + W`` (``W`` = 256 for a full tile, 1 to 255 for a partial one): level 0
  holds leaf hashes, level 1 the roots of full level-0 tiles, and so on;
- ``tile/entries/<N>[.p/<W>]``: entry bundles, the leaves of records ``N·256`` to
  ``N·256 + W``, each a big-endian uint16 length and the leaf bytes.

``N`` is written in 3-digit path elements, all but the last prefixed with ``x``
(1234067 is ``x001/x234/067``). Every resource is cut from the stored perfect-subtree
hashes (``tree_node``) and leaves (``audit_record``) with one range query, and only up
to the size of the latest signed checkpoint: nothing a checkpoint does not cover is
served. This is the log's side; :mod:`statelink.audit.mirror` reads it without this code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from statelink.audit.log import AuditLog, CheckpointRow
from statelink.errors import NotFound, StoreError

HEIGHT = 8
"""Tree levels per tile level: a tile spans a subtree of height 8."""
WIDTH = 1 << HEIGHT
"""Hashes in a full tile, entries in a full bundle."""
HASH_SIZE = 32
MAX_LEVEL = 63
MAX_ENTRY = 0xFFFF
"""The longest leaf an entry bundle can hold (its length is a uint16)."""
MAX_PATH = 200
"""Longer tile paths are refused before they are parsed."""

_LEVEL = re.compile(r"0|[1-9][0-9]?")
_WIDTH = re.compile(r"[1-9][0-9]{0,2}")
_ELEMENT = re.compile(r"x?[0-9]{3}")


@dataclass(frozen=True)
class TileId:
    """One tile (or entry bundle, ``entries``) of a tiled log."""

    level: int
    index: int
    width: int = WIDTH
    entries: bool = False

    @property
    def partial(self) -> bool:
        return self.width < WIDTH

    @property
    def first(self) -> int:
        """The index of its first hash at tree level ``8·level``."""
        return self.index * WIDTH

    @property
    def end(self) -> int:
        """One past the last leaf its hashes (or entries) cover."""
        return (self.first + self.width) << (HEIGHT * self.level)

    def path(self) -> str:
        """Its path under the log's prefix, e.g. ``tile/0/x001/234.p/17``."""
        kind = "entries" if self.entries else str(self.level)
        suffix = f".p/{self.width}" if self.partial else ""
        return f"tile/{kind}/{encode_index(self.index)}{suffix}"


def encode_index(index: int) -> str:
    """``N`` in the spec's path encoding: 1234067 is ``x001/x234/067``."""
    if index < 0:
        raise ValueError(f"a tile index is not negative, given {index}")
    elements = [f"{index % 1000:03d}"]
    index //= 1000
    while index:
        elements.append(f"x{index % 1000:03d}")
        index //= 1000
    return "/".join(reversed(elements))


def parse_tile_path(path: str) -> TileId:
    """The tile a path under the log's prefix names (``tile/0/x001/234.p/17``); NotFound
    unless the path is exactly the spec's encoding of a tile (one ``tile/``, no alias)."""
    refused = NotFound(f"not a tile path: {path[:80]!r}")
    if len(path) > MAX_PATH:
        raise refused
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != "tile":
        raise refused
    kind, rest = parts[1], parts[2:]
    width = WIDTH
    if len(rest) >= 2 and rest[-2].endswith(".p"):
        if not _WIDTH.fullmatch(rest[-1]) or int(rest[-1]) >= WIDTH:
            raise refused
        width = int(rest[-1])
        rest = [*rest[:-2], rest[-2].removesuffix(".p")]
    if kind == "entries":
        level, entries = 0, True
    elif _LEVEL.fullmatch(kind) and int(kind) <= MAX_LEVEL:
        level, entries = int(kind), False
    else:
        raise refused
    if not all(_ELEMENT.fullmatch(e) for e in rest):
        raise refused
    index = int("".join(e.removeprefix("x") for e in rest))
    if encode_index(index) != "/".join(rest):
        raise refused  # a misplaced or missing x, or a leading x000
    return TileId(level, index, width, entries)


def tiles_for(size: int) -> list[TileId]:
    """Every entry bundle and tile a checkpoint of ``size`` leaves needs: the bundles,
    then level by level each level's full tiles and its partial tile, if any."""
    needed = _level_tiles(size, 0, entries=True)
    level = 0
    while size >> (HEIGHT * level):
        needed += _level_tiles(size, level, entries=False)
        level += 1
    return needed


def _level_tiles(size: int, level: int, *, entries: bool) -> list[TileId]:
    full, rest = divmod(size >> (HEIGHT * level), WIDTH)  # complete subtrees of height 8·L
    found = [TileId(level, n, WIDTH, entries) for n in range(full)]
    return [*found, TileId(level, full, rest, entries)] if rest else found


class TiledLog:
    """An audit log read as tiles, up to its latest signed checkpoint."""

    def __init__(self, audit_log: AuditLog) -> None:
        self.log = audit_log

    def checkpoint(self) -> CheckpointRow:
        latest = self.log.latest_checkpoint()
        if latest is None:
            raise NotFound(f"the {self.log.state} audit log has no signed checkpoint yet")
        return latest

    def checkpoint_text(self) -> str:
        """The checkpoint as served: the signed note (``<prefix>/checkpoint``)."""
        return self.checkpoint().note

    def read(self, tile: TileId) -> bytes:
        """The tile's bytes; NotFound if the latest checkpoint does not cover all of it."""
        size = self.checkpoint().size
        if tile.end > size:
            raise NotFound(
                f"{tile.path()} is beyond the {self.log.state} log's checkpoint ({size} records)"
            )
        return self._bundle(tile) if tile.entries else self._hashes(tile)

    def _hashes(self, tile: TileId) -> bytes:
        hashes = self.log.hashes(HEIGHT * tile.level, tile.first, tile.width)
        if len(hashes) != tile.width or any(len(h) != HASH_SIZE for h in hashes):
            raise StoreError(
                f"the {self.log.state} audit log lacks tree nodes its checkpoint covers "
                f"({tile.path()}): run `statelink audit verify --state {self.log.state}`"
            )
        return b"".join(hashes)

    def _bundle(self, tile: TileId) -> bytes:
        leaves = self.log.leaf_range(tile.first, tile.width)
        if len(leaves) != tile.width:
            raise StoreError(
                f"the {self.log.state} audit log lacks records its checkpoint covers "
                f"({tile.path()}): run `statelink audit verify --state {self.log.state}`"
            )
        bundle = bytearray()
        for seq, leaf in enumerate(leaves, start=tile.first):
            if len(leaf) > MAX_ENTRY:
                raise StoreError(
                    f"{self.log.state} audit record {seq} is {len(leaf):,} bytes: an entry "
                    f"bundle holds entries of at most {MAX_ENTRY:,} bytes"
                )
            bundle += len(leaf).to_bytes(2, "big")
            bundle += leaf
        return bytes(bundle)
