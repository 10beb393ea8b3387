"""Every answer a node gives is logged first; a node that cannot log releases nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa

from statelink.embedded import EmbeddedNetwork
from statelink.messages import decode
from statelink.messages.response import Status
from statelink.nation import Layout
from tests.conftest import copy_nation, records_of

pytestmark = pytest.mark.anyio


async def test_every_kind_of_answer_carries_a_receipt(network: EmbeddedNetwork) -> None:
    wa = network.nodes["WA"]
    oln = records_of(wa).list_drivers(1)[0].oln
    messages = {
        Status.HIT: f"DQ.NY0303000.WA.OLN/{oln}.PUR/C.",
        Status.NO_HIT: "DQ.NY0303000.WA.OLN/NOSUCH1.PUR/C.",
        Status.DENIED: f"DQ.WAICE0100.WA.OLN/{oln}.PUR/I.",
        Status.HELD: f"DQ.WAICE0100.WA.OLN/{oln}.PUR/C.OFF/0911.",
    }
    seqs = []
    for status, text in messages.items():
        (answer,) = (await network.hub.submit(decode(text))).answers
        assert answer.status is status
        assert answer.receipt is not None
        assert answer.receipt.log == "statelink.example/audit/WA"
        assert len(answer.receipt.leaf_hash) == 64
        seqs.append(answer.receipt.seq)
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == len(seqs)


def test_a_node_that_cannot_log_answers_unavailable_and_releases_nothing(
    layout: Layout, tmp_path: Path
) -> None:
    own = copy_nation(layout, tmp_path / "nation")

    async def run() -> None:
        async with EmbeddedNetwork.open(own) as network:
            wa = network.nodes["WA"]
            oln = records_of(wa).list_drivers(1)[0].oln
            ok = await network.hub.submit(decode(f"DQ.NY0303000.WA.OLN/{oln}.PUR/C."))
            assert ok.summary["WA"] is Status.HIT
            engine = sa.create_engine(f"sqlite:///{own.audit('WA')}")
            with engine.begin() as conn:
                conn.exec_driver_sql(
                    "CREATE TRIGGER full BEFORE INSERT ON audit_record "
                    "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
                )
            engine.dispose()
            reply = await network.hub.submit(decode(f"DQ.NY0303000.WA.OLN/{oln}.PUR/C."))
            (answer,) = reply.answers
            assert answer.status is Status.UNAVAILABLE
            assert answer.drivers == []
            assert answer.receipt is None
            assert "audit log could not be written" in answer.detail

    asyncio.run(run())


def test_no_personal_data_reaches_the_audit_logs_or_the_hub_log(
    layout: Layout, tmp_path: Path
) -> None:
    own = copy_nation(layout, tmp_path / "nation")

    async def run() -> list[str]:
        async with EmbeddedNetwork.open(own) as network:
            wa = network.nodes["WA"]
            driver = records_of(wa).list_drivers(1)[0]
            vehicle = records_of(wa).list_vehicles(1)[0]
            texts = [
                f"DQ.NY0303000.WA.OLN/{driver.oln}.PUR/C.OPR/OFFICER KRUPKE.",
                f"DQ.NY0303000.WA.NAM/{driver.name}.DOB/{driver.dob}.PUR/T.",
                f"RQ.NY0303000.NL.LIC/{vehicle.plate}.PUR/C.",
                f"RQ.NY0303000.WA.VIN/{vehicle.vin}.PUR/C.",
            ]
            for text in texts:
                await network.hub.submit(decode(text))
            last = driver.name.split(",")[0]
            return [driver.oln, last, driver.dob, vehicle.plate, vehicle.vin, "KRUPKE"]

    secrets = asyncio.run(run())
    stored = b"".join(
        p.read_bytes()
        for p in own.root.rglob("*")
        if p.is_file() and ("audit.sqlite" in p.name or "hub.sqlite" in p.name)
    )
    assert stored
    for secret in secrets:
        assert secret.encode() not in stored, secret
