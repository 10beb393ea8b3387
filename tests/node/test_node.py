"""A state's node checks every delivered message for itself: it never trusts the hub."""

from __future__ import annotations

import pytest

from statelink.directory import Directory
from statelink.directory.source import DirectorySource
from statelink.embedded import EmbeddedNetwork
from statelink.messages import decode
from statelink.messages.envelope import Envelope
from statelink.messages.response import Status
from statelink.node import StateNode

pytestmark = pytest.mark.anyio


def _envelope(text: str) -> Envelope:
    return Envelope(message_id="T1", message=decode(text), received_at="2026-01-01T00:00:00Z")


async def test_answers_a_message_for_itself(network: EmbeddedNetwork) -> None:
    node = network.nodes["WA"]
    vehicle = node.records.list_vehicles(1)[0]
    answer = await node.handle(_envelope(f"RQ.NY0303000.WA.VIN/{vehicle.vin}.PUR/C."))
    assert answer.status is Status.HIT
    assert answer.vehicles == [vehicle]
    assert answer.drivers == []
    assert answer.elapsed_ms > 0


async def test_rejects_a_message_addressed_elsewhere(network: EmbeddedNetwork) -> None:
    answer = await network.nodes["WA"].handle(_envelope("DQ.NY0303000.OR.OLN/A1.PUR/C."))
    assert answer.status is Status.REJECTED
    assert answer.detail == "message is not addressed to WA"


async def test_rejects_an_ori_missing_from_its_own_directory(network: EmbeddedNetwork) -> None:
    own = DirectorySource(Directory(a for a in network.directory if a.ori != "NY0303000"))
    wa = network.nodes["WA"]
    node = StateNode("WA", wa.records, own, wa.policy)
    answer = await node.handle(_envelope("DQ.NY0303000.WA.OLN/A1.PUR/C."))
    assert answer.status is Status.REJECTED
    assert "unknown ORI NY0303000" in answer.detail
    assert answer.record_count == 0


async def test_nationwide_messages_are_for_every_node(network: EmbeddedNetwork) -> None:
    answer = await network.nodes["WY"].handle(_envelope("RQ.NY0303000.NL.LIC/ZZZ9999.PUR/C."))
    assert answer.status is Status.NO_HIT
