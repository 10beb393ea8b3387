"""The networked mode for real: a hub and three nodes as processes on loopback, mutual TLS.

The whole suite runs twice: with SQLite files, and with every store (hub, nodes, records
included) in PostgreSQL databases.
"""

from __future__ import annotations

import asyncio
import signal
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
import sqlalchemy as sa

from statelink.audit import AuditLog
from statelink.hub.members import MemberStore
from statelink.nation import Layout, copy_node
from statelink.pki import Pki, fingerprint_of
from statelink.pki import init as pki_init
from statelink.processes import ProcessNetwork
from statelink.states import CODES
from statelink.store import Where
from tests.conftest import BACKENDS, Run, copy_nation
from tests.postgres import drop_database, fresh_database

STATES = ("WA", "OR", "ID")
NATIONWIDE_TIMEOUT = 3.0


@dataclass
class Net:
    layout: Layout
    pki: Pki
    processes: ProcessNetwork
    audit: dict[str, Where]
    ice_token: str
    revoked_token: str
    wa_oln: str

    @property
    def hub(self) -> str:
        return self.processes.hub.url

    def client(self, member: str | None = None, token: str | None = None) -> httpx.Client:
        context = ssl.create_default_context(cafile=str(self.pki.ca))
        if member is not None:
            context.load_cert_chain(self.pki.member(member), self.pki.member_key(member))
        headers = {"authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.hub, verify=context, headers=headers, timeout=30)

    def audit_size(self, state: str) -> int:
        log = AuditLog.open(state, self.audit[state])
        try:
            return log.size()
        finally:
            log.close()


@pytest.fixture(scope="module", params=BACKENDS)
def net(
    request: pytest.FixtureRequest, layout: Layout, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Net]:
    root = tmp_path_factory.mktemp(f"networked-{request.param}")
    own = copy_nation(layout, root / "nation")
    pki = pki_init(root / "pki", states=STATES, members=["wa-switch", "stranger"])
    databases: list[str] = []
    hub_db: Where = own.hub_db
    audit: dict[str, Where] = {s: own.audit(s) for s in STATES}
    node_dbs: dict[str, str] = {}
    if request.param == "postgresql":
        hub_db = fresh_database()
        databases.append(hub_db)
        for state in STATES:
            url = fresh_database()
            databases.append(url)
            node_dbs[state] = audit[state] = url
            copy_node(own, state, url)  # what `statelink database copy` does
    members = MemberStore.open("hub", hub_db)
    members.add("wa-switch", states=["WA"], cert_sha256=fingerprint_of(pki.member("wa-switch")))
    members.add("ice-line", components=["ICE", "HSI"])
    members.add("or-switch", states=["OR"])
    _, ice_token = members.issue_token("ice-line")
    revoked_id, revoked = members.issue_token("or-switch")
    members.revoke_token(revoked_id)
    members.close()
    processes = ProcessNetwork(
        own,
        pki,
        STATES,
        root / "logs",
        hub_database=hub_db if isinstance(hub_db, str) else None,
        node_databases=node_dbs,
        node_records=node_dbs,
        single_timeout=NATIONWIDE_TIMEOUT,
        nationwide_timeout=NATIONWIDE_TIMEOUT,
    )
    with sa.create_engine(f"sqlite:///{own.records('WA')}").connect() as conn:
        oln = conn.execute(sa.text("SELECT oln FROM driver ORDER BY id LIMIT 1")).scalar_one()
    try:
        with processes:
            yield Net(own, pki, processes, audit, ice_token, revoked, oln)
    finally:
        for url in databases:
            drop_database(url)


def _send(client: httpx.Client, text: str) -> httpx.Response:
    return client.post("/v1/messages", content=text, headers={"content-type": "text/plain"})


def test_a_member_queries_a_state_through_the_hub(net: Net) -> None:
    with net.client("wa-switch") as client:
        reply = _send(client, f"DQ.WA0340000.WA.OLN/{net.wa_oln}.PUR/C.")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["summary"] == {"WA": "HIT"}
    assert body["answers"][0]["drivers"][0]["oln"] == net.wa_oln
    assert body["answers"][0]["receipt"]["seq"] >= 0


def test_a_spoofed_ori_is_rejected_and_reaches_no_node(net: Net) -> None:
    before = net.audit_size("OR")
    with net.client("wa-switch") as client:
        reply = _send(client, "DQ.OR0020100.OR.OLN/XYZ123.PUR/C.")  # an Oregon agency's ORI
    assert reply.status_code == 403
    assert reply.json()["code"] == "ori-not-owned"
    assert net.audit_size("OR") == before


@pytest.mark.parametrize(
    ("member", "token", "code"),
    [
        (None, None, "unauthenticated"),  # no certificate, no token
        (None, "revoked", "unauthenticated"),
        (None, "slk_not-a-token", "unauthenticated"),
        ("stranger", None, "unauthenticated"),  # the network CA's, but not a member's
    ],
)
def test_unknown_callers_are_rejected(
    net: Net, member: str | None, token: str | None, code: str
) -> None:
    given = net.revoked_token if token == "revoked" else token
    with net.client(member, given) as client:
        for reply in (
            _send(client, "DQ.OR0020100.OR.OLN/XYZ123.PUR/C."),
            client.get("/v1/directory", params={"limit": 1}),
        ):
            assert reply.status_code == 401
            assert reply.json()["code"] == code


def test_a_token_member_sends_for_its_components_only(net: Net) -> None:
    with net.client(token=net.ice_token) as client:
        assert _send(client, f"DQ.WAICE0100.WA.OLN/{net.wa_oln}.PUR/C.").status_code == 200
        assert _send(client, f"DQ.WA0340000.WA.OLN/{net.wa_oln}.PUR/C.").status_code == 403


def test_nodes_answer_only_the_hub(net: Net) -> None:
    node = net.processes.nodes["WA"].url
    member = ssl.create_default_context(cafile=str(net.pki.ca))
    member.load_cert_chain(net.pki.member("wa-switch"), net.pki.member_key("wa-switch"))
    reply = httpx.get(node + "/v1/health", verify=member)
    assert reply.status_code == 403
    assert reply.json()["code"] == "forbidden"
    # no client certificate: the handshake succeeds (the tiled log is public), /v1/ refuses
    anyone = httpx.get(
        node + "/v1/health", verify=ssl.create_default_context(cafile=str(net.pki.ca))
    )
    assert anyone.status_code == 403
    assert anyone.json()["code"] == "forbidden"


def test_a_resubmitted_message_runs_once(net: Net) -> None:
    before = net.audit_size("WA")
    text = f"DQ.WA0340000.WA.*R{time.time_ns() % 10**8}.OLN/{net.wa_oln}.PUR/C."

    async def send_three() -> list[httpx.Response]:
        context = ssl.create_default_context(cafile=str(net.pki.ca))
        context.load_cert_chain(net.pki.member("wa-switch"), net.pki.member_key("wa-switch"))
        async with httpx.AsyncClient(base_url=net.hub, verify=context) as client:
            headers = {"content-type": "text/plain"}
            first, second = await asyncio.gather(
                client.post("/v1/messages", content=text, headers=headers),
                client.post("/v1/messages", content=text, headers=headers),
            )
            third = await client.post("/v1/messages", content=text, headers=headers)
            return [first, second, third]

    replies = asyncio.run(send_three())
    assert [r.status_code for r in replies] == [200, 200, 200]
    assert len({r.json()["message_id"] for r in replies}) == 1
    assert net.audit_size("WA") == before + 1
    with net.client("wa-switch") as client:
        other = _send(client, text.replace(net.wa_oln, "OTHER123"))
    assert other.status_code == 409
    assert other.json()["code"] == "control-reused"


def test_a_slow_node_is_unavailable_and_nl_answers_within_its_timeout(net: Net) -> None:
    node = net.processes.nodes["OR"]
    node.signal(signal.SIGSTOP)  # accepts connections, answers nothing
    try:
        with net.client(token=net.ice_token) as client:
            started = time.monotonic()
            reply = _send(client, f"DQ.WAICE0100.NL.OLN/{net.wa_oln}.PUR/C.")
            elapsed = time.monotonic() - started
    finally:
        node.signal(signal.SIGCONT)
    assert reply.status_code == 200, reply.text
    summary = reply.json()["summary"]
    assert summary["OR"] == "UNAVAILABLE"
    assert summary["WA"] != "UNAVAILABLE"
    assert summary["ID"] != "UNAVAILABLE"
    assert NATIONWIDE_TIMEOUT <= elapsed < NATIONWIDE_TIMEOUT + 5
    # NL is every state of the network: those without a node say so, in words
    assert len(summary) == len(CODES)
    details = {a["state"]: a["detail"] for a in reply.json()["answers"]}
    assert details["OR"] == f"the OR node did not answer within {NATIONWIDE_TIMEOUT:g} s"
    for state in set(CODES) - set(STATES):
        assert summary[state] == "UNAVAILABLE"
        assert details[state] == f"no node for {state} is connected to this hub"


def test_a_killed_node_is_unavailable_for_its_state_only(net: Net) -> None:
    net.processes.nodes["ID"].signal(signal.SIGKILL)
    net.processes.nodes["ID"].process.wait(10)  # type: ignore[union-attr]
    try:
        with net.client(token=net.ice_token) as client:
            reply = _send(client, f"DQ.WAICE0100.WA,ID,OR.OLN/{net.wa_oln}.PUR/C.")
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert body["summary"]["ID"] == "UNAVAILABLE"
        detail = next(a["detail"] for a in body["answers"] if a["state"] == "ID")
        assert "the ID node refused the connection" in detail
        assert body["summary"]["WA"] != "UNAVAILABLE"
        assert body["summary"]["OR"] != "UNAVAILABLE"
        assert body["elapsed_ms"] < 2000  # refused at once, not waited for
    finally:
        net.processes.restart_node("ID")
    with net.client(token=net.ice_token) as client:
        again = _send(client, f"DQ.WAICE0100.ID.OLN/{net.wa_oln}.PUR/C.")
    assert again.json()["summary"]["ID"] != "UNAVAILABLE"


def test_a_held_message_is_reviewed_on_the_node_and_collected_through_the_hub(
    net: Net, run: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    if isinstance(net.audit["WA"], str):  # the node's own database, as its operator sets it
        monkeypatch.setenv("STATELINK_NODE_STATE", "WA")
        monkeypatch.setenv("STATELINK_NODE_DATABASE", net.audit["WA"])
    data = str(net.layout.root)
    with net.client(token=net.ice_token) as client:
        held = _send(client, f"DQ.WAHSI0100.WA.OLN/{net.wa_oln}.PUR/C.OFF/6499.CAS/26-0042.")
        assert held.json()["summary"] == {"WA": "HELD"}
        message_id = held.json()["message_id"]
        listed = run("review", "list", "--state", "WA", "--json", "--data", data)
        assert message_id in listed.out, listed.err
        approved = run(
            "review", "approve", message_id, "--state", "WA", "--reviewer", "R. Lee",
            "--note", "trafficking case", "--data", data,
        )  # fmt: skip
        assert approved.code == 0, approved.err
        deadline = time.monotonic() + 15
        while True:  # the node carries out decisions every second
            collected = client.get(f"/v1/messages/{message_id}", params={"ori": "WAHSI0100"})
            status = collected.json()["summary"]["WA"]
            if status != "HELD" or time.monotonic() > deadline:
                break
            time.sleep(0.3)
    assert status == "HIT", collected.text
    assert collected.json()["answers"][0]["drivers"][0]["oln"] == net.wa_oln
    verified = run("audit", "verify", "--state", "WA", "--data", data)
    assert verified.code == 0, verified.out + verified.err


def test_every_error_has_the_one_problem_shape(net: Net) -> None:
    with net.client("wa-switch") as client:
        replies = [
            _send(client, "not a message"),
            _send(client, "DQ.NY0303000.WA.OLN/XYZ.PUR/C."),  # not owned
            client.get("/v1/messages/NOPE", params={"ori": "WA0340000"}),
            client.get("/v1/directory/ZZ9999999"),
            client.get("/v1/nothing-here"),
        ]
    with net.client() as anonymous:
        replies.append(anonymous.get("/v1/directory"))
    for reply in replies:
        assert reply.status_code >= 400
        problem = reply.json()
        assert {"type", "title", "status", "detail", "code"} <= set(problem), problem
        assert problem["status"] == reply.status_code


def test_the_hub_publishes_its_openapi_document(net: Net) -> None:
    with net.client() as client:
        document = client.get("/openapi.json").json()
    assert {"/v1/messages", "/v1/messages/{message_id}", "/v1/directory", "/v1/health"} <= set(
        document["paths"]
    )
