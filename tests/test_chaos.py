"""Chaos: a hub replica dies and the hub database's connections are cut, under load.

A real topology on loopback: nginx (TCP pass-through) in front of two hub replicas on one
PostgreSQL hub database, and three state nodes. A few clients send a steady, bounded
load through nginx, every message with its own control field; a client whose message
fails (no answer, or a 5xx) sends the *same* message again, a bounded number of times.
Mid-run hub-1 is killed (SIGKILL); later every connection to the hub database is
terminated (``pg_terminate_backend``: the surviving hub's pool loses them all).

Afterwards: every message got an answer or a clear error (a status and a detail in
words); no state logged a message twice (by message id, and by control field: a retry
that became a new message would show); every answer a client received that a state
decided (HIT, NO_HIT, DENIED, HELD) has exactly one audit record at that state, with
that message id and status, at the receipt's place in the log; ``statelink audit
verify`` passes on every node. The counts are printed (``pytest -s``).
"""

from __future__ import annotations

import asyncio
import signal
import ssl
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import sqlalchemy as sa

from statelink.audit.log import AuditLog, Filters
from statelink.hub.members import MemberStore
from statelink.nation import Layout
from statelink.pki import fingerprint_of
from statelink.pki import init as pki_init
from statelink.processes import ProcessNetwork
from tests.conftest import Run, copy_nation
from tests.nginx import require_nginx
from tests.postgres import ADMIN_URL, drop_database, fresh_database

STATES = ("WA", "OR", "ID")
CLIENTS = 4
SECONDS = 12.0  # of load; hub-1 is killed at KILL_AT, the database cut at CUT_AT
KILL_AT = 3.0
CUT_AT = 7.0
TRIES = 8  # sends of one message at most
DECIDED = {"HIT", "NO_HIT", "DENIED", "HELD"}


@dataclass
class Outcome:
    """What a client finally got for one message, after its retries."""

    control: str
    tries: int
    status: int | None  # the HTTP status of the last reply; None: no reply at all
    body: dict[str, Any]
    error: str = ""


def _messages(oln: str) -> list[Callable[[str], str]]:
    """The mix: a hit, a name in three states, a civil-immigration refusal, a hold."""
    return [
        lambda c: f"DQ.WA0340000.WA.*{c}.OLN/{oln}.PUR/C.",
        lambda c: f"DNQ.WA0340000.WA,OR,ID.*{c}.NAM/SMITH, JAMES.PUR/C.",
        lambda c: f"DQ.WAICE0100.WA.*{c}.OLN/{oln}.PUR/I.",
        lambda c: f"DQ.WAHSI0100.WA.*{c}.OLN/{oln}.PUR/C.OFF/6499.CAS/26-0042.",
    ]


async def _send(client: httpx.AsyncClient, control: str, text: str) -> Outcome:
    """Send one message; again (the same text) on no answer or a 5xx, TRIES times at most."""
    outcome = Outcome(control, 0, None, {})
    for attempt in range(1, TRIES + 1):
        outcome.tries = attempt
        try:
            reply = await client.post(
                "/v1/messages", content=text, headers={"content-type": "text/plain"}
            )
        except httpx.HTTPError as e:
            outcome.status, outcome.body, outcome.error = None, {}, type(e).__name__
        else:
            outcome.status, outcome.error = reply.status_code, ""
            outcome.body = reply.json()
            if reply.status_code < 500:
                return outcome
        await asyncio.sleep(0.25 * attempt)
    return outcome


async def _client(number: int, url: str, context: ssl.SSLContext, oln: str) -> list[Outcome]:
    outcomes = []
    mix = _messages(oln)
    until = time.monotonic() + SECONDS
    async with httpx.AsyncClient(base_url=url, verify=context, timeout=15) as client:
        sent = 0
        while time.monotonic() < until:
            control = f"C{number}X{sent:05d}"
            outcomes.append(await _send(client, control, mix[sent % len(mix)](control)))
            sent += 1
            await asyncio.sleep(0.02)
    return outcomes


def _cut_database(url: str) -> int:
    """Terminate every connection to the hub database; how many there were."""
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    return sum(1 for (done,) in rows if done)


async def _chaos(
    network: ProcessNetwork, hub_db: str, context: ssl.SSLContext, oln: str
) -> tuple[list[Outcome], int]:
    """The load, with the two faults in it: every outcome, and the connections cut."""
    load = [asyncio.create_task(_client(n, network.url, context, oln)) for n in range(CLIENTS)]
    await asyncio.sleep(KILL_AT)
    network.replica("hub-1").signal(signal.SIGKILL)
    await asyncio.sleep(CUT_AT - KILL_AT)
    cut = await asyncio.to_thread(_cut_database, hub_db)
    results = await asyncio.gather(*load)
    return [o for r in results for o in r], cut


def _records(layout: Layout) -> dict[str, list[Any]]:
    records = {}
    for state in STATES:
        log = AuditLog.open(state, layout.audit(state))
        try:
            records[state] = list(log.find(Filters()))
        finally:
            log.close()
    return records


def _check_released(outcomes: list[Outcome], layout: Layout) -> Counter[str]:
    """Every decided answer has its one record, where its receipt says; the statuses."""
    seen: Counter[str] = Counter()
    logs = {s: AuditLog.open(s, layout.audit(s)) for s in STATES}
    try:
        for outcome in outcomes:
            if outcome.status != 200:
                continue
            for answer in outcome.body["answers"]:
                seen[answer["status"]] += 1
                if answer["status"] not in DECIDED:
                    assert answer["detail"], f"{outcome.control}: {answer['status']} without why"
                    continue
                receipt = answer["receipt"]
                log = logs[answer["state"]]
                record = log.record(receipt["seq"])
                assert record.message_id == outcome.body["message_id"], outcome.control
                assert record.status == answer["status"], outcome.control
                assert log.leaf_hash(receipt["seq"]).hex() == receipt["leaf_hash"]
    finally:
        for log in logs.values():
            log.close()
    return seen


def test_no_answer_is_lost_or_doubled_when_a_hub_and_the_database_fail(
    layout: Layout, tmp_path: Path, run: Callable[..., Run]
) -> None:
    require_nginx()
    own = copy_nation(layout, tmp_path / "nation")
    pki = pki_init(tmp_path / "pki", states=STATES, members=["chaos"])
    hub_db = fresh_database()
    members = MemberStore.open("hub", hub_db)
    members.add(
        "chaos",
        states=list(STATES),
        components=["ICE", "HSI"],
        cert_sha256=fingerprint_of(pki.member("chaos")),
    )
    members.close()
    with sa.create_engine(f"sqlite:///{own.records('WA')}").connect() as conn:
        oln = conn.execute(sa.text("SELECT oln FROM driver ORDER BY id LIMIT 1")).scalar_one()
    network = ProcessNetwork(
        own, pki, STATES, tmp_path / "logs", hub_database=hub_db, hubs=2, check_interval=0.5
    )
    for replica in network.replicas:
        replica.args += ["--member-rate", "0"]  # the load is one member's
    context = ssl.create_default_context(cafile=str(pki.ca))
    context.load_cert_chain(pki.member("chaos"), pki.member_key("chaos"))
    try:
        with network:
            outcomes, cut = asyncio.run(_chaos(network, hub_db, context, oln))
            assert network.checker is not None
            taken_out = [c.replica for c in network.checker.changes if not c.ready]
    finally:
        drop_database(hub_db)

    unanswered = [o for o in outcomes if o.status is None]
    errors = [o for o in outcomes if o.status is not None and o.status != 200]
    retried = [o for o in outcomes if o.tries > 1]
    records = _records(own)
    statuses = _check_released(outcomes, own)
    verified = {s: run("audit", "verify", "--state", s, "--data", str(own.root)) for s in STATES}
    kinds = Counter(f"{o.status} {o.body.get('code')}" for o in errors)
    print(
        f"\nchaos: {len(outcomes)} messages from {CLIENTS} clients; {len(retried)} retried "
        f"({sum(o.tries - 1 for o in outcomes)} retries); answers by state: "
        f"{dict(sorted(statuses.items()))}; clear errors: {dict(kinds)}; no answer: "
        f"{len(unanswered)}; hub database connections cut: {cut}; taken out: {taken_out}; "
        f"audit records: {', '.join(f'{s} {len(r)}' for s, r in records.items())}"
    )
    assert unanswered == [], [(o.control, o.error) for o in unanswered]
    for outcome in errors:  # a clear error: a status and a detail in words
        assert isinstance(outcome.body.get("detail"), str), outcome
        assert len(outcome.body["detail"].split()) >= 3, outcome
    for state, logged in records.items():
        twice = [m for m, n in Counter(r.message_id for r in logged).items() if n > 1]
        assert twice == [], f"{state} logged message(s) twice: {twice}"
        again = [c for c, n in Counter(r.control for r in logged).items() if n > 1]
        assert again == [], f"{state} logged a control field twice (a retry became new): {again}"
    for state, result in verified.items():
        assert result.code == 0, f"audit verify {state}: {result.out}{result.err}"
    assert cut > 0, "the surviving hub held no database connection to cut"
    assert "hub-1" in taken_out
    assert statuses["HIT"] > 0
    assert len(outcomes) >= 40
