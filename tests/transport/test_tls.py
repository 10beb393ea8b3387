"""The TLS contexts: a node's server context and the hub's client context agree, a
client without a certificate is refused where one is required, bad files are named."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from statelink.errors import UsageError
from statelink.pki import Pki
from statelink.pki import init as pki_init
from statelink.transport.tls import client_context, server_context


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return pki_init(tmp_path_factory.mktemp("pki"), states=["WA"], members=["ice"])


def _handshake(server: ssl.SSLContext, client: ssl.SSLContext) -> bytes | None:
    """Run a TLS handshake in memory; the client certificate the server got (DER)."""
    to_server, to_client = ssl.MemoryBIO(), ssl.MemoryBIO()
    server_side = server.wrap_bio(to_server, to_client, server_side=True)
    client_side = client.wrap_bio(to_client, to_server, server_hostname="localhost")
    pending = [client_side, server_side]
    for _ in range(10):
        for side in list(pending):
            try:
                side.do_handshake()
                pending.remove(side)
            except ssl.SSLWantReadError:
                pass
        if not pending:
            return server_side.getpeercert(binary_form=True)
    raise AssertionError("the handshake did not finish")


def _node(pki: Pki, client_cert: ssl.VerifyMode) -> ssl.SSLContext:
    return server_context(
        cert=pki.node("WA"), key=pki.node_key("WA"), ca=pki.ca, client_cert=client_cert
    )


def test_the_hub_and_a_node_shake_hands_with_both_certificates(pki: Pki) -> None:
    hub = client_context(ca=pki.ca, cert=pki.hub, key=pki.hub_key)
    seen = _handshake(_node(pki, ssl.CERT_REQUIRED), hub)
    assert seen is not None
    assert ssl.DER_cert_to_PEM_cert(seen).strip() in pki.hub.read_text()


def test_a_client_certificate_is_required_or_optional(pki: Pki) -> None:
    anonymous = client_context(ca=pki.ca)
    with pytest.raises(ssl.SSLError):
        _handshake(_node(pki, ssl.CERT_REQUIRED), anonymous)
    assert _handshake(_node(pki, ssl.CERT_OPTIONAL), anonymous) is None


def test_a_server_outside_the_ca_is_refused(pki: Pki, tmp_path: Path) -> None:
    other = pki_init(tmp_path, states=["WA"])
    with pytest.raises(ssl.SSLCertVerificationError):
        _handshake(_node(other, ssl.CERT_OPTIONAL), client_context(ca=pki.ca))


def test_files_that_cannot_be_loaded_are_named(pki: Pki, tmp_path: Path) -> None:
    missing = tmp_path / "nothing.pem"
    with pytest.raises(UsageError, match=r"nothing\.pem"):
        client_context(ca=missing)
    with pytest.raises(UsageError, match="cannot load TLS files"):
        server_context(cert=pki.ca, key=pki.hub_key, ca=pki.ca, client_cert=ssl.CERT_REQUIRED)
