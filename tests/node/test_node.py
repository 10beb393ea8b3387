"""A state's node checks every delivered message for itself: it never trusts the hub."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from statelink.directory import Directory
from statelink.directory.source import DirectorySource
from statelink.embedded import EmbeddedNetwork
from statelink.messages import decode
from statelink.messages.envelope import Envelope
from statelink.messages.response import Status
from statelink.node import StateNode
from statelink.policy.active import PolicyStore
from statelink.policy.decision_point import DecisionPoint
from tests.conftest import records_of

pytestmark = pytest.mark.anyio


def _envelope(text: str) -> Envelope:
    """A message as the hub hands it over now (the embedded node decides at its time)."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
    return Envelope(message_id="T1", message=decode(text), received_at=now)


async def test_answers_a_message_for_itself(network: EmbeddedNetwork) -> None:
    node = network.nodes["WA"]
    vehicle = records_of(node).list_vehicles(1)[0]
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
    node = StateNode(replace(wa.parts, directories=own))
    answer = await node.handle(_envelope("DQ.NY0303000.WA.OLN/A1.PUR/C."))
    assert answer.status is Status.REJECTED
    assert "unknown ORI NY0303000" in answer.detail
    assert answer.record_count == 0


async def test_nationwide_messages_are_for_every_node(network: EmbeddedNetwork) -> None:
    answer = await network.nodes["WY"].handle(_envelope("RQ.NY0303000.NL.LIC/ZZZ9999.PUR/C."))
    assert answer.status is Status.NO_HIT


async def test_a_denial_releases_nothing_and_says_why(network: EmbeddedNetwork) -> None:
    node = network.nodes["WA"]
    driver = records_of(node).list_drivers(1)[0]
    answer = await node.handle(_envelope(f"DQ.WAICE0100.WA.OLN/{driver.oln}.PUR/I."))
    assert answer.status is Status.DENIED
    assert answer.record_count == 0
    assert {r.id for r in answer.reasons} == {
        "no-civil-immigration",
        "no-civil-immigration-purpose",
    }
    assert all(r.reason and r.law for r in answer.reasons)


async def test_a_hold_releases_nothing_until_review(network: EmbeddedNetwork) -> None:
    node = network.nodes["WA"]
    driver = records_of(node).list_drivers(1)[0]
    answer = await node.handle(_envelope(f"DQ.WAHSI0100.WA.OLN/{driver.oln}.PUR/C.OFF/6499."))
    assert answer.status is Status.HELD
    assert answer.record_count == 0
    assert [r.id for r in answer.reasons] == ["no-civil-immigration"]
    assert "case-by-case review" in answer.detail


async def test_a_node_without_a_valid_policy_keeps_denying(
    network: EmbeddedNetwork, tmp_path: Path
) -> None:
    wa = network.nodes["WA"]
    store = PolicyStore("WA", tmp_path)  # nothing applied here
    assert isinstance(wa.policy, DecisionPoint)
    point = DecisionPoint("WA", store, wa.policy.settings, network.directories)
    node = StateNode(replace(wa.parts, policy=point))
    driver = records_of(wa).list_drivers(1)[0]
    answer = await node.handle(_envelope(f"DQ.NY0303000.WA.OLN/{driver.oln}.PUR/C."))
    assert answer.status is Status.DENIED
    assert [r.id for r in answer.reasons] == ["policy-error"]
    assert answer.record_count == 0
