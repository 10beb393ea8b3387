"""The Merkle tree of an audit log, as RFC 9162 (Certificate Transparency v2) defines it.

- leaf hash ``SHA-256(0x00 || leaf)``, node hash ``SHA-256(0x01 || left || right)``;
- the tree head of ``n`` leaves splits at ``k``, the largest power of two below ``n``;
- inclusion paths (``PATH``) and consistency proofs (``PROOF``/``SUBPROOF``) as in
  sections 2.1.3.1 and 2.1.4.1.

A log stores the hash of every perfect subtree (level ``l``, index ``i`` covers leaves
``i·2^l`` to ``(i+1)·2^l``); any other subtree hash is folded from those, so a proof on a
log of millions of leaves needs a few dozen lookups. This is the prover's side; the
verifier (:mod:`statelink.audit.verifier`) shares none of this code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

EMPTY_ROOT = hashlib.sha256(b"").digest()

Perfect = Callable[[int, int], bytes]
"""Hash of the perfect subtree at (level, index)."""


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """The largest power of two smaller than ``n`` (``n`` > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


@dataclass
class CompactRange:
    """The right edge of a growing tree: enough to append leaves and compute the head.

    ``stack`` holds (level, hash) of the perfect subtrees covering leaves 0 to ``size``,
    largest first; appending a leaf merges equal levels, and each merge is a new stored
    node.
    """

    size: int = 0
    stack: list[tuple[int, bytes]] = field(default_factory=list)

    def append(self, hashed_leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf hash; return the new perfect-subtree nodes (level, index, hash)."""
        index = self.size
        new = [(0, index, hashed_leaf)]
        self.stack.append((0, hashed_leaf))
        while len(self.stack) > 1 and self.stack[-1][0] == self.stack[-2][0]:
            level, right = self.stack.pop()
            _, left = self.stack.pop()
            parent = node_hash(left, right)
            self.stack.append((level + 1, parent))
            new.append((level + 1, index >> (level + 1), parent))
        self.size += 1
        return new

    def root(self) -> bytes:
        if not self.stack:
            return EMPTY_ROOT
        result = self.stack[-1][1]
        for _, hashed in reversed(self.stack[:-1]):
            result = node_hash(hashed, result)
        return result

    def copy(self) -> CompactRange:
        return CompactRange(self.size, list(self.stack))

    @classmethod
    def at(cls, size: int, perfect: Perfect) -> CompactRange:
        """The right edge of a stored tree of ``size`` leaves."""
        stack = []
        start = 0
        for level in reversed(range(size.bit_length())):
            if size & (1 << level):
                stack.append((level, perfect(level, start >> level)))
                start += 1 << level
        return cls(size, stack)


class TreeReader:
    """Tree heads and proofs over stored perfect-subtree hashes."""

    def __init__(self, perfect: Perfect) -> None:
        self._perfect = perfect

    def subtree(self, start: int, size: int) -> bytes:
        """MTH of leaves ``start`` .. ``start + size`` (``start`` aligned as in the RFC)."""
        if size & (size - 1) == 0 and start % size == 0:
            return self._perfect(size.bit_length() - 1, start // size)
        k = split(size)
        return node_hash(self.subtree(start, k), self.subtree(start + k, size - k))

    def root(self, size: int) -> bytes:
        return EMPTY_ROOT if size == 0 else self.subtree(0, size)

    def inclusion(self, index: int, size: int) -> list[bytes]:
        """PATH(index, D[size]): sibling hashes from the leaf up to the root."""
        if not 0 <= index < size:
            raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
        return self._path(index, 0, size)

    def _path(self, m: int, start: int, n: int) -> list[bytes]:
        if n == 1:
            return []
        k = split(n)
        if m < k:
            return [*self._path(m, start, k), self.subtree(start + k, n - k)]
        return [*self._path(m - k, start + k, n - k), self.subtree(start, k)]

    def consistency(self, first: int, second: int) -> list[bytes]:
        """PROOF(first, D[second]): the tree of ``second`` leaves extends that of ``first``."""
        if not 0 <= first <= second:
            raise ValueError(f"no consistency proof from {first} to {second} leaves")
        if first in (0, second):
            return []
        return self._subproof(first, 0, second, True)

    def _subproof(self, m: int, start: int, n: int, complete: bool) -> list[bytes]:
        if m == n:
            return [] if complete else [self.subtree(start, n)]
        k = split(n)
        if m <= k:
            return [*self._subproof(m, start, k, complete), self.subtree(start + k, n - k)]
        return [*self._subproof(m - k, start + k, n - k, False), self.subtree(start, k)]


def root_of(leaves: Iterable[bytes]) -> bytes:
    """The tree head of some leaves (raw leaf data), computed in one pass."""
    compact = CompactRange()
    for leaf in leaves:
        compact.append(leaf_hash(leaf))
    return compact.root()
