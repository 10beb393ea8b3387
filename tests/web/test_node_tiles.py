"""A node service (a real ``statelink serve node`` process, TLS on loopback) serves its
checkpoint and hash tiles to anyone and its entry bundles to a certificate from the
network's CA, while everything outside ``/logs/`` answers only the hub."""

from __future__ import annotations

import json
import logging
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from statelink.nation import Layout
from statelink.pki import Pki
from statelink.pki import init as pki_init
from statelink.processes import ProcessNetwork, Service
from statelink.web.node_service import Refusals
from tests.audit.synthetic import grow
from tests.conftest import Run, copy_nation


@dataclass
class Node:
    url: str
    pki: Pki
    key: str
    service: Service

    def anyone(self) -> httpx.Client:
        """A client with no certificate: it trusts the network's CA, and that is all."""
        return httpx.Client(verify=ssl.create_default_context(cafile=str(self.pki.ca)))

    def holding(self, cert: Path, key: Path) -> httpx.Client:
        """A client presenting ``cert`` (from the network's CA)."""
        context = ssl.create_default_context(cafile=str(self.pki.ca))
        context.load_cert_chain(cert, key)
        return httpx.Client(verify=context)

    def auditor(self) -> httpx.Client:
        return self.holding(self.pki.member("auditor"), self.pki.member_key("auditor"))


@pytest.fixture(scope="module")
def node(layout: Layout, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    root = tmp_path_factory.mktemp("node-tiles")
    own = copy_nation(layout, root / "nation")
    keys = grow(own.audit("WA"), own.keys("WA"), [600])
    pki = pki_init(root / "pki", states=["WA"], members=["auditor"])  # `pki member auditor`
    with ProcessNetwork(own, pki, ["WA"], root / "logs") as processes:
        served = processes.nodes["WA"]
        yield Node(served.url, pki, keys.signer.verifier_key(), served)


def test_a_client_without_a_certificate_reads_tiles_but_not_the_node(node: Node) -> None:
    with node.anyone() as client:
        health = client.get(f"{node.url}/v1/health")
        assert health.status_code == 403
        assert health.json()["code"] == "forbidden"
        sent = client.post(f"{node.url}/v1/node/messages", content=b"{}")
        assert sent.status_code == 403
        for path in ("/v1/no-such-route", "/logs", "/", "/openapi.json", "/logsWA/checkpoint"):
            refused = client.get(node.url + path)  # the middleware, before any route
            assert refused.status_code == 403, path
            assert refused.headers["content-type"] == "application/problem+json"
            assert refused.json()["detail"] == "the WA node answers only its hub"
        checkpoint = client.get(f"{node.url}/logs/WA/checkpoint")
        assert checkpoint.status_code == 200
        assert checkpoint.text.startswith("statelink.example/audit/WA\n600\n")
        assert len(client.get(f"{node.url}/logs/WA/tile/0/001").content) == 256 * 32
        assert client.get(f"{node.url}/logs/OR/checkpoint").status_code == 404  # not its log
        assert client.get(f"{node.url}/logs/WA/tile/0/002").status_code == 404
        assert client.get(f"{node.url}/logs/WA/tile/tile/0/001").status_code == 404


def test_entry_bundles_need_a_certificate_from_the_network(node: Node) -> None:
    bundle = f"{node.url}/logs/WA/tile/entries/001"
    with node.anyone() as client:
        refused = client.get(bundle)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert (problem["code"], problem["status"]) == ("forbidden", 403)
    assert "hash tiles are public" in problem["detail"]
    assert "statelink pki member NAME" in problem["detail"]
    with node.auditor() as client:
        served = client.get(bundle)
        partial = client.get(f"{node.url}/logs/WA/tile/entries/002.p/88")
    assert served.status_code == 200
    assert served.headers["content-encoding"] == "gzip"
    assert served.headers["cache-control"].startswith("private,")  # no shared cache keeps it
    assert int.from_bytes(served.content[:2], "big") == served.content.index(b"}") - 1
    assert partial.status_code == 200


def test_the_hub_s_certificate_passes_the_middleware(node: Node) -> None:
    with node.holding(node.pki.hub, node.pki.hub_key) as hub:
        assert hub.get(f"{node.url}/v1/health").json()["state"] == "WA"
        missing = hub.get(f"{node.url}/v1/no-such-route")  # past the middleware: no route
    assert missing.status_code == 404
    with node.auditor() as auditor:  # a member of the network is not the hub
        assert auditor.get(f"{node.url}/v1/health").status_code == 403


def test_refusals_are_logged_at_most_once_every_ten_seconds(
    node: Node, caplog: pytest.LogCaptureFixture
) -> None:
    now = [100.0]
    refusals = Refusals("WA", clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="statelink.web.node_service"):
        for step in [0.0, 1.0, 1.0, 7.0, 0.5, 0.5, 20.0]:  # at 100, 101, 102, 109, ...
            now[0] += step
            refusals.refused()
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "WA node: refused 1 client(s) that are not the hub (at most one line per 10 s)",
        "WA node: refused 5 client(s) that are not the hub (at most one line per 10 s)",
        "WA node: refused 1 client(s) that are not the hub (at most one line per 10 s)",
    ]
    # The node itself: a burst of strangers leaves a line or two in its log, not one each.
    with node.anyone() as client:
        for _ in range(50):
            assert client.get(f"{node.url}/v1/health").status_code == 403
    logged = node.service.log.read_text(errors="replace").count("that are not the hub")
    assert 1 <= logged < 10


def test_an_auditor_mirrors_the_node_s_log_with_a_network_certificate(
    node: Node, run: Callable[..., Run], tmp_path: Path
) -> None:
    auditor = ("--cert", str(node.pki.member("auditor")))
    done = run(
        "audit", "mirror", f"{node.url}/logs/WA", "--key", node.key,
        "--out", str(tmp_path / "wa"), "--ca", str(node.pki.ca),
        *auditor, "--cert-key", str(node.pki.member_key("auditor")), "--json",
    )  # fmt: skip
    assert done.code == 0, done.err
    assert json.loads(done.out)["size"] == 600
    refused = run(
        "audit", "mirror", f"{node.url}/logs/WA", "--key", node.key,
        "--out", str(tmp_path / "anyone"), "--ca", str(node.pki.ca),
    )  # fmt: skip
    assert refused.code == 2
    assert "answered HTTP 403" in refused.err
    assert "--cert" in refused.err
    assert not (tmp_path / "anyone" / "checkpoint").exists()
    no_key = run(
        "audit", "mirror", f"{node.url}/logs/WA", "--key", node.key,
        "--out", str(tmp_path / "no-key"), "--ca", str(node.pki.ca), *auditor,
    )  # fmt: skip
    assert no_key.code == 2  # the member's PEM holds no key: --cert-key is needed
    assert "cannot load the TLS files" in no_key.err
    untrusted = run(
        "audit", "mirror", f"{node.url}/logs/WA", "--key", node.key, "--out", str(tmp_path / "x")
    )
    assert untrusted.code == 2  # the node's certificate is not from a CA the system trusts
    assert "cannot reach" in untrusted.err
