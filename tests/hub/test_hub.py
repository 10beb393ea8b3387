"""The hub: destinations, concurrent fan-out, merging, and failing closed."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from statelink.embedded import EmbeddedNetwork
from statelink.errors import NotFound, UnknownAgency
from statelink.hub import Hub
from statelink.hub.routing_log import Routed
from statelink.messages import decode
from statelink.messages.envelope import Envelope
from statelink.messages.response import StateAnswer, Status
from statelink.nation import Layout, read_manifest
from statelink.records.generator import shared_plates
from statelink.transport import Transport
from tests.conftest import copy_nation, records_of

pytestmark = pytest.mark.anyio


class Troubled:
    """A transport around the real one: some states fail, stall, or are recorded."""

    def __init__(
        self,
        inner: Transport,
        *,
        failing: frozenset[str] = frozenset(),
        stalled: frozenset[str] = frozenset(),
    ) -> None:
        self.inner = inner
        self.failing = failing
        self.stalled = stalled
        self.delivered: list[str] = []

    def states(self) -> frozenset[str]:
        return self.inner.states()

    async def deliver(self, state: str, envelope: Envelope) -> StateAnswer:
        self.delivered.append(state)
        if state in self.failing:
            raise RuntimeError("disk on fire")
        if state in self.stalled:
            await asyncio.sleep(30)
        return await self.inner.deliver(state, envelope)

    async def collect(self, state: str, message_id: str, ori: str) -> StateAnswer:
        if state in self.failing:
            raise RuntimeError("disk on fire")
        return await self.inner.collect(state, message_id, ori)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_single_state_hit(network: EmbeddedNetwork) -> None:
    driver = records_of(network.nodes["WA"]).list_drivers(1)[0]
    reply = await network.hub.submit(decode(f"DQ.NY0303000.WA.*CTL1.OLN/{driver.oln}.PUR/C."))
    assert reply.mke == "DR"
    assert reply.control == "CTL1"
    assert reply.summary == {"WA": Status.HIT}
    (answer,) = reply.answers
    assert answer.drivers == [driver]
    assert re.fullmatch(r"[0-9A-F]{32}", reply.message_id)


async def test_no_hit_from_a_listed_state_is_kept(network: EmbeddedNetwork) -> None:
    reply = await network.hub.submit(decode("DQ.NY0303000.WA,OR.OLN/NOSUCH1.PUR/C."))
    assert reply.summary == {"WA": Status.NO_HIT, "OR": Status.NO_HIT}
    assert [a.state for a in reply.answers] == ["WA", "OR"]


async def test_nationwide_drops_no_hits_but_summarises_every_state(
    network: EmbeddedNetwork, layout: Layout
) -> None:
    manifest = read_manifest(layout)
    assert manifest is not None
    plate = shared_plates(manifest.seed)[0]
    reply = await network.hub.submit(decode(f"RQ.NY0303000.NL.LIC/{plate}.PUR/C."))
    assert len(reply.summary) == 51 == len(reply.destinations)
    hits = [s for s, status in reply.summary.items() if status is Status.HIT]
    assert len(hits) >= 2
    assert [a.state for a in reply.answers] == hits
    assert all(v.plate == plate for a in reply.answers for v in a.vehicles)
    assert reply.counts() == {"HIT": len(hits), "NO_HIT": 51 - len(hits)}


async def test_unknown_ori_is_refused_before_anything_is_sent(
    network: EmbeddedNetwork,
) -> None:
    spy = Troubled(network.transport)
    hub = Hub(network.directories, spy)
    with pytest.raises(UnknownAgency):
        await hub.submit(decode("DQ.NY9999999.WA.OLN/A1.PUR/C."))
    assert spy.delivered == []


async def test_a_failing_node_is_unavailable_for_its_state_only(
    network: EmbeddedNetwork,
) -> None:
    troubled = Troubled(network.transport, failing=frozenset({"OR"}))
    hub = Hub(network.directories, troubled)
    reply = await hub.submit(decode("DNQ.NY0303000.WA,OR,ID.NAM/SMITH, JAMES.PUR/C."))
    assert reply.summary["OR"] is Status.UNAVAILABLE
    assert reply.summary["WA"] is not Status.UNAVAILABLE
    (oregon,) = [a for a in reply.answers if a.state == "OR"]
    assert oregon.detail == "the node failed while answering"
    assert oregon.record_count == 0


async def test_a_stalled_node_times_out_while_the_others_answer(
    network: EmbeddedNetwork,
) -> None:
    await network.hub.submit(decode("RQ.NY0303000.NL.LIC/ZZZ9999.PUR/C."))  # open every node
    troubled = Troubled(network.transport, stalled=frozenset({"ID"}))
    hub = Hub(network.directories, troubled, single_timeout=0.2, nationwide_timeout=0.3)
    reply = await hub.submit(decode("DNQ.NY0303000.WA,ID.NAM/SMITH, JAMES.PUR/C."))
    assert reply.summary["ID"] is Status.UNAVAILABLE
    assert "did not answer within 0.2 s" in next(a.detail for a in reply.answers if a.state == "ID")
    assert reply.elapsed_ms < 2000
    nationwide = await hub.submit(decode("RQ.NY0303000.NL.LIC/ZZZ9999.PUR/C."))
    assert nationwide.summary["ID"] is Status.UNAVAILABLE
    assert sum(s is Status.NO_HIT for s in nationwide.summary.values()) == 50


async def test_a_state_with_no_node_is_unavailable(network: EmbeddedNetwork) -> None:
    partial = {s: n for s, n in network.nodes.items() if s != "OR"}
    from statelink.transport.inprocess import InProcessTransport

    hub = Hub(network.directories, InProcessTransport(partial))
    reply = await hub.submit(decode("DQ.NY0303000.WA,OR.OLN/X1.PUR/C."))
    assert reply.summary == {"WA": Status.NO_HIT, "OR": Status.UNAVAILABLE}
    nationwide = await hub.submit(decode("RQ.NY0303000.NL.LIC/ZZZ9999.PUR/C."))
    assert "OR" not in nationwide.destinations
    assert len(nationwide.destinations) == 50


def test_the_routing_log_keeps_metadata_only(layout: Layout, tmp_path: Path) -> None:
    own = copy_nation(layout, tmp_path / "nation")

    async def run() -> list[Routed]:
        async with EmbeddedNetwork.open(own) as network:
            await network.hub.submit(decode("DQ.NY0303000.WA,OR.*CT1.OLN/WDLSECRET99.PUR/C."))
            return network.routing_log.rows()

    (row,) = asyncio.run(run())
    assert (row.ori, row.mke, row.dest, row.control) == (
        "NY0303000",
        "DQ",
        "WA,OR",
        "CT1",
    )
    assert row.summary == '{"WA": "NO_HIT", "OR": "NO_HIT"}'
    assert b"WDLSECRET99" not in own.hub_db.read_bytes()


async def test_a_failing_node_is_unavailable_when_collecting_too(
    network: EmbeddedNetwork,
) -> None:
    oln = records_of(network.nodes["WA"]).list_drivers(1)[0].oln
    held = await network.hub.submit(decode(f"DQ.WAHSI0100.WA,OR.OLN/{oln}.PUR/C.OFF/6499."))
    assert held.summary == {"WA": Status.HELD, "OR": Status.HELD}
    troubled = Troubled(network.transport, failing=frozenset({"OR"}))
    hub = Hub(network.directories, troubled, routing_log=network.routing_log)
    reply = await hub.collect(held.message_id, "WAHSI0100")
    assert reply.summary == {"WA": Status.HELD, "OR": Status.UNAVAILABLE}
    assert reply.mke == "DR"
    plain = await network.hub.submit(decode("DQ.NY0303000.WA.OLN/NOSUCH1.PUR/C."))
    with pytest.raises(NotFound, match="no state held it"):
        await network.hub.collect(plain.message_id, "NY0303000")
