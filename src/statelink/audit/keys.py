"""A node's audit keys, kept in the node's folder and never in the audit store.

- ``audit-ed25519.pem``: the key that signs the log's checkpoints;
- ``record-hmac.key``: the key of the keyed hashes (HMAC-SHA-256) that stand in the audit
  log for released record ids, searched values and operator names: a resident's report
  or a notice can find a record's accesses, but the log holds no personal data in clear.

Both are created on first use, readable by their owner only.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from statelink.audit.note import NoteSigner
from statelink.errors import StoreError

SIGNING_FILE = "audit-ed25519.pem"
HMAC_FILE = "record-hmac.key"
ORIGIN = "statelink.example/audit/{state}"


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


class NodeKeys:
    def __init__(self, state: str, signer: NoteSigner, hmac_key: bytes) -> None:
        self.state = state
        self.signer = signer
        self._keyed = hmac.new(hmac_key, digestmod="sha256")  # keyed once, copied per use

    @classmethod
    def load(cls, state: str, folder: Path, *, create: bool = True) -> NodeKeys:
        signing, secret = folder / SIGNING_FILE, folder / HMAC_FILE
        try:
            if create and not signing.exists():
                key = Ed25519PrivateKey.generate()
                _write_private(
                    signing, key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
                )
            if create and not secret.exists():
                _write_private(secret, secrets.token_bytes(32))
            loaded = load_pem_private_key(signing.read_bytes(), password=None)
            hmac_key = secret.read_bytes()
        except (OSError, ValueError) as e:
            raise StoreError(f"cannot read the {state} audit keys in {folder}: {e}") from e
        if not isinstance(loaded, Ed25519PrivateKey) or len(hmac_key) < 32:
            raise StoreError(f"the {state} audit keys in {folder} are not usable")
        return cls(state, NoteSigner(ORIGIN.format(state=state), loaded), hmac_key)

    def hash(self, value: str) -> str:
        """The keyed hash that stands for a personal value in the log (hex)."""
        keyed = self._keyed.copy()
        keyed.update(value.encode("utf-8"))
        return keyed.hexdigest()
