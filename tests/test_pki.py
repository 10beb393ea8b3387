"""The development PKI: a CA, the hub, nodes and members, usable for mutual TLS."""

from __future__ import annotations

import ssl
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from statelink.errors import UsageError
from statelink.pki import Pki, fingerprint_of, init, issue_member


def _eku(path: Path) -> set[x509.ObjectIdentifier]:
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    return set(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)


def test_init_makes_a_ca_and_certificates_that_chain_to_it(tmp_path: Path) -> None:
    pki = init(tmp_path / "pki", states=["WA", "OR"], members=["wa-switch"], hosts=["hub.local"])
    assert _eku(pki.hub) == {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH}
    assert _eku(pki.node("WA")) == {ExtendedKeyUsageOID.SERVER_AUTH}
    assert _eku(pki.member("wa-switch")) == {ExtendedKeyUsageOID.CLIENT_AUTH}
    for key in (pki.ca_key, pki.hub_key, pki.node_key("OR"), pki.member_key("wa-switch")):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    hub = x509.load_pem_x509_certificate(pki.hub.read_bytes())
    names = hub.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "hub.local" in names.get_values_for_type(x509.DNSName)
    # the standard library accepts them: a server context and a client context load
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(pki.ca))
    server.load_cert_chain(pki.node("WA"), pki.node_key("WA"))
    client = ssl.create_default_context(cafile=str(pki.ca))
    client.load_cert_chain(pki.member("wa-switch"), pki.member_key("wa-switch"))


def test_a_second_init_needs_force_and_members_can_be_added_later(tmp_path: Path) -> None:
    pki = init(tmp_path, states=["WA"])
    with pytest.raises(UsageError, match="--force"):
        init(tmp_path, states=["WA"])
    first = fingerprint_of(pki.hub)
    issue_member(Pki(tmp_path), "ice-line")
    assert pki.member("ice-line").exists()
    init(tmp_path, states=["WA"], force=True)
    assert fingerprint_of(pki.hub) != first
    with pytest.raises(UsageError, match="member name"):
        issue_member(pki, "bad/name")
