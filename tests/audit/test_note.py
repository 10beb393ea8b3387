"""Signing checkpoints: the prover reproduces the Go reference signature byte for byte."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from statelink.audit import verifier
from statelink.audit.merkle import root_of
from statelink.audit.note import NoteSigner
from tests.audit.vectors import GO_NOTE, GO_SIGNER_KEY, GO_TEXT, GO_VERIFIER_KEY, LEAVES


def _go_signer() -> NoteSigner:
    seed = base64.b64decode(GO_SIGNER_KEY.split("+", 4)[4])  # PRIVATE+KEY+name+hash+key
    assert seed[0] == 1  # the Ed25519 algorithm byte
    return NoteSigner("PeterNeumann", Ed25519PrivateKey.from_private_bytes(seed[1:]))


def test_the_go_reference_note_is_reproduced() -> None:
    signer = _go_signer()
    assert signer.verifier_key() == GO_VERIFIER_KEY
    assert signer.sign(GO_TEXT) == GO_NOTE


def test_a_signed_checkpoint_opens_with_the_independent_verifier() -> None:
    signer = NoteSigner("statelink.example/audit/WA", Ed25519PrivateKey.generate())
    root = root_of(LEAVES)
    note = signer.checkpoint(8, root)
    lines = note.split("\n")
    assert lines[:3] == ["statelink.example/audit/WA", "8", base64.b64encode(root).decode()]
    assert lines[4].startswith("\u2014 statelink.example/audit/WA ")
    opened = verifier.open_checkpoint(note, verifier.VerifierKey.parse(signer.verifier_key()))
    assert (opened.origin, opened.size, opened.root) == ("statelink.example/audit/WA", 8, root)
