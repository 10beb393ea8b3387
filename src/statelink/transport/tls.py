"""TLS contexts, built in one place from a certificate, its key and a CA.

The hub reaching its nodes and the CLI reaching a hub use :func:`client_context`; the
hub and node services use :func:`server_context`.
"""

from __future__ import annotations

import ssl
from pathlib import Path

from statelink.errors import UsageError


def client_context(
    *, ca: Path | None, cert: Path | None = None, key: Path | None = None
) -> ssl.SSLContext:
    """TLS for a client that trusts ``ca`` (the system's CAs if None) and presents
    ``cert`` if given."""
    return _context(ssl.Purpose.SERVER_AUTH, ca, cert, key)


def server_context(
    *, cert: Path, key: Path, ca: Path, client_cert: ssl.VerifyMode
) -> ssl.SSLContext:
    """TLS for a server that presents ``cert``; a client certificate, required or optional
    (``client_cert``), must chain to ``ca``."""
    context = _context(ssl.Purpose.CLIENT_AUTH, ca, cert, key)
    context.verify_mode = client_cert
    return context


def _context(
    purpose: ssl.Purpose, ca: Path | None, cert: Path | None, key: Path | None
) -> ssl.SSLContext:
    try:
        context = ssl.create_default_context(purpose, cafile=str(ca) if ca else None)
        if cert is not None:
            context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as e:
        files = ", ".join(str(p) for p in (cert, key, ca) if p is not None)
        raise UsageError(f"cannot load TLS files ({files}): {e}") from None
    return context
