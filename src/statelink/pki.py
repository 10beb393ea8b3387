"""A development PKI for the networked mode: one CA, the hub, the state nodes, members.

``statelink pki init`` writes, under one folder (``./statelink-pki`` by default)::

    ca.pem, ca.key                  the development CA (10 years)
    hub.pem, hub.key                the hub: server certificate, and client certificate
                                    towards the nodes (one key pair, both usages)
    nodes/WA.pem, nodes/WA.key      each state node's server certificate
    members/NAME.pem, NAME.key      each member's client certificate

Keys are ECDSA P-256, written 0600. Every server certificate names ``localhost`` and
``127.0.0.1`` plus any ``--host`` given. A state that runs its own PKI skips this: it
points its node at its own certificate and key, and at the hub's certificate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from statelink.errors import UsageError

DEFAULT_HOSTS = ("localhost", "127.0.0.1")
CA_DAYS = 3650
LEAF_DAYS = 825

Key = ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class Pki:
    """Where ``pki init`` put each file."""

    root: Path

    @property
    def ca(self) -> Path:
        return self.root / "ca.pem"

    @property
    def ca_key(self) -> Path:
        return self.root / "ca.key"

    @property
    def hub(self) -> Path:
        return self.root / "hub.pem"

    @property
    def hub_key(self) -> Path:
        return self.root / "hub.key"

    def node(self, state: str) -> Path:
        return self.root / "nodes" / f"{state}.pem"

    def node_key(self, state: str) -> Path:
        return self.root / "nodes" / f"{state}.key"

    def member(self, name: str) -> Path:
        return self.root / "members" / f"{name}.pem"

    def member_key(self, name: str) -> Path:
        return self.root / "members" / f"{name}.key"


def fingerprint(cert_der: bytes) -> str:
    """A certificate's SHA-256 fingerprint, lowercase hex: how statelink pins a certificate."""
    return hashlib.sha256(cert_der).hexdigest()


def fingerprint_of(path: Path) -> str:
    """The SHA-256 fingerprint of the (first) certificate in a PEM file."""
    try:
        cert = x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError) as e:
        raise UsageError(f"{path}: not a readable PEM certificate ({e})") from None
    return fingerprint(cert.public_bytes(serialization.Encoding.DER))


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "statelink development"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _new_key() -> Key:
    return ec.generate_private_key(ec.SECP256R1())


def _write(path: Path, data: bytes, *, secret: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if secret else 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    tmp.replace(path)


def _save(cert: x509.Certificate, key: Key, pem: Path, key_path: Path) -> None:
    _write(
        key_path,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        secret=True,
    )
    _write(pem, cert.public_bytes(serialization.Encoding.PEM))


class Authority:
    """The development CA: issues the hub's, the nodes' and the members' certificates."""

    def __init__(self, cert: x509.Certificate, key: Key) -> None:
        self.cert = cert
        self.key = key

    @classmethod
    def create(cls, now: dt.datetime) -> Authority:
        key = _new_key()
        name = _name("statelink development CA")
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .sign(key, hashes.SHA256())
        )
        return cls(cert, key)

    @classmethod
    def load(cls, pki: Pki) -> Authority:
        try:
            cert = x509.load_pem_x509_certificate(pki.ca.read_bytes())
            key = serialization.load_pem_private_key(pki.ca_key.read_bytes(), password=None)
        except (OSError, ValueError) as e:
            raise UsageError(
                f"no development CA in {pki.root} ({e}); run statelink pki init"
            ) from None
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise UsageError(f"{pki.ca_key}: not an EC key")
        return cls(cert, key)

    def issue(
        self,
        common_name: str,
        *,
        server: bool,
        client: bool,
        hosts: Iterable[str] = (),
        now: dt.datetime,
    ) -> tuple[x509.Certificate, Key]:
        key = _new_key()
        usages = [ExtendedKeyUsageOID.SERVER_AUTH] * server + [
            ExtendedKeyUsageOID.CLIENT_AUTH
        ] * client
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=LEAF_DAYS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), False
            )
        )
        names = list(dict.fromkeys(hosts))
        if names:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([_general_name(h) for h in names]), critical=False
            )
        return builder.sign(self.key, hashes.SHA256()), key


def _general_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def init(
    root: Path,
    *,
    states: Iterable[str],
    members: Iterable[str] = (),
    hosts: Iterable[str] = (),
    force: bool = False,
) -> Pki:
    """Create the CA, the hub's certificate, one per state node and one per member."""
    pki = Pki(root)
    if pki.ca.exists() and not force:
        raise UsageError(f"{root} already holds a CA; pass --force to replace everything in it")
    now = dt.datetime.now(dt.UTC)
    ca = Authority.create(now)
    _write(
        pki.ca_key,
        ca.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        secret=True,
    )
    _write(pki.ca, ca.cert.public_bytes(serialization.Encoding.PEM))
    server_hosts = [*DEFAULT_HOSTS, *hosts]
    cert, key = ca.issue("statelink-hub", server=True, client=True, hosts=server_hosts, now=now)
    _save(cert, key, pki.hub, pki.hub_key)
    for state in states:
        cert, key = ca.issue(
            f"statelink-node-{state}", server=True, client=False, hosts=server_hosts, now=now
        )
        _save(cert, key, pki.node(state), pki.node_key(state))
    for name in members:
        issue_member(pki, name, ca=ca)
    return pki


def issue_member(pki: Pki, name: str, *, ca: Authority | None = None) -> Path:
    """A member's client certificate, signed by the development CA; returns its PEM path."""
    if not name or not all(c.isalnum() or c in "-_." for c in name):
        raise UsageError(f"member name {name!r}: use letters, digits, '-', '_' or '.'")
    ca = ca or Authority.load(pki)
    cert, key = ca.issue(name, server=False, client=True, now=dt.datetime.now(dt.UTC))
    _save(cert, key, pki.member(name), pki.member_key(name))
    return pki.member(name)
