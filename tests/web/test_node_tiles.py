"""A node service (a real ``statelink serve node`` process, TLS on loopback) serves its
audit log as tiles to anyone, while its ``/v1/`` routes still answer only the hub."""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from statelink.nation import Layout
from statelink.pki import Pki
from statelink.pki import init as pki_init
from statelink.processes import ProcessNetwork
from tests.audit.synthetic import grow
from tests.conftest import Run, copy_nation


@dataclass
class Node:
    url: str
    pki: Pki
    key: str

    def anyone(self) -> httpx.Client:
        """A client with no certificate: it trusts the network's CA, and that is all."""
        return httpx.Client(verify=ssl.create_default_context(cafile=str(self.pki.ca)))


@pytest.fixture(scope="module")
def node(layout: Layout, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    root = tmp_path_factory.mktemp("node-tiles")
    own = copy_nation(layout, root / "nation")
    keys = grow(own.audit("WA"), own.keys("WA"), [600])
    pki = pki_init(root / "pki", states=["WA"])
    with ProcessNetwork(own, pki, ["WA"], root / "logs") as processes:
        yield Node(processes.nodes["WA"].url, pki, keys.signer.verifier_key())


def test_a_client_without_a_certificate_reads_tiles_but_not_the_node(node: Node) -> None:
    with node.anyone() as client:
        health = client.get(f"{node.url}/v1/health")
        assert health.status_code == 403
        assert health.json()["code"] == "forbidden"
        sent = client.post(f"{node.url}/v1/node/messages", content=b"{}")
        assert sent.status_code == 403
        checkpoint = client.get(f"{node.url}/logs/WA/checkpoint")
        assert checkpoint.status_code == 200
        assert checkpoint.text.startswith("statelink.example/audit/WA\n600\n")
        assert len(client.get(f"{node.url}/logs/WA/tile/0/001").content) == 256 * 32
        assert client.get(f"{node.url}/logs/OR/checkpoint").status_code == 404  # not its log
        assert client.get(f"{node.url}/logs/WA/tile/0/002").status_code == 404


def test_a_third_party_mirrors_the_node_s_log(
    node: Node, run: Callable[..., Run], tmp_path: Path
) -> None:
    done = run(
        "audit", "mirror", f"{node.url}/logs/WA", "--key", node.key,
        "--out", str(tmp_path / "wa"), "--ca", str(node.pki.ca), "--json",
    )  # fmt: skip
    assert done.code == 0, done.err
    assert json.loads(done.out)["size"] == 600
    untrusted = run(
        "audit", "mirror", f"{node.url}/logs/WA", "--key", node.key, "--out", str(tmp_path / "x")
    )
    assert untrusted.code == 2  # the node's certificate is not from a CA the system trusts
    assert "cannot reach" in untrusted.err
