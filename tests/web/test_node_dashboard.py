"""Each state's dashboard at its own node: a real ``statelink serve node --state WA``
process over TLS on loopback, with a real hub process in front of it, and officials'
accounts made with ``statelink accounts add`` on the node's data folder.

The node's stores are SQLite files, except in the test of the reports: there they (the
records too) are in a PostgreSQL database named by ``--database`` alone (no
environment), and the reports must still come from the node's own audit log.
"""

from __future__ import annotations

import re
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from statelink.audit import AuditLog
from statelink.cli import main
from statelink.embedded import NodeLayout
from statelink.hub.members import MemberStore
from statelink.nation import Layout, copy_node
from statelink.pki import Pki
from statelink.pki import init as pki_init
from statelink.processes import ProcessNetwork
from statelink.reports.sources import state_report
from statelink.store import Where
from tests.conftest import copy_nation
from tests.postgres import drop_database, fresh_database
from tests.web.dashboard_session import PASSWORD, csrf

STATE = "WA"
CHECKPOINT_WAIT = 30.0
"""Seconds to wait for the node to sign a checkpoint (it signs one every 10 s)."""


@dataclass
class NodeNet:
    """A WA node and a hub as processes, and what a test needs to talk to them."""

    layout: NodeLayout  # the node's data folder, with its stores where the node keeps them
    pki: Pki
    processes: ProcessNetwork
    ice_token: str  # ICE and HSI offices
    wa_token: str  # Washington's state and local agencies
    oln: str  # a WA driver's licence number

    @property
    def node(self) -> str:
        return self.processes.nodes[STATE].url

    def browser(self) -> httpx.Client:
        """A client as a browser is one: the network's CA trusted, no client certificate."""
        context = ssl.create_default_context(cafile=str(self.pki.ca))
        return httpx.Client(base_url=self.node, verify=context, timeout=30)

    def send(self, token: str, text: str) -> dict[str, object]:
        """A message sent through the hub; its answer."""
        context = ssl.create_default_context(cafile=str(self.pki.ca))
        reply = httpx.post(
            f"{self.processes.hub.url}/v1/messages",
            content=text,
            headers={"content-type": "text/plain", "authorization": f"Bearer {token}"},
            verify=context,
            timeout=30,
        )
        assert reply.status_code == 200, reply.text
        answer: dict[str, object] = reply.json()
        return answer

    def hold(self, case: str) -> str:
        """An HSI human-trafficking query, which WA's policy holds; its message id."""
        sent = self.send(
            self.ice_token, f"DQ.WAHSI0100.WA.OLN/{self.oln}.PUR/C.OFF/6499.CAS/{case}."
        )
        assert sent["summary"] == {STATE: "HELD"}
        return str(sent["message_id"])

    def audit_store(self) -> Where:
        return self.layout.audit_store(STATE)

    def wait_for_checkpoint(self) -> int:
        """Wait until the node's signed checkpoint (read from its public ``/logs/``) covers
        every record of its audit log; that size."""
        deadline = time.monotonic() + CHECKPOINT_WAIT
        with self.browser() as client:
            while True:
                log = AuditLog.open(STATE, self.audit_store())
                try:
                    size = log.size()
                finally:
                    log.close()
                note = client.get(f"/logs/{STATE}/checkpoint")
                assert note.status_code in (200, 404), note.text  # 404: none signed yet
                signed = int(note.text.splitlines()[1]) if note.status_code == 200 else 0
                if signed == size:
                    return size
                assert time.monotonic() < deadline, f"checkpoint {signed}, log {size}"
                time.sleep(0.5)


def add_account(layout: Layout, name: str, role: str, *states: str) -> None:
    """What a state's administrator runs on the node's machine: ``statelink accounts add``."""
    secret = layout.root / f".{name}.password"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    args = ["accounts", "add", name, "--role", role, "--password-file", str(secret)]
    args += [a for s in states for a in ("--state", s)]
    with pytest.raises(SystemExit) as ended:
        main([*args, "--data", str(layout.root)])
    assert ended.value.code == 0
    secret.unlink()


@contextmanager
def node_network(
    layout: Layout, root: Path, backend: str = "sqlite", *flags: str
) -> Iterator[NodeNet]:
    """A WA node (run with ``flags`` too) and a hub in front of it, as processes on
    loopback; ``backend`` "postgresql": the node's stores and records in a fresh database."""
    own = copy_nation(layout, root / "nation")
    pki = pki_init(root / "pki", states=[STATE])
    database: str | None = None
    if backend == "postgresql":
        database = fresh_database()
        copy_node(own, STATE, database)  # what `statelink database copy` does
    members = MemberStore.open("hub", own.hub_db)
    members.add("ice-line", components=["ICE", "HSI"])
    members.add("wa-switch", states=[STATE])
    _, ice = members.issue_token("ice-line")
    _, wa = members.issue_token("wa-switch")
    members.close()
    named = {STATE: database} if database else {}
    processes = ProcessNetwork(
        own, pki, [STATE], root / "logs", node_databases=named, node_records=named
    )
    processes.nodes[STATE].args.extend(flags)
    with sa.create_engine(f"sqlite:///{own.records(STATE)}").connect() as conn:
        oln = conn.execute(sa.text("SELECT oln FROM driver ORDER BY id LIMIT 1")).scalar_one()
    try:
        with processes:
            yield NodeNet(NodeLayout(own.root, STATE, database), pki, processes, ice, wa, oln)
    finally:
        if database is not None:
            drop_database(database)


@pytest.fixture(scope="module")
def net(layout: Layout, tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeNet]:
    with node_network(layout, tmp_path_factory.mktemp("node-dashboard")) as started:
        add_account(started.layout, "wa.reviewer", "reviewer", STATE)
        add_account(started.layout, "or.reviewer", "reviewer", "OR")
        add_account(started.layout, "west.viewer", "viewer", STATE, "OR")
        yield started


def sign_in(client: httpx.Client, name: str) -> None:
    """Sign ``client`` in as ``name`` on the node's dashboard (over https)."""
    form = client.get("/dashboard/login")
    assert form.status_code == 200, form.text
    reply = client.post(
        "/dashboard/login",
        data={"name": name, "password": PASSWORD, "csrf": csrf(form.text), "next": "/dashboard/"},
    )
    assert reply.status_code == 303, reply.text


def number(html: str, key: str) -> int:
    found = re.search(rf'data-key="{re.escape(key)}"[^>]*>([\d,]+)<', html)
    assert found is not None, f"no number {key} in the page"
    return int(found.group(1).replace(",", ""))


def test_a_browser_reaches_the_dashboard_and_nothing_else(net: NodeNet) -> None:
    with net.browser() as browser:
        login = browser.get("/dashboard/login")
        bare = browser.get("/dashboard")
        refused = [
            browser.post("/v1/node/messages", json={"message_id": "X"}),
            browser.post("/v1/node/collect", json={"message_id": "X", "ori": "WAHSI0100"}),
            browser.get("/v1/health"),
            browser.get("/"),
            browser.get("/dashboardx"),
        ]
    assert login.status_code == 200
    assert login.headers["content-type"].startswith("text/html")
    assert "Sign in" in login.text
    cookie = login.headers["set-cookie"].lower()
    assert "secure" in cookie
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert bare.status_code in (307, 308)
    assert bare.headers["location"].endswith("/dashboard/")
    for reply in refused:
        assert reply.status_code == 403, reply.request.url
        assert reply.json()["code"] == "forbidden"
        assert reply.json()["detail"] == f"the {STATE} node answers only its hub"


def test_a_reviewer_sees_the_held_message(net: NodeNet) -> None:
    message_id = net.hold("26-0101")
    with net.browser() as client:
        sign_in(client, "wa.reviewer")
        overview = client.get("/dashboard/")
        queue = client.get(f"/dashboard/states/{STATE}/reviews")
        item = client.get(f"/dashboard/states/{STATE}/reviews/{message_id}")
    assert overview.status_code == 200
    assert 'id="node-scope"' in overview.text
    assert re.findall(r'data-state="(\w+)"', overview.text) == [STATE]
    assert number(overview.text, "national.pending_reviews") >= 1
    assert queue.status_code == 200
    assert f"{message_id[:12]}…" in queue.text
    assert item.status_code == 200
    assert "26-0101" in item.text
    assert 'value="approve"' in item.text


def test_the_reports_come_from_the_nodes_own_database(layout: Layout, tmp_path: Path) -> None:
    """The node's audit log in PostgreSQL (``--database``, no environment): the report
    page shows its numbers, as ``state_report`` reads them from that database."""
    with node_network(layout, tmp_path, "postgresql") as started:
        add_account(started.layout, "wa.viewer", "viewer", STATE)
        started.hold("26-0303")
        denied = started.send(started.ice_token, f"DQ.WAICE0100.WA.OLN/{started.oln}.PUR/I.")
        hit = started.send(started.wa_token, f"DQ.WA0340000.WA.OLN/{started.oln}.PUR/C.")
        size = started.wait_for_checkpoint()
        with started.browser() as client:
            sign_in(client, "wa.viewer")
            report = client.get(f"/dashboard/states/{STATE}/")
        expected = state_report(started.layout, STATE)["totals"]  # from the node's database
    assert denied["summary"] == {STATE: "DENIED"}
    assert hit["summary"] == {STATE: "HIT"}
    folder = AuditLog.open(STATE, Layout(started.layout.root).audit(STATE))
    try:
        assert folder.size() == 0  # the data folder's own log file holds nothing
    finally:
        folder.close()
    assert report.status_code == 200
    assert f"size {size:,}," in report.text  # the checkpoint the page covers
    for key in ("requests", "refused", "held", "records_released"):
        assert number(report.text, f"totals.{key}") == expected[key], key
    assert expected["held"] == 1
    assert expected["refused"] == 1
    assert expected["records_released"] == 1


def test_an_account_of_another_state_sees_nothing_of_wa(net: NodeNet) -> None:
    net.hold("26-0202")
    with net.browser() as client:
        sign_in(client, "or.reviewer")
        overview = client.get("/dashboard/")
        pages = {
            path: client.get(path)
            for path in (
                f"/dashboard/states/{STATE}/",
                f"/dashboard/states/{STATE}/reviews",
                f"/dashboard/states/{STATE}/notices",
                f"/dashboard/states/{STATE}/records.csv",
            )
        }
        other = client.get("/dashboard/states/OR/reviews")
        unknown = client.get("/dashboard/states/ZZ/")
    assert overview.status_code == 200
    assert "Your account covers none of the states served here" in overview.text
    assert "data-state=" not in overview.text
    assert "data-key=" not in overview.text
    for path, page in pages.items():
        assert page.status_code == 403, path
        assert f"your account does not cover {STATE}" in page.text
        assert "26-0202" not in page.text
    assert other.status_code == 404
    assert f"this node serves {STATE} only: Oregon&#39;s dashboard is at OR&#39;s own node" in (
        other.text
    )
    assert unknown.status_code == 404
    assert "unknown state &#39;ZZ&#39;" in unknown.text


def test_an_account_of_several_states_sees_only_this_one(net: NodeNet) -> None:
    with net.browser() as client:
        sign_in(client, "west.viewer")
        overview = client.get("/dashboard/")
        review = client.get(f"/dashboard/states/{STATE}/reviews")
    assert re.findall(r'data-state="(\w+)"', overview.text) == [STATE]
    assert review.status_code == 200
    assert 'value="approve"' not in review.text  # a viewer does not decide


def test_a_node_without_its_dashboard_answers_only_the_hub(layout: Layout, tmp_path: Path) -> None:
    """``--no-dashboard``: the dashboard's paths are the hub's only, like every other."""
    with node_network(layout, tmp_path, "sqlite", "--no-dashboard") as started:
        with started.browser() as browser:
            login = browser.get("/dashboard/login")
            tiles = browser.get(f"/logs/{STATE}/checkpoint")
        assert started.send(started.wa_token, f"DQ.WA0340000.WA.OLN/{started.oln}.PUR/C.")[
            "summary"
        ] == {STATE: "HIT"}
    assert login.status_code == 403
    assert login.json()["detail"] == f"the {STATE} node answers only its hub"
    assert tiles.status_code != 403  # the tiled log stays public
