"""A message delivered again is answered as before and logged once: a resubmission from
any hub replica, or the same message arriving while it is being answered."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from statelink.audit.log import AuditLog, Filters
from statelink.audit.record import AuditRecord, Requester
from statelink.embedded import EmbeddedNetwork
from statelink.hub import Hub
from statelink.hub.resubmissions import Resubmissions
from statelink.hub.routing_log import RoutingLog
from statelink.messages import decode
from statelink.messages.envelope import Envelope
from statelink.messages.response import Status
from statelink.node import StateNode
from statelink.node.redelivery import replay
from tests.conftest import records_of

pytestmark = pytest.mark.anyio


def _envelope(text: str, message_id: str = "", *, resubmitted: bool = False) -> Envelope:
    now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
    return Envelope(
        message_id=message_id or f"R{uuid.uuid4().hex[:20].upper()}",
        message=decode(text),
        received_at=now,
        resubmitted=resubmitted,
    )


def logged(network: EmbeddedNetwork, state: str, message_id: str) -> list[AuditRecord]:
    log = AuditLog.open(state, network.layout.audit_store(state))
    try:
        return list(log.find(Filters(message_id=message_id)))
    finally:
        log.close()


async def _cases(network: EmbeddedNetwork) -> list[tuple[str, Status]]:
    oln = records_of(network.nodes["WA"]).list_drivers(1)[0].oln
    return [
        (f"DQ.NY0303000.WA.*C1.OLN/{oln}.PUR/C.", Status.HIT),
        ("DQ.NY0303000.WA.*C2.OLN/NOSUCH0001.PUR/C.", Status.NO_HIT),
        (f"DQ.WAICE0100.WA.*C3.OLN/{oln}.PUR/I.", Status.DENIED),
        (f"DQ.WAHSI0100.WA.*C4.OLN/{oln}.PUR/C.OFF/6499.", Status.HELD),
        ("DQ.NY0303000.OR.*C5.OLN/A1.PUR/C.", Status.REJECTED),  # not addressed to WA
    ]


async def test_a_resubmission_is_answered_as_before_and_logged_once(
    network: EmbeddedNetwork,
) -> None:
    node = network.nodes["WA"]
    for text, status in await _cases(network):
        envelope = _envelope(text)
        first = await node.handle(envelope)
        again = await node.handle(envelope.model_copy(update={"resubmitted": True}))
        assert first.status is status, text
        strip = {"elapsed_ms"}
        assert again.model_dump(exclude=strip) == first.model_dump(exclude=strip), text
        assert first.receipt is not None
        assert len(logged(network, "WA", envelope.message_id)) == 1, text


async def test_the_same_message_arriving_while_answered_waits_for_that_answer(
    network: EmbeddedNetwork,
) -> None:
    oln = records_of(network.nodes["WA"]).list_drivers(1)[0].oln
    envelope = _envelope(f"DQ.NY0303000.WA.*D1.OLN/{oln}.PUR/C.")
    node = network.nodes["WA"]
    answers = await asyncio.gather(*(node.handle(envelope) for _ in range(4)))
    assert {a.status for a in answers} == {Status.HIT}
    assert len({a.receipt.seq for a in answers if a.receipt}) == 1
    assert len(logged(network, "WA", envelope.message_id)) == 1


async def test_a_message_never_answered_here_is_decided(network: EmbeddedNetwork) -> None:
    envelope = _envelope("DQ.NY0303000.WA.*E1.OLN/NOSUCH0002.PUR/C.", resubmitted=True)
    answer = await network.nodes["WA"].handle(envelope)
    assert answer.status is Status.NO_HIT
    assert len(logged(network, "WA", envelope.message_id)) == 1


class _Answered:
    def __init__(self, record: AuditRecord) -> None:
        self.record = record

    def first_answer(self, message_id: str) -> tuple[AuditRecord, str] | None:
        return self.record, "00" * 32


def _record(envelope: Envelope, status: Status, released: int) -> AuditRecord:
    message = envelope.message
    return AuditRecord(
        time=envelope.received_at,
        received_at=envelope.received_at,
        node="WA",
        message_id=envelope.message_id,
        control=message.control,
        mke=message.mke,
        requester=Requester(message.ori),
        owner="WA",
        dataset="WA/drivers",
        context={},
        decision="permit",
        policies=(),
        policy_digest="d" * 64,
        status=status.value,
        released=released,
        latency_us=1,
        seq=7,
    )


@pytest.mark.parametrize(
    ("status", "released", "control", "expected", "detail"),
    [
        (Status.UNAVAILABLE, 0, "*F1", None, ""),  # nothing was released: decide again
        (Status.HIT, 5, "*F1", Status.UNAVAILABLE, "its records changed"),
        (Status.HIT, 0, "*F9", Status.UNAVAILABLE, "names another message"),
    ],
)
async def test_what_a_redelivery_cannot_repeat(
    network: EmbeddedNetwork,
    status: Status,
    released: int,
    control: str,
    expected: Status | None,
    detail: str,
) -> None:
    node = network.nodes["WA"]
    envelope = _envelope("DQ.NY0303000.WA.*F1.OLN/NOSUCH0003.PUR/C.", resubmitted=True)
    stored = replace_control(envelope, control)
    found = replay("WA", envelope, _Answered(_record(stored, status, released)),
                   (node.records, node.policy.reason), 0.0)  # fmt: skip
    assert (found.status if found else None) is expected
    if found is not None:
        assert detail in found.detail
        assert found.record_count == 0


def replace_control(envelope: Envelope, control: str) -> Envelope:
    message = envelope.message.model_copy(update={"control": control.lstrip("*")})
    return envelope.model_copy(update={"message": message})


async def test_two_replicas_route_a_retry_to_one_audit_record(
    network: EmbeddedNetwork, tmp_path: Path
) -> None:
    where = tmp_path / "hub.sqlite"
    logs = [RoutingLog(where, replica=f"hub-{n}") for n in (1, 2)]
    hubs = [
        Hub(network.directories, network.transport, routing_log=log,
            resubmissions=Resubmissions(log.engine))
        for log in logs
    ]  # fmt: skip
    oln = records_of(network.nodes["WA"]).list_drivers(1)[0].oln
    message = decode(f"DQ.NY0303000.WA,OR.*G1.OLN/{oln}.PUR/C.")
    first = await hubs[0].submit(message, member="nypd")
    again = await hubs[1].submit(message, member="nypd")
    assert again.message_id == first.message_id
    assert again.summary == first.summary
    for state in ("WA", "OR"):
        assert len(logged(network, state, first.message_id)) == 1
    for log in logs:  # the first delivery written gives the message's row
        log.flush()
    deliveries = logs[0].deliveries(first.message_id)
    assert [(d.member, d.replica, d.resubmitted) for d in deliveries] == [
        ("nypd", "hub-1", False),
        ("nypd", "hub-2", True),
    ]
    routed = logs[0].find(first.message_id)
    assert routed is not None
    assert (routed.member, routed.replica) == ("nypd", "hub-1")
    for log in logs:
        log.close()


async def test_a_node_without_its_audit_log_decides_again(network: EmbeddedNetwork) -> None:
    node = StateNode(replace(network.nodes["WA"].parts, answers=None))
    envelope = _envelope("DQ.NY0303000.WA.*H1.OLN/NOSUCH0004.PUR/C.")
    await node.handle(envelope)
    await node.handle(envelope.model_copy(update={"resubmitted": True}))
    assert len(logged(network, "WA", envelope.message_id)) == 2
