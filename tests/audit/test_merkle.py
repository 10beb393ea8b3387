"""The prover's tree against the published RFC 6962/9162 vectors, and against the verifier."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from statelink.audit import verifier
from statelink.audit.merkle import EMPTY_ROOT, CompactRange, TreeReader, leaf_hash, root_of
from tests.audit.vectors import CONSISTENCY, INCLUSION, LEAVES, ROOTS


def _tree(leaves: list[bytes]) -> TreeReader:
    compact = CompactRange()
    stored: dict[tuple[int, int], bytes] = {}
    for leaf in leaves:
        for level, index, hashed in compact.append(leaf_hash(leaf)):
            stored[(level, index)] = hashed
    return TreeReader(lambda level, index: stored[(level, index)])


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_of_the_reference_tree(size: int) -> None:
    assert root_of(LEAVES[:size]) == ROOTS[size - 1]
    assert _tree(LEAVES[:size]).root(size) == ROOTS[size - 1]
    compact = CompactRange()
    for leaf in LEAVES[:size]:
        compact.append(leaf_hash(leaf))
    assert compact.root() == ROOTS[size - 1]


def test_the_empty_tree() -> None:
    assert root_of([]) == EMPTY_ROOT
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_paths_of_the_reference_tree(index: int, size: int, path: list[str]) -> None:
    assert [p.hex() for p in _tree(LEAVES).inclusion(index, size)] == path


@pytest.mark.parametrize(("first", "second", "path"), CONSISTENCY)
def test_consistency_proofs_of_the_reference_tree(first: int, second: int, path: list[str]) -> None:
    assert [p.hex() for p in _tree(LEAVES).consistency(first, second)] == path


def test_a_stored_tree_reopens_at_its_size() -> None:
    compact = CompactRange()
    stored: dict[tuple[int, int], bytes] = {}
    for leaf in LEAVES[:5]:
        for level, index, hashed in compact.append(leaf_hash(leaf)):
            stored[(level, index)] = hashed
    again = CompactRange.at(5, lambda level, index: stored[(level, index)])
    assert again.root() == compact.root() == ROOTS[4]
    for leaf in LEAVES[5:]:
        again.append(leaf_hash(leaf))
    assert again.root() == ROOTS[7]


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=70))
def test_every_proof_of_any_tree_verifies_independently(size: int) -> None:
    leaves = [f"leaf {n}".encode() for n in range(size)]
    reader = _tree(leaves)
    roots = [reader.root(n) for n in range(size + 1)]
    for index in range(size):
        verifier.verify_inclusion(
            leaf_hash(leaves[index]), index, size, reader.inclusion(index, size), roots[size]
        )
    for first in range(size + 1):
        verifier.verify_consistency(
            first, size, roots[first], roots[size], reader.consistency(first, size)
        )
