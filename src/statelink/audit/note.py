"""Signed checkpoints of an audit log: C2SP ``tlog-checkpoint`` notes signed with Ed25519.

A checkpoint's text is the log's origin, its size and its root hash (base64), one per
line; the signature line is ``— <name> base64(key ID || Ed25519 signature of the text)``
with key ID ``SHA-256(name || 0x0A || 0x01 || public key)[:4]`` (C2SP ``signed-note``).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = b"\x01"


class NoteSigner:
    def __init__(self, name: str, key: Ed25519PrivateKey) -> None:
        if not name or any(c.isspace() or c == "+" for c in name):
            raise ValueError("a key name has no spaces and no '+'")
        self.name = name
        self._key = key
        self._public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = hashlib.sha256(name.encode() + b"\n" + ED25519 + self._public).digest()[:4]

    def verifier_key(self) -> str:
        """``name+hash+base64(0x01 || public key)``: what an auditor needs to verify."""
        return (
            f"{self.name}+{self.key_id.hex()}+{base64.b64encode(ED25519 + self._public).decode()}"
        )

    def sign(self, text: str) -> str:
        """The signed note: the text, a blank line, the signature line."""
        if not text.endswith("\n"):
            raise ValueError("a note text ends with a newline")
        signature = self._key.sign(text.encode())
        encoded = base64.b64encode(self.key_id + signature).decode()
        return f"{text}\n\u2014 {self.name} {encoded}\n"

    def checkpoint(self, size: int, root: bytes) -> str:
        """A signed checkpoint of the log named ``name`` at ``size`` leaves."""
        return self.sign(f"{self.name}\n{size}\n{base64.b64encode(root).decode()}\n")
