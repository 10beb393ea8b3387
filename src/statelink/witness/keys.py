"""A witness's identity: a name and an Ed25519 key that makes ``cosignature/v1`` lines.

Kept in the witness's folder: ``witness-ed25519.pem`` (readable by its owner only) and
``witness.json`` (its name). The signed message is ``cosignature/v1\\n`` ``time <secs>\\n``
and the checkpoint's note text; the line is ``— <name> base64(key ID || timestamp (u64,
big-endian) || signature)`` with key ID ``SHA-256(name || 0x0A || 0x04 || public key)[:4]``
(C2SP ``tlog-cosignature``). Verifying belongs to :mod:`statelink.audit.verifier`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

from statelink.errors import NotFound, StoreError, UsageError

KEY_FILE = "witness-ed25519.pem"
NAME_FILE = "witness.json"
COSIGNATURE_V1 = b"\x04"


class WitnessKey:
    def __init__(self, name: str, key: Ed25519PrivateKey) -> None:
        if not name or any(c.isspace() or c == "+" for c in name):
            raise UsageError(f"a witness name has no spaces and no '+', given {name!r}")
        self.name = name
        self._key = key
        self._public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = hashlib.sha256(
            name.encode() + b"\n" + COSIGNATURE_V1 + self._public
        ).digest()[:4]

    @classmethod
    def create(cls, folder: Path, name: str) -> WitnessKey:
        """A new key in ``folder`` (refused if the folder already holds one)."""
        key = Ed25519PrivateKey.generate()
        witness = cls(name, key)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(folder / KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
            (folder / NAME_FILE).write_text(json.dumps({"name": name}) + "\n", encoding="utf-8")
        except FileExistsError:
            raise UsageError(f"{folder} already holds a witness key") from None
        except OSError as e:
            raise StoreError(f"cannot write the witness key in {folder}: {e.strerror}") from e
        return witness

    @classmethod
    def load(cls, folder: Path) -> WitnessKey:
        if not (folder / KEY_FILE).exists():
            raise NotFound(f"{folder} holds no witness: run `statelink witness init` first")
        try:
            name = json.loads((folder / NAME_FILE).read_text(encoding="utf-8"))["name"]
            key = load_pem_private_key((folder / KEY_FILE).read_bytes(), password=None)
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise StoreError(f"cannot read the witness key in {folder}: {e}") from e
        if not isinstance(key, Ed25519PrivateKey) or not isinstance(name, str):
            raise StoreError(f"the witness key in {folder} is not an Ed25519 key")
        return cls(name, key)

    def verifier_key(self) -> str:
        """``name+hash+base64(0x04 || public key)``: what logs and auditors configure."""
        encoded = base64.b64encode(COSIGNATURE_V1 + self._public).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    def cosign(self, text: str, timestamp: int | None = None) -> str:
        """The cosignature line (with its newline) over a checkpoint's note text."""
        if not text.endswith("\n"):
            raise ValueError("a note text ends with a newline")
        when = int(time.time()) if timestamp is None else timestamp
        if not 0 < when < 1 << 63:
            raise ValueError("a cosignature's timestamp is positive and below 2^63")
        signature = self._key.sign(f"cosignature/v1\ntime {when}\n{text}".encode())
        blob = self.key_id + when.to_bytes(8, "big") + signature
        return f"\u2014 {self.name} {base64.b64encode(blob).decode()}\n"
