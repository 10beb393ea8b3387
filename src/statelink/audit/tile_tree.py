"""A Merkle tree read from C2SP ``tlog-tiles``: hashes, tree heads and RFC 9162 proofs.

Part of the independent mirror (:mod:`statelink.audit.mirror`): it follows only the
``tlog-tiles`` specification and RFC 9162 (section 2.1), and shares no code with the log
that serves the tiles (:mod:`statelink.audit.tiles`, :mod:`statelink.audit.merkle`).

A tile at level ``L`` holds hashes of perfect subtrees of height ``8·L``; any perfect
subtree of height ``8·L + r`` is the root of ``2^r`` consecutive hashes of a level-``L``
tile, and any other subtree is split as RFC 9162 splits it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

HEIGHT = 8
WIDTH = 256
HASH = 32
CACHED = 64
"""Tiles a tree keeps in memory at most."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def perfect_root(hashes: list[bytes]) -> bytes:
    """The root of a perfect subtree whose 2^k bottom hashes are given."""
    level = hashes
    while len(level) > 1:
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


# --- paths ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    """A tile (``entries``: an entry bundle) of a tree: level, index, width (1 to 256)."""

    level: int
    index: int
    width: int
    entries: bool = False

    @property
    def full(self) -> bool:
        return self.width == WIDTH

    @property
    def first_leaf(self) -> int:
        return self.index << (HEIGHT * (self.level + 1))

    def path(self) -> str:
        """``tile/<L>/<N>[.p/<W>]`` or ``tile/entries/<N>[.p/<W>]``."""
        elements = [f"{self.index % 1000:03d}"]
        rest = self.index // 1000
        while rest:
            elements.insert(0, f"x{rest % 1000:03d}")
            rest //= 1000
        kind = "entries" if self.entries else str(self.level)
        partial = "" if self.full else f".p/{self.width}"
        return f"tile/{kind}/{'/'.join(elements)}{partial}"

    def as_full(self) -> Tile:
        return Tile(self.level, self.index, WIDTH, self.entries)


def level_tiles(size: int, level: int, entries: bool = False) -> list[Tile]:
    """The tiles of one level of a tree of ``size`` leaves, full ones then the partial."""
    count = size >> (HEIGHT * level)  # hashes at this level
    tiles = [Tile(level, n, WIDTH, entries) for n in range(count // WIDTH)]
    if count % WIDTH:
        tiles.append(Tile(level, count // WIDTH, count % WIDTH, entries))
    return tiles


def levels(size: int) -> int:
    """How many tile levels a tree of ``size`` leaves has."""
    found = 0
    while size >> (HEIGHT * found):
        found += 1
    return found


# --- the tree ------------------------------------------------------------------------

ReadTile = Callable[[Tile], bytes]


class TileTree:
    """The tree of ``size`` leaves whose tiles ``read`` returns (already checked)."""

    def __init__(self, size: int, read: ReadTile) -> None:
        self.size = size
        self._read = read
        self._tiles: dict[tuple[int, int], list[bytes]] = {}

    def _tile(self, level: int, index: int) -> list[bytes]:
        found = self._tiles.get((level, index))
        if found is None:
            count = self.size >> (HEIGHT * level)
            width = min(WIDTH, count - index * WIDTH)
            if width <= 0:
                raise ValueError(f"a tree of {self.size} has no tile {level}/{index}")
            data = self._read(Tile(level, index, width))
            if len(data) != width * HASH:
                raise ValueError(f"tile {level}/{index} is {len(data)} bytes, not {width * HASH}")
            found = [data[i : i + HASH] for i in range(0, len(data), HASH)]
            if len(self._tiles) >= CACHED:
                self._tiles.clear()
            self._tiles[(level, index)] = found
        return found

    def perfect(self, height: int, index: int) -> bytes:
        """The hash of the perfect subtree of ``2^height`` leaves at ``index``."""
        level, rest = divmod(height, HEIGHT)
        first = index << rest  # its first hash at tree height 8·level
        hashes = self._tile(level, first // WIDTH)
        at = first % WIDTH
        return perfect_root(hashes[at : at + (1 << rest)])

    def subtree(self, start: int, n: int) -> bytes:
        """MTH(D[start : start + n]), ``start`` a multiple of the split as in RFC 9162."""
        if n & (n - 1) == 0:
            return self.perfect(n.bit_length() - 1, start // n)
        k = _split(n)
        return node_hash(self.subtree(start, k), self.subtree(start + k, n - k))

    def root(self, n: int | None = None) -> bytes:
        """The tree head of the first ``n`` leaves (all of them by default)."""
        n = self.size if n is None else n
        self._within(n)
        return hashlib.sha256(b"").digest() if n == 0 else self.subtree(0, n)

    def inclusion(self, index: int, n: int | None = None) -> list[bytes]:
        """RFC 9162 PATH(index, D[n]): sibling hashes from the leaf up."""
        n = self.size if n is None else n
        self._within(n)
        if not 0 <= index < n:
            raise ValueError(f"leaf {index} is not in a tree of {n}")
        path: list[bytes] = []
        start = 0
        while n > 1:  # from the root down; the path lists siblings bottom-up
            k = _split(n)
            if index - start < k:
                path.insert(0, self.subtree(start + k, n - k))
                n = k
            else:
                path.insert(0, self.subtree(start, k))
                start, n = start + k, n - k
        return path

    def consistency(self, m: int, n: int | None = None) -> list[bytes]:
        """RFC 9162 PROOF(m, D[n]): the tree of ``n`` leaves extends that of ``m``."""
        n = self.size if n is None else n
        self._within(n)
        if not 0 <= m <= n:
            raise ValueError(f"no consistency proof from {m} to {n}")
        if m in (0, n):
            return []
        proof: list[bytes] = []
        start, complete = 0, True
        while m != n:
            k = _split(n)
            if m <= k:
                proof.insert(0, self.subtree(start + k, n - k))
                n = k
            else:
                proof.insert(0, self.subtree(start, k))
                start, m, n, complete = start + k, m - k, n - k, False
        if not complete:
            proof.insert(0, self.subtree(start, n))
        return proof

    def _within(self, n: int) -> None:
        if not 0 <= n <= self.size:
            raise ValueError(f"a tree of {self.size} leaves has no head at {n}")


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (``n`` > 1)."""
    return 1 << ((n - 1).bit_length() - 1)
