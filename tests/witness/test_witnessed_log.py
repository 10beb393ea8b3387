"""A node's log pushed to a real witness process, cosigned, and a cut tail caught."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from statelink.embedded import EmbeddedNetwork
from statelink.messages import decode
from statelink.nation import Layout
from statelink.web.api import create_app
from statelink.witness.keys import WitnessKey
from tests.conftest import Run, copy_nation, records_of
from tests.web.conftest import serving
from tests.witness.conftest import HostileWitness, RunningWitness, cli, start

Invoke = Callable[..., Run]
ORIGIN = "statelink.example/audit/WA"


async def _answer(network: EmbeddedNetwork, count: int, first: int = 0) -> None:
    oln = records_of(network.nodes["WA"]).list_drivers(1)[0].oln
    for n in range(first, first + count):
        await network.hub.submit(decode(f"DQ.NY0303000.WA.*C{n}.OLN/{oln}.PUR/C."))


@pytest.fixture
def logged(layout: Layout, tmp_path: Path) -> Layout:
    own = copy_nation(layout, tmp_path / "nation")

    async def run() -> None:
        async with EmbeddedNetwork.open(own, checkpoint_every=10) as network:
            await _answer(network, 30)

    asyncio.run(run())
    return own


@pytest.fixture
def witness(logged: Layout, tmp_path: Path, run: Invoke) -> Iterator[RunningWitness]:
    folder = tmp_path / "witness"
    assert (
        cli("witness", "init", "--dir", str(folder), "--name", "auditor.example/w1").returncode == 0
    )
    key = run("audit", "key", "--state", "WA", "--data", str(logged.root)).out.strip()
    added = cli("witness", "add-log", "--dir", str(folder), "--origin", ORIGIN, "--key", key)
    assert added.returncode == 0, added.stderr
    yield from start(folder)


def _cut_tail(logged: Layout, keep: int) -> None:
    """Delete the records from ``keep`` on, their tree nodes and the later checkpoints."""
    engine = sa.create_engine(f"sqlite:///{logged.audit_store('WA')}")
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DELETE FROM audit_record WHERE seq >= {keep}")
        conn.exec_driver_sql(f"DELETE FROM tree_node WHERE (idx + 1) * (1 << level) > {keep}")
        conn.exec_driver_sql(f"DELETE FROM checkpoint WHERE size > {keep}")
    engine.dispose()


def test_pushed_cosigned_then_a_cut_tail_is_caught(
    logged: Layout, witness: RunningWitness, run: Invoke
) -> None:
    data = ("--state", "WA", "--data", str(logged.root))
    added = run("audit", "witnesses", "--add", witness.url, "--key", witness.vkey, *data)
    assert added.code == 0, added.err
    pushed = json.loads(run("audit", "witness", "--json", *data).out)
    assert pushed == [{"witness": "auditor.example/w1", "size": 30, "ok": True, "why": ""}]
    listed = json.loads(run("audit", "witnesses", "--json", *data).out)
    assert listed[0]["cosigned"] == 30
    note = run("audit", "checkpoint", *data).out
    assert note.splitlines()[-1].startswith("\u2014 auditor.example/w1 ")
    kept = run("audit", "verify", "--witness", witness.vkey, "--json", *data)
    assert kept.code == 0, kept.err
    assert json.loads(kept.out)["witnesses"] == [
        {"name": "auditor.example/w1", "cosigned_size": 30, "ok": True, "why": ""}
    ]
    asked = run("audit", "verify", "--witness", f"{witness.vkey}@{witness.url}", *data)
    assert asked.code == 0
    assert "cosigned by auditor.example/w1 at size 30" in asked.out
    _served_and_reported_as_witnessed(logged, note, run)

    _cut_tail(logged, 20)
    assert run("audit", "verify", *data).code == 0  # the log alone cannot tell
    refused = run("audit", "verify", "--witness", f"{witness.vkey}@{witness.url}", *data)
    assert refused.code == 1
    assert "witness auditor.example/w1 has cosigned 30 records of WA's log, which now has 20" in (
        refused.err
    )
    assert "first bad index: 20" in refused.err
    as_json = json.loads(
        run("audit", "verify", "--json", "--witness", f"{witness.vkey}@{witness.url}", *data).out
    )
    assert as_json["verified"] is False
    assert as_json["first_bad_index"] == 20
    assert as_json["witnesses"][0]["cosigned_size"] == 30
    offline = run("audit", "verify", "--witness", witness.vkey, *data)
    assert offline.code == 1
    assert (
        "the node's own records show witness auditor.example/w1 cosigned 30 records of WA's "
        "log, which now has 20: records were removed (first bad index: 20)"
    ) in offline.err


def test_a_cut_tail_is_logged_as_an_error_once_per_size(
    logged: Layout, witness: RunningWitness, run: Invoke, caplog: pytest.LogCaptureFixture
) -> None:
    data = ("--state", "WA", "--data", str(logged.root))
    assert run("audit", "witnesses", "--add", witness.url, "--key", witness.vkey, *data).code == 0
    assert run("audit", "witness", *data).code == 0
    _cut_tail(logged, 20)

    async def rounds() -> None:
        async with EmbeddedNetwork.open(logged, checkpoint_every=10) as network:
            assert network.nodes["WA"].state == "WA"  # opened: its witnesses are pushed to
            for _ in range(3):
                await network.push_checkpoints()

    caplog.set_level(logging.WARNING, logger="statelink.witness.pusher")
    asyncio.run(rounds())
    cut = [r for r in caplog.records if "cosigned 30 records" in r.getMessage()]
    assert [r.levelno for r in cut] == [logging.ERROR]


def _served_and_reported_as_witnessed(logged: Layout, note: str, run: Invoke) -> None:
    """The tiled log serves the cosigned checkpoint; a report names its witness, and only
    while the kept cosignature verifies."""
    with serving(create_app(EmbeddedNetwork.open(logged))) as url:
        assert httpx.get(f"{url}/logs/WA/checkpoint", timeout=10).text == note
    report = json.loads(run("report", "--state", "WA", "--json", "--data", str(logged.root)).out)
    assert report["anchor"]["size"] == 30
    assert report["anchor"]["witnessed_by"] == ["auditor.example/w1"]
    engine = sa.create_engine(f"sqlite:///{logged.node_store('WA')}")
    with engine.begin() as conn:  # a forged line: same witness, another signature
        conn.exec_driver_sql("UPDATE cosignature SET line = substr(line, 1, length(line) - 8)")
    engine.dispose()
    report = json.loads(run("report", "--state", "WA", "--json", "--data", str(logged.root)).out)
    assert report["anchor"]["witnessed_by"] == []


def test_a_witness_behind_catches_up_and_the_quorum_counts(
    logged: Layout, witness: RunningWitness, run: Invoke, tmp_path: Path
) -> None:
    data = ("--state", "WA", "--data", str(logged.root))
    first = run("audit", "verify", "--witness", f"{witness.vkey}@{witness.url}", *data)
    assert first.code == 0, first.err  # 409 with 0: a proof from 0, then cosigned at 30

    async def more() -> None:
        async with EmbeddedNetwork.open(logged, checkpoint_every=10) as network:
            await _answer(network, 10, first=30)

    asyncio.run(more())
    again = run("audit", "verify", "--witness", f"{witness.vkey}@{witness.url}", *data)
    assert again.code == 0
    assert "at size 40" in again.out
    stranger = WitnessKey.create(tmp_path / "stranger", "stranger.example/w9").verifier_key()
    both = ("--witness", f"{witness.vkey}@{witness.url}", "--witness", stranger)
    assert run("audit", "verify", *both, "--quorum", "1", *data).code == 0
    short = run("audit", "verify", *both, *data)
    assert short.code == 1
    assert "only 1 of 2 witnesses cosigned WA's latest checkpoint" in short.err
    assert run("audit", "verify", "--quorum", "3", *both, *data).code == 2
    assert run("audit", "verify", "--witness", "not-a-key", *data).code == 2


def test_housekeeping_pushes_and_a_witness_that_is_down_blocks_nothing(
    logged: Layout, witness: RunningWitness, run: Invoke, tmp_path: Path
) -> None:
    data = ("--state", "WA", "--data", str(logged.root))
    assert run("audit", "witnesses", "--add", witness.url, "--key", witness.vkey, *data).code == 0
    down = WitnessKey.create(tmp_path / "down", "down.example/w2").verifier_key()
    assert run("audit", "witnesses", "--add", "http://127.0.0.1:9", "--key", down, *data).code == 0

    async def serve() -> None:
        async with EmbeddedNetwork.open(logged, checkpoint_every=10) as network:
            await _answer(network, 10, first=30)
            await network.push_checkpoints()  # the chore the housekeeping runs

    asyncio.run(serve())
    listed = {
        w["name"]: w["cosigned"] for w in json.loads(run("audit", "witnesses", "--json", *data).out)
    }
    assert listed == {"auditor.example/w1": 40, "down.example/w2": 0}
    pushed = run("audit", "witness", *data)
    assert pushed.code == 1
    assert "failed down.example/w2" in pushed.out
    removed = run("audit", "witnesses", "--remove", "down.example/w2", *data)
    assert removed.code == 0
    assert run("audit", "witnesses", "--remove", "down.example/w2", *data).code != 0


def test_an_idle_network_catches_up_a_witness_registered_while_it_serves(
    logged: Layout, witness: RunningWitness, run: Invoke
) -> None:
    """No query has opened WA's node yet: its housekeeping still pushes WA's log."""
    data = ("--state", "WA", "--data", str(logged.root))

    async def serve() -> None:
        async with EmbeddedNetwork.open(logged) as network:
            added = run("audit", "witnesses", "--add", witness.url, "--key", witness.vkey, *data)
            assert added.code == 0
            await network.push_checkpoints()

    asyncio.run(serve())
    listed = json.loads(run("audit", "witnesses", "--json", *data).out)
    assert [(w["name"], w["cosigned"]) for w in listed] == [("auditor.example/w1", 30)]


def test_a_hostile_or_misconfigured_witness_is_refused_not_a_crash(
    logged: Layout, hostile: HostileWitness, run: Invoke
) -> None:
    data = ("--state", "WA", "--data", str(logged.root))
    bad = run("audit", "witnesses", "--add", "http://[::1", "--key", hostile.vkey, *data)
    assert bad.code == 2
    assert "not a valid witness URL" in bad.err
    assert run("audit", "verify", "--witness", f"{hostile.vkey}@http://[::1", *data).code == 2
    added = run("audit", "witnesses", "--add", f"{hostile.url}/superscript", "--key",
                hostile.vkey, *data)  # fmt: skip
    assert added.code == 0, added.err
    pushed = run("audit", "witness", *data)
    assert pushed.code == 1
    assert "failed hostile.example/w6" in pushed.out
    asked = run("audit", "verify", "--witness", f"{hostile.vkey}@{hostile.url}/superscript", *data)
    assert asked.code == 1
    assert "a 409 without a text/x.tlog.size body of one size" in asked.err


def test_only_a_fresh_cosignature_counts_when_a_witness_is_asked(
    logged: Layout, hostile: HostileWitness, run: Invoke
) -> None:
    data = ("--state", "WA", "--data", str(logged.root))
    fresh = run("audit", "verify", "--witness", f"{hostile.vkey}@{hostile.url}/fresh", *data)
    assert fresh.code == 0, fresh.err
    replayed = run("audit", "verify", "--witness", f"{hostile.vkey}@{hostile.url}/replay", *data)
    assert replayed.code == 1
    assert "its cosignature is dated 3,6" in replayed.err
    assert "an old answer replayed? reach the witness over https" in replayed.err
    ahead = run("audit", "verify", "--witness", f"{hostile.vkey}@{hostile.url}/future", *data)
    assert ahead.code == 1
    assert "ahead of this clock" in ahead.err
