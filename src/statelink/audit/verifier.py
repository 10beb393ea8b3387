"""An independent verifier of statelink audit logs.

It follows only RFC 9162 (section 2.1.3.2 inclusion, 2.1.4.2 consistency) and the C2SP
``signed-note`` and ``tlog-checkpoint`` specifications, and shares no code with the
prover (:mod:`statelink.audit.merkle`, :mod:`statelink.audit.note`) except SHA-256 itself:
an auditor can read this one file and check a log without trusting the rest.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

ED25519 = 0x01


class VerificationError(Exception):
    """A proof, signature or log did not verify; ``index`` is the first bad leaf if known."""

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _leaf(data: bytes) -> bytes:
    return _sha(b"\x00" + data)


def _node(left: bytes, right: bytes) -> bytes:
    return _sha(b"\x01" + left + right)


# --- RFC 9162 proofs ---------------------------------------------------------------


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, path: list[bytes], root: bytes
) -> None:
    """RFC 9162, 2.1.3.2: raise unless ``path`` proves leaf ``index`` in the tree ``root``."""
    if index >= size or index < 0:
        raise VerificationError(f"leaf index {index} is outside a tree of {size}")
    fn, sn, r = index, size - 1, leaf_hash
    for p in path:
        if sn == 0:
            raise VerificationError("inclusion path is too long")
        if fn & 1 or fn == sn:
            r = _node(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = _node(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0 or r != root:
        raise VerificationError("inclusion path does not lead to the root")


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, path: list[bytes]
) -> None:
    """RFC 9162, 2.1.4.2: raise unless the tree of ``second`` leaves extends that of ``first``."""
    if first < 0 or first > second:
        raise VerificationError(f"no consistency from {first} to {second} leaves")
    if first == second:
        if path or first_root != second_root:
            raise VerificationError("equal sizes need equal roots and an empty proof")
        return
    if first == 0:
        if path:
            raise VerificationError("a proof from the empty tree must be empty")
        return
    if not path:
        raise VerificationError("empty consistency proof")
    proof = list(path)
    if first & (first - 1) == 0:
        proof.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            raise VerificationError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = _node(c, fr)
            sr = _node(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = _node(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0 or fr != first_root or sr != second_root:
        raise VerificationError("consistency proof does not match the roots")


# --- C2SP signed notes and checkpoints ------------------------------------------------


@dataclass(frozen=True)
class VerifierKey:
    name: str
    key_id: bytes
    public: Ed25519PublicKey

    @classmethod
    def parse(cls, text: str) -> VerifierKey:
        """``name+hash+base64(0x01 || key)``, the note verifier-key format."""
        try:
            name, key_hash, encoded = text.strip().split("+", 2)  # base64 may hold '+'
            raw = base64.b64decode(encoded, validate=True)
            key_id = bytes.fromhex(key_hash)
        except (ValueError, binascii.Error):
            raise VerificationError("not a verifier key (name+hash+key)") from None
        if len(raw) != 33 or raw[0] != ED25519 or len(key_id) != 4:
            raise VerificationError("not an Ed25519 verifier key")
        expected = _sha(name.encode() + b"\n" + raw)[:4]
        if expected != key_id:
            raise VerificationError("the verifier key's hash does not match its key")
        return cls(name, key_id, Ed25519PublicKey.from_public_bytes(raw[1:]))


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    text: str  # the signed note text


def open_checkpoint(note: str, key: VerifierKey) -> Checkpoint:
    """Verify a signed checkpoint with ``key`` and return its contents."""
    if "\n\n" not in note:
        raise VerificationError("not a signed note: no blank line before the signatures")
    text, _, signatures = note.rpartition("\n\n")
    text += "\n"
    verified = False
    for line in signatures.splitlines():
        if not line.startswith("\u2014 "):
            raise VerificationError(f"not a signature line: {line[:40]!r}")
        name, _, encoded = line[2:].rpartition(" ")
        try:
            blob = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise VerificationError("signature is not base64") from None
        if name != key.name or blob[:4] != key.key_id:
            continue  # a signature by some other key: ignored, as the spec says
        try:
            key.public.verify(blob[4:], text.encode())
        except InvalidSignature:
            raise VerificationError("the checkpoint signature does not verify") from None
        verified = True
    if not verified:
        raise VerificationError(f"no signature by {key.name} on the checkpoint")
    lines = text.split("\n")
    try:
        origin, size, root = lines[0], int(lines[1]), base64.b64decode(lines[2], validate=True)
    except (IndexError, ValueError, binascii.Error):
        raise VerificationError("the note is not a checkpoint") from None
    if not origin or len(root) != 32 or str(size) != lines[1]:
        raise VerificationError("the note is not a checkpoint")
    return Checkpoint(origin, size, root, text)


# --- the whole log -----------------------------------------------------------------


@dataclass(frozen=True)
class LogReport:
    size: int
    root: bytes
    checkpoints: int
    unsigned_tail: int  # records after the latest checkpoint


def verify_log(
    leaves: Iterable[tuple[int, bytes, bytes]], checkpoints: list[Checkpoint]
) -> LogReport:
    """Recompute the tree from ``(seq, leaf bytes, stored leaf hash)`` in order.

    Each leaf must carry its own index (``"seq"`` in its JSON) and hash to the stored
    value; each signed checkpoint must match the recomputed root at its size. Raise
    :class:`VerificationError` naming the first bad index.
    """
    for empty in (c for c in checkpoints if c.size == 0):
        if empty.root != _sha(b""):
            raise VerificationError("a checkpoint of the empty log has a wrong root", 0)
    due = sorted((c for c in checkpoints if c.size), key=lambda c: c.size)
    stack: list[tuple[int, bytes]] = []
    size = 0
    first_unsure = 0  # the first index after the last checkpoint that matched
    for seq, leaf, stored in leaves:
        if seq != size:
            raise VerificationError(f"record {size} is missing (found {seq} in its place)", size)
        try:
            claimed = json.loads(leaf)["seq"]
        except (ValueError, KeyError, TypeError):
            raise VerificationError(f"record {seq} is not an audit record", seq) from None
        if claimed != seq:
            raise VerificationError(f"record {seq} says it is record {claimed}", seq)
        hashed = _leaf(leaf)
        if hashed != stored:
            raise VerificationError(f"record {seq} was changed after it was logged", seq)
        stack.append((0, hashed))
        while len(stack) > 1 and stack[-1][0] == stack[-2][0]:
            level, right = stack.pop()
            stack[-1] = (level + 1, _node(stack[-1][1], right))
        size += 1
        while due and due[0].size == size:
            checkpoint = due.pop(0)
            if _fold(stack) != checkpoint.root:
                raise VerificationError(
                    f"records {first_unsure} to {size - 1} do not match the checkpoint signed "
                    f"at size {size}",
                    first_unsure,
                )
            first_unsure = size
    if due:
        raise VerificationError(
            f"the log has {size} records but a checkpoint was signed at "
            f"size {due[0].size}: records were removed",
            size,
        )
    return LogReport(size, _fold(stack), len(checkpoints), size - first_unsure)


def verify_nodes(size: int, level: Callable[[int], Iterable[tuple[int, bytes]]]) -> None:
    """Every stored subtree hash above the leaves is the hash of its two children.

    ``level(l)`` streams the stored ``(index, hash)`` of level ``l`` in order (level 0,
    the leaf hashes, is checked against the leaves by :func:`verify_log`). A log of
    ``size`` leaves stores exactly ``size >> l`` subtrees at level ``l``. Raise naming the
    first leaf under the first bad subtree: a wrong stored hash would make every proof
    and tile through it fail at the reader.
    """
    height = 1
    while size >> height:
        children = iter(level(height - 1))
        expected = 0
        for index, hashed in level(height):
            first = expected << height
            left, right = next(children, None), next(children, None)
            if index != expected or left is None or right is None:
                raise VerificationError(
                    f"the stored subtrees of level {height} are not in place at leaf {first}",
                    first,
                )
            if _node(left[1], right[1]) != hashed:
                last = ((index + 1) << height) - 1
                raise VerificationError(
                    f"the stored hash of records {first} to {last} does not match its children",
                    first,
                )
            expected += 1
        rest = sum(1 for _ in children)
        if expected != size >> height or rest != (size >> (height - 1)) & 1:
            raise VerificationError(
                f"level {height} of the stored tree has {expected} subtrees (and level "
                f"{height - 1} {rest} more); a log of {size} has {size >> height}",
                min(expected << height, size),
            )
        height += 1


def _fold(stack: list[tuple[int, bytes]]) -> bytes:
    if not stack:
        return _sha(b"")
    result = stack[-1][1]
    for _, hashed in reversed(stack[:-1]):
        result = _node(hashed, result)
    return result


# --- C2SP tlog-cosignature (cosignature/v1, Ed25519) ----------------------------------

COSIGNATURE_V1 = 0x04


@dataclass(frozen=True)
class CosignerKey:
    """A witness's verifier key: ``name+hash+base64(0x04 || Ed25519 public key)``."""

    name: str
    key_id: bytes
    public: Ed25519PublicKey

    @classmethod
    def parse(cls, text: str) -> CosignerKey:
        try:
            name, key_hash, encoded = text.strip().split("+", 2)
            raw = base64.b64decode(encoded, validate=True)
            key_id = bytes.fromhex(key_hash)
        except (ValueError, binascii.Error):
            raise VerificationError("not a verifier key (name+hash+key)") from None
        if not name or len(raw) != 33 or raw[0] != COSIGNATURE_V1 or len(key_id) != 4:
            raise VerificationError("not an Ed25519 cosignature/v1 verifier key (type 0x04)")
        if _sha(name.encode() + b"\n" + raw)[:4] != key_id:
            raise VerificationError("the verifier key's hash does not match its key")
        return cls(name, key_id, Ed25519PublicKey.from_public_bytes(raw[1:]))


@dataclass(frozen=True)
class Cosignature:
    """A verified cosignature: who, when (POSIX seconds) and over which tree."""

    name: str
    timestamp: int
    size: int
    line: str  # the signature line, without its newline


def note_text(note: str) -> str:
    """The text of a signed note (up to its last blank line, with its final newline)."""
    if "\n\n" not in note:
        raise VerificationError("not a signed note: no blank line before the signatures")
    return note.rpartition("\n\n")[0] + "\n"


def verify_cosignature(text: str, line: str, key: CosignerKey) -> Cosignature | None:
    """Check one signature line over a checkpoint's note ``text`` with a witness's key.

    None if the line is by another key (name or key ID differ: ignored, as signed-note
    says); raise if it is by this key and does not verify.
    """
    if not line.startswith("\u2014 "):
        raise VerificationError(f"not a signature line: {line[:40]!r}")
    name, _, encoded = line[2:].rstrip("\n").rpartition(" ")
    try:
        blob = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise VerificationError("cosignature is not base64") from None
    if name != key.name or blob[:4] != key.key_id:
        return None
    if len(blob) != 4 + 8 + 64:
        raise VerificationError(f"a cosignature by {key.name} has the wrong length")
    timestamp = int.from_bytes(blob[4:12], "big")
    if timestamp == 0 or timestamp >= 1 << 63:
        raise VerificationError(f"a cosignature by {key.name} has no valid timestamp")
    message = f"cosignature/v1\ntime {timestamp}\n{text}"
    try:
        key.public.verify(blob[12:], message.encode())
    except InvalidSignature:
        raise VerificationError(f"the cosignature by {key.name} does not verify") from None
    try:
        size = int(text.split("\n")[1])
    except (IndexError, ValueError):
        raise VerificationError("the cosigned note is not a checkpoint") from None
    return Cosignature(key.name, timestamp, size, line.rstrip("\n"))


def cosignatures(note: str, key: CosignerKey) -> list[Cosignature]:
    """Every valid cosignature by ``key`` on a signed note (raise if one by it is bad)."""
    text = note_text(note)
    found = []
    for line in note.rpartition("\n\n")[2].splitlines():
        cosigned = verify_cosignature(text, line, key)
        if cosigned is not None:
            found.append(cosigned)
    return found
