"""Hub replicas behind a real nginx (Debian's, stream module) on loopback.

Two hubs share one PostgreSQL hub database; nginx passes TLS through, so each hub still
knows a member by its client certificate. A killed hub costs a new connection nothing
(nginx tries the next hub), and the readiness checker takes it out of nginx's
configuration, and back in once it is ready again; a hub that hangs (it accepts
connections but does not answer, which nginx cannot see) is taken out by the checker.
"""

from __future__ import annotations

import re
import shlex
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from statelink.balancer import Balancer, Files, ReadinessChecker, Replica, Site, render
from statelink.config import HubConfig, NodeConfig
from statelink.errors import UsageError
from statelink.hub.members import MemberStore
from statelink.nation import Layout
from statelink.pki import Pki, fingerprint_of
from statelink.pki import init as pki_init
from statelink.processes import ProcessNetwork, free_port
from statelink.transport.tls import client_context
from tests.conftest import Run, copy_nation
from tests.nginx import require_nginx
from tests.postgres import drop_database, fresh_database

STATES = ("WA",)
WAIT = 30.0  # seconds a checker may take at most to notice (it takes 1-5 s)


@dataclass
class Lb:
    network: ProcessNetwork
    pki: Pki
    oln: str

    def client(self, member: str | None = "wa-switch") -> httpx.Client:
        """A client that opens a new connection for every request (as a new member would)."""
        context = ssl.create_default_context(cafile=str(self.pki.ca))
        if member is not None:
            context.load_cert_chain(self.pki.member(member), self.pki.member_key(member))
        return httpx.Client(
            base_url=self.network.url,
            verify=context,
            timeout=20,
            limits=httpx.Limits(max_keepalive_connections=0),
        )

    def query(self, client: httpx.Client) -> httpx.Response:
        text = f"DQ.WA0340000.WA.OLN/{self.oln}.PUR/C."
        return client.post("/v1/messages", content=text, headers={"content-type": "text/plain"})

    def conf(self) -> str:
        assert self.network.balancer is not None
        return self.network.balancer.conf.read_text()


@pytest.fixture(scope="module")
def lb(layout: Layout, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lb]:
    require_nginx()
    root = tmp_path_factory.mktemp("balancer")
    own = copy_nation(layout, root / "nation")
    pki = pki_init(root / "pki", states=STATES, members=["wa-switch", "stranger"])
    hub_db = fresh_database()
    members = MemberStore.open("hub", hub_db)
    members.add("wa-switch", states=["WA"], cert_sha256=fingerprint_of(pki.member("wa-switch")))
    members.close()
    with sa.create_engine(f"sqlite:///{own.records('WA')}").connect() as conn:
        oln = conn.execute(sa.text("SELECT oln FROM driver ORDER BY id LIMIT 1")).scalar_one()
    network = ProcessNetwork(
        own, pki, STATES, root / "logs", hub_database=hub_db, hubs=2, check_interval=0.5
    )
    try:
        with network:
            yield Lb(network, pki, oln)
    finally:
        drop_database(hub_db)


def _until(done: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"not within {timeout:g} s: {what}"
        time.sleep(0.1)


def _down(lb: Lb) -> set[str]:
    assert lb.network.checker is not None
    return set(lb.network.checker.down)


def test_the_configuration_passes_tls_through_and_marks_a_hub_down(tmp_path: Path) -> None:
    require_nginx()
    hubs = (Replica("hub-1", "10.0.1.11:8443"), Replica("hub-2", "10.0.1.12:8443"))
    site = Site("127.0.0.1:8443", hubs)
    balancer = Balancer.inside(tmp_path, site)
    balancer.write()  # nginx -t accepts it
    text = balancer.conf.read_text()
    assert "stream {" in text
    assert "http {" not in text
    assert "ssl_certificate" not in text
    assert "server 10.0.1.11:8443 max_fails=1 fail_timeout=5s;  # hub-1" in text
    assert "proxy_next_upstream on;" in text
    marked = render(site.without(["hub-2"]), Files.inside(tmp_path))
    assert "server 10.0.1.12:8443 max_fails=1 fail_timeout=5s down;  # hub-2" in marked
    assert "fail_timeout=5s;  # hub-1" in marked


def test_the_checker_never_takes_every_hub_out(tmp_path: Path) -> None:
    require_nginx()
    dead = {f"hub-{n}": f"https://127.0.0.1:{free_port()}" for n in (1, 2)}
    hubs = tuple(Replica(name, url.removeprefix("https://")) for name, url in dead.items())
    balancer = Balancer.inside(tmp_path, Site("127.0.0.1:8443", hubs))
    balancer.write()
    checker = ReadinessChecker(balancer, dead, ssl.create_default_context(), fall=1)
    for _ in range(3):
        checker.check()
    assert checker.down == set()
    assert checker.changes == []
    assert " down;" not in balancer.conf.read_text()
    assert checker.probe("hub-1") is not None  # it is not ready, and says why


def test_several_hubs_need_a_postgresql_database(layout: Layout, tmp_path: Path) -> None:
    pki = Pki(tmp_path / "pki")
    with pytest.raises(UsageError, match="PostgreSQL database"):
        ProcessNetwork(layout, pki, STATES, tmp_path / "logs", hubs=2)
    with pytest.raises(UsageError, match="at least one hub"):
        ProcessNetwork(layout, pki, STATES, tmp_path / "logs", hubs=0)


def test_a_member_is_known_by_its_certificate_through_nginx(lb: Lb) -> None:
    assert lb.network.url != lb.network.hub.url
    with lb.client() as client:
        reply = lb.query(client)
    assert reply.status_code == 200, reply.text
    assert reply.json()["summary"] == {"WA": "HIT"}
    with lb.client("stranger") as client:  # from the network's CA, but no member's
        refused = lb.query(client)
    assert refused.status_code == 401
    assert fingerprint_of(lb.pki.member("stranger"))[:16] in refused.json()["detail"]
    with lb.client(None) as client:
        assert lb.query(client).status_code == 401


def test_a_killed_hub_costs_new_connections_nothing_and_comes_back(lb: Lb) -> None:
    hub = lb.network.replica("hub-1")
    hub.signal(signal.SIGKILL)
    assert hub.process is not None
    hub.process.wait(10)
    with lb.client() as client:  # a new connection each: nginx passes it to hub-2
        statuses = [lb.query(client).status_code for _ in range(20)]
    assert statuses == [200] * 20
    _until(lambda: _down(lb) == {"hub-1"}, "the checker takes hub-1 out")
    assert "down;  # hub-1" in lb.conf()
    lb.network.restart_hub("hub-1")
    _until(lambda: _down(lb) == set(), "the checker puts hub-1 back")
    assert " down;" not in lb.conf()
    assert lb.network.checker is not None
    changes = [(c.replica, c.ready) for c in lb.network.checker.changes]
    assert changes[-2:] == [("hub-1", False), ("hub-1", True)]


def test_a_hung_hub_is_taken_out_by_the_checker(lb: Lb) -> None:
    """A stopped process still accepts connections (the kernel does): nginx cannot tell,
    the readiness probe can."""
    hub = lb.network.replica("hub-2")
    hub.signal(signal.SIGSTOP)
    try:
        _until(lambda: _down(lb) == {"hub-2"}, "the checker takes the hung hub-2 out")
        assert "down;  # hub-2" in lb.conf()
        with lb.client() as client:
            statuses = [lb.query(client).status_code for _ in range(10)]
        assert statuses == [200] * 10  # all on hub-1
    finally:
        hub.signal(signal.SIGCONT)
    _until(lambda: _down(lb) == set(), "the checker puts hub-2 back")


def test_the_checker_probes_without_a_certificate(lb: Lb) -> None:
    """/ready (or /v1/health before it) is open: the checker needs no member's key."""
    assert lb.network.checker is not None
    for name in ("hub-1", "hub-2"):
        assert lb.network.checker.probe(name) is None
    context = client_context(ca=lb.pki.ca)
    assert httpx.get(lb.network.url + "/v1/health", verify=context).is_success


def test_balancer_watch_takes_a_dead_hub_out_of_a_running_nginx(lb: Lb, tmp_path: Path) -> None:
    """``statelink balancer watch``, as a deployment runs it beside its nginx."""
    root = tmp_path / "lb"
    listen = f"127.0.0.1:{free_port()}"
    alive = lb.network.replica("hub-1").url.removeprefix("https://")
    dead = f"127.0.0.1:{free_port()}"
    balancer = Balancer.inside(root, Site(listen, (Replica("hub-1", alive), Replica("gone", dead))))
    balancer.write()
    nginx = subprocess.Popen(balancer.command(), stderr=subprocess.DEVNULL)
    words = ["balancer", "watch", "--hub", f"hub-1={alive}", "--hub", f"gone={dead}"]
    words += ["--ca", str(lb.pki.ca), "--conf", str(balancer.conf), "--root", str(root)]
    words += ["--listen", listen, "--workers", "1", "--interval", "0.3"]
    watch: subprocess.Popen[str] | None = None
    try:
        _until(
            lambda: (root / "nginx.pid").exists() and bool((root / "nginx.pid").read_text()),
            "nginx",
        )
        watch = subprocess.Popen(
            [sys.executable, "-m", "statelink", *words], stdout=subprocess.PIPE, text=True
        )
        _until(lambda: "down;  # gone" in balancer.conf.read_text(), "watch takes gone out")
        assert "server " + alive in balancer.conf.read_text()
        with lb.client() as client:
            client.base_url = httpx.URL(f"https://{listen}")
            assert [lb.query(client).status_code for _ in range(5)] == [200] * 5
        watch.terminate()
        said, _ = watch.communicate(timeout=20)
        assert watch.returncode == 0, said
        assert "gone taken out (ConnectError" in said
    finally:
        if watch is not None and watch.poll() is None:
            watch.kill()
        nginx.terminate()
        nginx.wait(10)


def test_the_deployment_docs_show_the_configuration_the_command_writes(
    run: Callable[..., Run],
) -> None:
    text = (Path(__file__).parent.parent / "docs" / "deployment.md").read_text()
    command = re.search(r"^\$ statelink (balancer config .*?) >", text, re.MULTILINE)
    shown = re.search(r"^```nginx\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    assert command is not None
    assert shown is not None
    written = run(*shlex.split(command.group(1)))
    assert written.code == 0, written.err
    assert written.out == shown.group(1)


def test_the_deployment_docs_settings_are_what_the_services_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """hub.toml and node.toml, with node.env's variables, load as the services load them."""
    text = (Path(__file__).parent.parent / "docs" / "deployment.md").read_text()
    hub_toml, node_toml = re.findall(r"^```toml\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    node_env = re.search(r"^```ini\n(STATELINK_NODE_STATE=.*?)^```", text, re.M | re.S)
    assert node_env is not None
    for line in node_env.group(1).splitlines():
        name, _, value = line.partition("=")
        monkeypatch.setenv(name, value)
    (tmp_path / "hub.toml").write_text(hub_toml)
    (tmp_path / "node.toml").write_text(node_toml)
    hub = HubConfig.load(tmp_path / "hub.toml")
    node = NodeConfig.load(tmp_path / "node.toml")
    assert set(hub.nodes) == {"WA", "OR"}
    assert hub.drain_seconds > 2 * 1.0  # the checker's 2 probes a second apart
    assert node.state == "WA"
    assert node.database is not None
    assert node.database.startswith("postgresql://statelink_wa")
