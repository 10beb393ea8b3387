"""The independent verifier: reference vectors pass, every corruption fails."""

from __future__ import annotations

import base64
import hashlib

import pytest

from statelink.audit import verifier as v
from statelink.audit.merkle import leaf_hash
from tests.audit.vectors import (
    CONSISTENCY,
    GO_NOTE,
    GO_TEXT,
    GO_VERIFIER_KEY,
    INCLUSION,
    LEAVES,
    ROOTS,
)

SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
EMPTY = hashlib.sha256(b"").digest()


def _flip(path: list[bytes], i: int) -> list[bytes]:
    changed = list(path)
    changed[i] = bytes([changed[i][0] ^ 8]) + changed[i][1:]
    return changed


@pytest.mark.parametrize(("index", "size", "hexpath"), INCLUSION)
def test_inclusion_vectors_and_their_corruptions(index: int, size: int, hexpath: list[str]) -> None:
    path = [bytes.fromhex(h) for h in hexpath]
    leaf, root = leaf_hash(LEAVES[index]), ROOTS[size - 1]
    v.verify_inclusion(leaf, index, size, path, root)
    corrupt = [
        (index - 1, size, leaf, path, root),
        (index + 1, size, leaf, path, root),
        (index ^ 2, size, leaf, path, root),
        (index, size * 2, leaf, path, root),
        (index, size // 2, leaf, path, root),
        (index, size, b"WrongLeaf", path, root),
        (index, size, leaf, path, EMPTY),
        (index, size, leaf, path, SOME_HASH),
        (index, size, leaf, [*path, b""], root),
        (index, size, leaf, [*path, root], root),
        (index, size, leaf, [b"", *path], root),
        (index, size, leaf, [root, *path], root),
        (index, size, leaf, path[:-1], root),
        *((index, size, leaf, _flip(path, i), root) for i in range(len(path))),
    ]
    for args in corrupt:
        with pytest.raises(v.VerificationError):
            v.verify_inclusion(args[2], args[0], args[1], args[3], args[4])


@pytest.mark.parametrize(("first", "second", "hexpath"), CONSISTENCY)
def test_consistency_vectors_and_their_corruptions(
    first: int, second: int, hexpath: list[str]
) -> None:
    path = [bytes.fromhex(h) for h in hexpath]
    r1, r2 = ROOTS[first - 1], ROOTS[second - 1]
    v.verify_consistency(first, second, r1, r2, path)
    corrupt = [
        (first - 1, second, r1, r2, path),
        (first + 1, second, r1, r2, path),
        (first ^ 2, second, r1, r2, path),
        (first, second * 2, r1, r2, path),
        (first, second // 2, r1, r2, path),
        (first, second, b"WrongRoot", r2, path),
        (first, second, r1, b"WrongRoot", path),
        (first, second, r2, r1, path),
        (first, second, r1, r2, []),
        (first, second, r1, r2, [*path, b""]),
        (first, second, r1, r2, [*path, r1]),
        (first, second, r1, r2, [b"", *path]),
        (first, second, r1, r2, [r2, *path]),
        (first, second, r1, r2, path[:-1]),
        *((first, second, r1, r2, _flip(path, i)) for i in range(len(path))),
    ]
    for args in corrupt:
        with pytest.raises(v.VerificationError):
            v.verify_consistency(*args)


def test_trivial_consistency() -> None:
    v.verify_consistency(0, 5, b"x", ROOTS[4], [])
    v.verify_consistency(3, 3, ROOTS[2], ROOTS[2], [])
    with pytest.raises(v.VerificationError):
        v.verify_consistency(3, 3, ROOTS[2], ROOTS[3], [])
    with pytest.raises(v.VerificationError):
        v.verify_consistency(4, 3, ROOTS[3], ROOTS[2], [])


def test_the_go_reference_note_opens_with_its_key() -> None:
    key = v.VerifierKey.parse(GO_VERIFIER_KEY)
    assert key.name == "PeterNeumann"
    assert key.key_id.hex() == "c74f20a3"
    with pytest.raises(v.VerificationError, match="not a checkpoint"):
        v.open_checkpoint(GO_NOTE, key)  # the signature verifies; the text is no checkpoint
    tampered = GO_NOTE.replace("answer", "ANSWER")
    with pytest.raises(v.VerificationError, match="does not verify"):
        v.open_checkpoint(tampered, key)


@pytest.mark.parametrize(
    "mangled",
    [
        GO_VERIFIER_KEY.replace("c74f20a3", "c74f20a4"),  # key id no longer matches
        GO_VERIFIER_KEY[:-2],  # key too short
        "PeterNeumann+c74f20a3",  # no key
        GO_VERIFIER_KEY.replace("+ARpc", "+Alpc"),  # another key, same id
    ],
)
def test_mangled_verifier_keys_are_refused(mangled: str) -> None:
    with pytest.raises(v.VerificationError):
        v.VerifierKey.parse(mangled)


def test_unknown_signatures_are_ignored_and_none_known_fails() -> None:
    key = v.VerifierKey.parse(GO_VERIFIER_KEY)
    other = GO_TEXT + "\n\u2014 SomeoneElse " + base64.b64encode(b"\0" * 68).decode() + "\n"
    with pytest.raises(v.VerificationError, match="no signature by PeterNeumann"):
        v.open_checkpoint(other, key)
    with pytest.raises(v.VerificationError, match="blank line"):
        v.open_checkpoint(GO_TEXT, key)
