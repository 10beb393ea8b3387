"""/health, /ready and /metrics of real hub and node processes, and their JSON logs.

A hub and two nodes run as ``statelink serve`` processes on loopback over mutual TLS (WA
on SQLite files, OR on a PostgreSQL database). The test sends messages with known
outcomes (HIT, NO_HIT, DENIED by the demo policy, two refused), scrapes ``/metrics``
with prometheus_client's parser and checks that every counter equals what the replies
said. Who may read the operations paths is checked in-process, with client addresses a
loopback test cannot have.
"""

from __future__ import annotations

import json
import ssl
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette

from statelink.config import HubConfig, NodeConfig
from statelink.hub.members import MemberStore
from statelink.nation import Layout, copy_node
from statelink.pki import Pki, fingerprint_of
from statelink.pki import init as pki_init
from statelink.processes import ProcessNetwork
from statelink.web import operations
from statelink.web.hub_service import create_hub_app
from statelink.web.node_service import create_node_app
from tests.conftest import copy_nation
from tests.postgres import ADMIN_URL, drop_database, fresh_database

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    """Every sample of a scrape, by name and labels."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def of(samples: Samples, name: str) -> dict[frozenset[tuple[str, str]], float]:
    """The samples called ``name``, by their labels (zeros left out)."""
    return {labels: v for (n, labels), v in samples.items() if n == name and v}


def labelled(
    counts: Counter[tuple[str, ...]], *names: str
) -> dict[frozenset[tuple[str, str]], float]:
    return {frozenset(zip(names, key, strict=True)): float(n) for key, n in counts.items()}


@dataclass
class Net:
    layout: Layout
    pki: Pki
    processes: ProcessNetwork
    oln: str  # a WA driver's licence number
    personal: tuple[str, ...]  # that driver's name and date of birth: never in a log
    or_database: str

    def client(self, member: str | None = "sender") -> httpx.Client:
        context = ssl.create_default_context(cafile=str(self.pki.ca))
        if member == "hub":
            context.load_cert_chain(self.pki.hub, self.pki.hub_key)
        elif member is not None:
            context.load_cert_chain(self.pki.member(member), self.pki.member_key(member))
        return httpx.Client(verify=context, timeout=30)

    def hub(self, path: str) -> str:
        return self.processes.hub.url + path

    def node(self, state: str, path: str) -> str:
        return self.processes.nodes[state].url + path

    def scrape(self, url: str, member: str | None = None) -> Samples:
        with self.client(member) as client:
            reply = client.get(url)
        assert reply.status_code == 200, reply.text
        assert reply.headers["content-type"].startswith("text/plain")
        return parse(reply.text)


@pytest.fixture(scope="module")
def net(layout: Layout, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Net]:
    root = tmp_path_factory.mktemp("operations")
    own = copy_nation(layout, root / "nation")
    pki = pki_init(root / "pki", states=["WA", "OR"], members=["sender", "outsider"])
    members = MemberStore.open("hub", own.hub_db)
    members.add(
        "sender",
        states=["WA"],
        components=["ICE"],
        cert_sha256=fingerprint_of(pki.member("sender")),
    )
    members.close()
    or_database = fresh_database()
    copy_node(own, "OR", or_database)
    with sa.create_engine(f"sqlite:///{own.records('WA')}").connect() as conn:
        oln, *personal = conn.execute(
            sa.text("SELECT oln, last, first, dob FROM driver ORDER BY id LIMIT 1")
        ).one()
    processes = ProcessNetwork(
        own, pki, ["WA", "OR"], root / "logs", node_databases={"OR": or_database}
    )
    try:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("STATELINK_LOG_LEVEL", "info")  # every message leaves a line
            processes.start()
        yield Net(own, pki, processes, oln, tuple(personal), or_database)
    finally:
        processes.stop()
        drop_database(or_database)


def _send(client: httpx.Client, net: Net, text: str) -> httpx.Response:
    return client.post(
        net.hub("/v1/messages"), content=text, headers={"content-type": "text/plain"}
    )


def test_health_and_ready_answer_on_the_hub_and_the_nodes(net: Net) -> None:
    with net.client(None) as anyone, net.client("hub") as hub:
        assert anyone.get(net.hub("/health")).json()["status"] == "ok"
        ready = anyone.get(net.hub("/ready"))
        assert (ready.status_code, ready.json()) == (200, {"status": "ready", "service": "hub"})
        for state in ("WA", "OR"):
            for client in (anyone, hub):  # from this machine, or with the hub's certificate
                answer = client.get(net.node(state, "/ready"))
                assert answer.status_code == 200, answer.text
                assert answer.json()["service"] == f"node {state}"
            assert hub.get(net.node(state, "/health")).json()["draining"] is False
        assert anyone.get(net.node("WA", "/v1/health")).status_code == 403  # still the hub's


def test_metrics_count_exactly_the_answers_sent(net: Net) -> None:
    oln = net.oln
    sent = (
        3 * [f"DQ.WA0340000.WA.OLN/{oln}.PUR/C."]  # HIT
        + 2 * ["DQ.WA0340000.WA.OLN/NOSUCH12345.PUR/C."]  # NO_HIT
        + 2 * [f"DQ.VTICE0900.WA.OLN/{oln}.PUR/I."]  # DENIED: WA's civil-immigration law
        + [f"DQ.WA0340000.WA,OR.OLN/{oln}.PUR/C."]  # WA HIT, OR NO_HIT
    )
    hub_before = net.scrape(net.hub("/metrics"), member="sender")
    wa_before = net.scrape(net.node("WA", "/metrics"))
    with net.client() as client:
        replies = [_send(client, net, text) for text in sent]
        spoofed = _send(client, net, "DQ.OR0020100.OR.OLN/XYZ123.PUR/C.")  # not its ORI
    with net.client(None) as stranger:
        unknown = _send(stranger, net, f"DQ.WA0340000.WA.OLN/{oln}.PUR/C.")
    assert [r.status_code for r in replies] == [200] * len(sent)
    assert (spoofed.status_code, unknown.status_code) == (403, 401)
    answers: Counter[tuple[str, ...]] = Counter()
    for reply in replies:
        answers.update(reply.json()["summary"].items())
    assert {status for state, status in answers if state == "WA"} == {"HIT", "NO_HIT", "DENIED"}
    assert answers[("OR", "NO_HIT")] == 1

    hub = _since(net.scrape(net.hub("/metrics"), member="sender"), hub_before)
    assert of(hub, "statelink_hub_answers_total") == labelled(answers, "state", "status")
    assert of(hub, "statelink_hub_message_duration_seconds_count") == labelled(
        Counter({("DQ", "single"): len(sent) - 1, ("DQ", "multi"): 1}), "mke", "scope"
    )
    deliveries: Counter[tuple[str, ...]] = Counter((state,) for state, _ in answers.elements())
    assert of(hub, "statelink_hub_delivery_duration_seconds_count") == labelled(deliveries, "state")
    assert of(hub, "statelink_hub_refusals_total") == labelled(
        Counter({("ori-not-owned",): 1, ("unauthenticated",): 1}), "reason"
    )
    assert of(hub, "statelink_hub_messages_in_flight") == {}

    wa = _since(net.scrape(net.node("WA", "/metrics"), member="hub"), wa_before)
    wa_answers = Counter(
        (s,) for (state, s), n in answers.items() for _ in range(n) if state == "WA"
    )
    assert of(wa, "statelink_node_answers_total") == {
        frozenset({("state", "WA"), ("status", s)}): float(n) for (s,), n in wa_answers.items()
    }
    told = float(sum(wa_answers.values()))
    for histogram in ("answer_duration", "audit_append_duration"):
        assert of(wa, f"statelink_node_{histogram}_seconds_count") == {
            frozenset({("state", "WA")}): told
        }
    assert of(wa, "statelink_node_policy_errors_total") == {}
    assert of(wa, "statelink_node_audit_append_failures_total") == {}
    pending = ("statelink_node_review_pending", frozenset({("state", "WA")}))
    # none of these messages was held (the nation may hold earlier tests' messages)
    assert net.scrape(net.node("WA", "/metrics"))[pending] == wa_before[pending]


def _since(now: Samples, before: Samples) -> Samples:
    """What counters and histograms gained since ``before`` (gauges as they are now)."""
    return {key: v - before.get(key, 0.0) if _counts(key[0]) else v for key, v in now.items()}


def _counts(name: str) -> bool:
    return name.endswith(("_total", "_count", "_sum", "_bucket"))


def test_the_logs_are_one_json_object_per_line_bound_to_message_and_state(net: Net) -> None:
    with net.client() as client:
        ids = [
            _send(client, net, text).json()["message_id"]
            for text in (
                f"DQ.WA0340000.WA.OLN/{net.oln}.PUR/C.",
                f"DQ.VTICE0900.WA.OLN/{net.oln}.PUR/I.",
            )
        ]
        assert _send(client, net, "DQ.OR0020100.OR.OLN/XYZ123.PUR/C.").status_code == 403
    hub = _events(net.processes.hub.log)
    node = _events(net.processes.nodes["WA"].log)
    answered = {e["message_id"]: e for e in node if e["event"] == "node_answered"}
    for message_id in ids:
        assert answered[message_id]["state"] == "WA"
        assert any(
            e.get("message_id") == message_id for e in hub if e["event"] == "message_answered"
        )
    assert all({"event", "level", "timestamp"} <= set(e) for e in hub + node)
    assert any("does not own" in e["event"] for e in hub)  # a standard-library record, as JSON
    written = net.processes.hub.log.read_text() + net.processes.nodes["WA"].log.read_text()
    for personal in (net.oln, *net.personal):
        assert personal not in written


def _events(log: Path) -> list[dict[str, Any]]:
    """Every line of a service's log, each a JSON object (the test fails on one that isn't)."""
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    assert lines, f"{log} is empty"
    events = [json.loads(line) for line in lines]
    assert all(isinstance(e, dict) for e in events)
    return events


def test_a_node_whose_database_is_unreachable_is_not_ready_until_it_is_back(net: Net) -> None:
    name = net.or_database.rsplit("/", 1)[1]
    url = net.node("OR", "/ready")
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin, net.client("hub") as client:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        try:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name]
            )
            refused = client.get(url)
            metrics = parse(client.get(net.node("OR", "/metrics")).text)
        finally:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        assert refused.status_code == 503
        problem = refused.json()
        assert problem["code"] == "not-ready"
        assert "the node database could not be read (OperationalError)" in problem["reasons"]
        assert problem["detail"].startswith("node OR is not ready: ")
        assert client.get(net.hub("/ready")).status_code == 200  # the hub's is its own
        pending = metrics[("statelink_node_review_pending", frozenset({("state", "OR")}))]
        assert pending != pending  # NaN: unknown while the database does not answer
        assert _eventually_ready(client, url), "OR did not become ready again"


def _eventually_ready(client: httpx.Client, url: str, tries: int = 100) -> bool:
    for _ in range(tries):
        if client.get(url).status_code == 200:
            return True
        time.sleep(0.2)
    return False


# --- who may read them (in-process: a client address that loopback cannot give) -----------

ELSEWHERE = ("203.0.113.9", 40000)  # TEST-NET-3: another machine, without a certificate
HERE = ("127.0.0.1", 40000)


@pytest.mark.anyio
async def test_a_node_answers_its_operations_paths_only_here_or_to_a_certificate(
    layout: Layout, tmp_path: Path
) -> None:
    own = copy_nation(layout, tmp_path / "nation")
    pki = pki_init(tmp_path / "pki", states=["WA"])
    tls = {"cert": pki.node("WA"), "key": pki.node_key("WA"), "ca": pki.ca}
    app = create_node_app(
        NodeConfig.load(None, state="WA", data=own.root, hub_cert=pki.hub, dashboard=False, **tls)
    )
    async with (
        app.router.lifespan_context(app),
        _client(app, ELSEWHERE) as elsewhere,
        _client(app, HERE) as here,
    ):
        for path in ("/health", "/ready", "/metrics"):
            refused = await elsewhere.get(path)
            assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
            assert "client certificate" in refused.json()["detail"]
        assert (await here.get("/health")).json()["service"] == "node WA"
        assert "statelink_node_answers" in (await here.get("/metrics")).text
        assert (await here.post("/metrics")).status_code == 405
        assert (await elsewhere.get("/v1/health")).status_code == 403  # the hub's only
        ops = operations.of(app)
        assert ops is not None
        ops.drain.begin()
        draining = await here.get("/ready")
        assert draining.status_code == 503
        assert draining.json()["reasons"] == ["the service is draining: it is shutting down"]
        assert (await here.get("/health")).json()["draining"] is True


@pytest.mark.anyio
async def test_the_hub_answers_probes_to_anyone_and_its_metrics_to_certificates_only(
    layout: Layout, tmp_path: Path
) -> None:
    own = copy_nation(layout, tmp_path / "nation")
    pki = pki_init(tmp_path / "pki", states=["WA"])
    tls = {"cert": pki.hub, "key": pki.hub_key, "ca": pki.ca}
    nodes = {"WA": "https://127.0.0.1:9"}
    app = create_hub_app(HubConfig.load(None, data=own.root, nodes=nodes, **tls))
    async with app.router.lifespan_context(app), _client(app, ELSEWHERE) as elsewhere:
        assert (await elsewhere.get("/health")).status_code == 200
        assert (await elsewhere.get("/ready")).status_code == 200
        assert (await elsewhere.get("/metrics")).status_code == 403
        async with _client(app, HERE) as here:  # loopback: nginx on this machine, say
            assert (await here.get("/metrics")).status_code == 403
    alone = create_hub_app(HubConfig.load(None, data=own.root, **tls))  # no --node at all
    async with alone.router.lifespan_context(alone), _client(alone, ELSEWHERE) as client:
        reply = await client.get("/ready")
        assert reply.status_code == 503
        assert reply.json()["reasons"] == ["no state node is configured (--node STATE=https://...)"]


def test_a_verified_client_certificate_may_read_from_anywhere() -> None:
    certified = {"client": ELSEWHERE, "extensions": {"tls": {"statelink_sha256": "ab" * 32}}}
    rule = operations.Access.LOCAL_OR_CERTIFIED
    assert operations.may_read(certified, rule)
    assert not operations.may_read({"client": ELSEWHERE}, rule)
    assert operations.may_read({"client": ("::1", 1)}, rule)
    assert not operations.may_read({"client": None}, rule)
    assert operations.may_read({"client": ELSEWHERE}, operations.Access.ANYONE)
    assert operations.may_read(certified, operations.Access.CERTIFIED)
    assert not operations.may_read({"client": ("127.0.0.1", 1)}, operations.Access.CERTIFIED)


def _client(app: Starlette, client: tuple[str, int]) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=client)
    return httpx.AsyncClient(transport=transport, base_url="https://statelink.test")
