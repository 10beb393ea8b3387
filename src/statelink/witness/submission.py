"""The body of a C2SP ``tlog-witness`` ``add-checkpoint`` request, both ways.

::

    old <size>\\n
    <consistency proof hash, base64>\\n      (0 to 63 lines)
    \\n
    <the signed checkpoint note>

Parsing checks the form only (the witness answers 400 to what fails here); signatures
and proofs are checked by the witness with :mod:`statelink.audit.verifier`.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

MAX_PROOF = 63
MAX_BODY = 64 * 1024  # a note with dozens of signatures, and the longest proof, fit
MAX_SIZE = (1 << 63) - 1  # a tree size is an unsigned 64-bit number; the stores hold 63 bits
_SIZE = re.compile(r"0|[1-9][0-9]{0,18}")


class Malformed(ValueError):
    """The body is not an add-checkpoint request (the witness answers 400)."""


@dataclass(frozen=True)
class CheckpointBody:
    """The first three lines of a checkpoint's note text."""

    origin: str
    size: int
    root: bytes


@dataclass(frozen=True)
class Submission:
    old: int
    proof: list[bytes]
    note: str

    def body(self) -> bytes:
        lines = [f"old {self.old}", *(base64.b64encode(p).decode() for p in self.proof)]
        return ("\n".join(lines) + "\n\n" + self.note).encode()

    @classmethod
    def parse(cls, body: bytes) -> Submission:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise Malformed("the request is not UTF-8") from None
        head, blank, note = text.partition("\n\n")
        if not blank:
            raise Malformed("no empty line before the checkpoint")
        first, *proof_lines = head.split("\n")
        if not first.startswith("old ") or size(first[4:]) is None:
            raise Malformed("the first line is not `old <size>` (at most 2^63-1)")
        if len(proof_lines) > MAX_PROOF:
            raise Malformed(f"more than {MAX_PROOF} consistency proof lines")
        proof = [_hash(line) for line in proof_lines]
        checkpoint(note)  # the form of the note, checked here
        return cls(int(first[4:]), proof, note)


def checkpoint(note: str) -> CheckpointBody:
    """The origin, size and root of a signed checkpoint note, checking its form."""
    if any(ord(c) < 0x20 and c != "\n" for c in note):
        raise Malformed("a signed note has no control characters but newlines")
    if not note.endswith("\n") or "\n\n" not in note:
        raise Malformed("the checkpoint is not a signed note")
    text, _, signatures = note.rpartition("\n\n")
    if not signatures.strip("\n") or not all(
        line.startswith("\u2014 ") and len(line.split(" ")) == 3
        for line in signatures.rstrip("\n").split("\n")
    ):
        raise Malformed("the checkpoint's signature lines are not note signatures")
    lines = text.split("\n")
    if len(lines) < 3 or not lines[0] or not all(lines[3:]):
        raise Malformed("a checkpoint has an origin, a size and a root hash")
    tree_size = size(lines[1])
    if tree_size is None:
        raise Malformed("the checkpoint's size is not a decimal number up to 2^63-1")
    return CheckpointBody(lines[0], tree_size, _hash(lines[2]))


def size(text: str) -> int | None:
    """A tree size written in decimal without leading zeros, up to 2^63-1; else None."""
    if not _SIZE.fullmatch(text):
        return None
    value = int(text)
    return value if value <= MAX_SIZE else None


def _hash(line: str) -> bytes:
    try:
        value = base64.b64decode(line, validate=True)
    except binascii.Error:
        raise Malformed("a hash line is not base64") from None
    if len(value) != 32:
        raise Malformed("a hash line does not hold 32 bytes")
    return value
