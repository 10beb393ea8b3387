"""Graceful drain of real services: SIGTERM stops them without losing work in flight.

A hub and a WA node run as ``statelink serve`` processes, the hub with
``STATELINK_HUB_DRAIN_SECONDS``. With the node paused (SIGSTOP) a message is in flight
at the hub when the hub gets SIGTERM: its ``/ready`` answers 503 at once, it then
refuses new connections, the message still gets its answer once the node goes on, and
the hub exits 0. The node, stopped the same way, exits 0 with its audit log signed up to
its last record.
"""

from __future__ import annotations

import signal
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from statelink.audit import AuditLog
from statelink.hub.members import MemberStore
from statelink.nation import Layout
from statelink.pki import Pki, fingerprint_of
from statelink.pki import init as pki_init
from statelink.processes import ProcessNetwork, Service
from tests.conftest import copy_nation
from tests.web.test_operations import parse

DRAIN_SECONDS = 2
EXIT_SECONDS = 30.0
"""At most this long for a process to exit once nothing holds it (it takes about 1 s)."""


@dataclass
class Net:
    layout: Layout
    pki: Pki
    processes: ProcessNetwork

    def client(self, member: str | None = None, timeout: float = 60) -> httpx.Client:
        context = ssl.create_default_context(cafile=str(self.pki.ca))
        if member is not None:
            context.load_cert_chain(self.pki.member(member), self.pki.member_key(member))
        return httpx.Client(verify=context, timeout=timeout)


@pytest.fixture
def net(layout: Layout, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Net]:
    own = copy_nation(layout, tmp_path / "nation")
    pki = pki_init(tmp_path / "pki", states=["WA"], members=["sender"])
    members = MemberStore.open("hub", own.hub_db)
    members.add("sender", states=["WA"], cert_sha256=fingerprint_of(pki.member("sender")))
    members.close()
    monkeypatch.setenv("STATELINK_HUB_DRAIN_SECONDS", str(DRAIN_SECONDS))
    # the hub waits for the paused node far longer than the test needs it to
    processes = ProcessNetwork(own, pki, ["WA"], tmp_path / "logs", single_timeout=60)
    with processes:
        yield Net(own, pki, processes)


def _eventually(condition: Callable[[], bool], tries: int = 300) -> bool:
    """Whether ``condition`` holds within ``tries`` looks a tenth of a second apart."""
    for _ in range(tries):
        if condition():
            return True
        time.sleep(0.1)
    return False


def _in_flight(net: Net) -> bool:
    with net.client("sender") as client:  # the hub's metrics: a certificate
        metrics = parse(client.get(net.processes.hub.url + "/metrics").text)
    return metrics.get(("statelink_hub_messages_in_flight", frozenset()), 0) == 1


def _refused(url: str, net: Net) -> bool:
    try:
        with net.client(timeout=2) as client:
            client.get(url + "/health")
    except httpx.ConnectError:
        return True
    return False


def _exit_code(service: Service) -> int | None:
    assert service.process is not None
    try:
        return service.process.wait(EXIT_SECONDS)
    except subprocess.TimeoutExpired:
        return None


def test_sigterm_drains_the_hub_and_the_message_in_flight_gets_its_answer(net: Net) -> None:
    hub, node = net.processes.hub, net.processes.nodes["WA"]
    oln = "NOSUCH12345"
    node.signal(signal.SIGSTOP)  # the node answers nothing until SIGCONT
    with ThreadPoolExecutor(1) as pool, net.client("sender") as member:
        sending = pool.submit(
            member.post,
            hub.url + "/v1/messages",
            content=f"DQ.WA0340000.WA.OLN/{oln}.PUR/C.",
            headers={"content-type": "text/plain"},
        )
        assert _eventually(lambda: _in_flight(net)), "the message never reached the hub"
        hub.signal(signal.SIGTERM)
        with net.client() as anyone:
            assert _eventually(lambda: anyone.get(hub.url + "/ready").status_code == 503)
            drained = anyone.get(hub.url + "/ready").json()
            assert drained["reasons"] == ["the service is draining: it is shutting down"]
            assert anyone.get(hub.url + "/health").json()["draining"] is True
        assert _eventually(lambda: _refused(hub.url, net)), "new connections were still taken"
        assert hub.running()
        assert not sending.done()  # waiting for the message in flight
        node.signal(signal.SIGCONT)
        reply = sending.result(timeout=EXIT_SECONDS)
    assert reply.status_code == 200, reply.text
    assert reply.json()["summary"] == {"WA": "NO_HIT"}
    assert _exit_code(hub) == 0

    node.signal(signal.SIGTERM)
    assert _exit_code(node) == 0
    audit_log = AuditLog.open("WA", net.layout.audit_store("WA"))
    try:
        latest = audit_log.latest_checkpoint()
        assert latest is not None
        assert latest.size == audit_log.size() == 1  # the last record signed on the way out
    finally:
        audit_log.close()
