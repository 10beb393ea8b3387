"""The services' instruments (statelink.metrics), read back as a scraper reads them.

The hub's counters are fed real replies; its transport wrapper wraps a transport whose
deliveries the test holds and releases; a node's counters observe a real node core (over
the in-memory fakes of tests/node/fakes.py) through its ledger.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from statelink.errors import NodeUnreachable
from statelink.messages import decode
from statelink.messages.envelope import Envelope
from statelink.messages.model import Message
from statelink.messages.response import HubResponse, StateAnswer, Status
from statelink.metrics import HubMetrics, NodeMetrics, Scope
from statelink.policy.engine import POLICY_ERROR, Decision, Outcome, Request
from tests.node.fakes import DIGEST, HSI, rig

pytestmark = pytest.mark.anyio

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(registry: CollectorRegistry) -> Samples:
    """Every sample of ``registry``, parsed from the text format a scraper gets."""
    text = generate_latest(registry).decode()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def _reply(message: Message, summary: dict[str, Status]) -> HubResponse:
    return HubResponse(
        message_id="M1",
        mke=message.key.response,
        ori=message.ori,
        destinations=list(summary),
        answers=[],
        summary=summary,
        elapsed_ms=1.0,
    )


def test_a_reply_counts_each_destination_and_its_latency_by_key_and_scope() -> None:
    metrics = HubMetrics()
    single = decode("DQ.NY0303000.WA.OLN/WDL000000001.PUR/C.")
    multi = decode("DQ.NY0303000.WA,OR.OLN/WDL000000001.PUR/C.")
    nationwide = decode("RQ.NY0303000.NL.LIC/ABC123.PUR/C.")
    metrics.answered(single, _reply(single, {"WA": Status.HIT}), 0.004)
    metrics.answered(multi, _reply(multi, {"WA": Status.NO_HIT, "OR": Status.DENIED}), 0.02)
    everywhere = {"WA": Status.NO_HIT, "OR": Status.NO_HIT, "ID": Status.UNAVAILABLE}
    metrics.answered(nationwide, _reply(nationwide, everywhere), 3.0)
    found = scrape(metrics.registry)
    answers = "statelink_hub_answers_total"
    assert value(found, answers, state="WA", status="HIT") == 1
    assert value(found, answers, state="WA", status="NO_HIT") == 2  # NL's no-hits too
    assert value(found, answers, state="OR", status="DENIED") == 1
    assert value(found, answers, state="ID", status="UNAVAILABLE") == 1
    count = "statelink_hub_message_duration_seconds_count"
    assert value(found, count, mke="DQ", scope="single") == 1
    assert value(found, count, mke="DQ", scope="multi") == 1
    assert value(found, count, mke="RQ", scope="nationwide") == 1
    slow = "statelink_hub_message_duration_seconds_bucket"
    assert value(found, slow, mke="RQ", scope="nationwide", le="2.5") == 0
    assert value(found, slow, mke="RQ", scope="nationwide", le="5.0") == 1
    assert [Scope.of(m) for m in (single, multi, nationwide)] == list(Scope)


def test_refusals_collections_and_messages_in_flight() -> None:
    metrics = HubMetrics()
    metrics.refused("ori-not-owned")
    metrics.refused("ori-not-owned")
    metrics.refused("unauthenticated")
    message = decode("DQ.NY0303000.WA.OLN/WDL000000001.PUR/C.")
    metrics.collected(_reply(message, {"WA": Status.HIT}))
    with metrics.routing():
        inside = scrape(metrics.registry)
    after = scrape(metrics.registry)
    assert value(inside, "statelink_hub_messages_in_flight") == 1
    assert value(after, "statelink_hub_messages_in_flight") == 0
    assert value(after, "statelink_hub_refusals_total", reason="ori-not-owned") == 2
    assert value(after, "statelink_hub_refusals_total", reason="unauthenticated") == 1
    assert value(after, "statelink_hub_collections_total", state="WA", status="HIT") == 1
    assert value(after, "statelink_hub_answers_total", state="WA", status="HIT") == 0


class HeldTransport:
    """A transport whose deliveries wait until the test lets them go; OR's fail."""

    def __init__(self) -> None:
        self.go = asyncio.Event()
        self.closed = False

    def states(self) -> frozenset[str]:
        return frozenset({"WA", "OR"})

    async def deliver(self, state: str, envelope: Envelope) -> StateAnswer:
        await self.go.wait()
        if state == "OR":
            raise NodeUnreachable("the OR node refused the connection")
        return StateAnswer(state=state, status=Status.NO_HIT)

    async def collect(self, state: str, message_id: str, ori: str) -> StateAnswer:
        return StateAnswer(state=state, status=Status.HIT)

    async def aclose(self) -> None:
        self.closed = True


async def test_the_measured_transport_times_deliveries_and_counts_those_waiting() -> None:
    metrics = HubMetrics(node_connections=2)
    inner = HeldTransport()
    transport = metrics.measured(inner)
    metrics.start_states(transport.states())
    before = scrape(metrics.registry)
    assert value(before, "statelink_hub_node_requests_in_flight", state="OR") == 0  # shown
    envelope = Envelope(
        message_id="M1",
        message=decode("DQ.NY0303000.WA.OLN/WDL000000001.PUR/C."),
        received_at=dt.datetime.now(dt.UTC).isoformat(),
    )
    calls = [asyncio.ensure_future(transport.deliver("WA", envelope)) for _ in range(5)]
    failing = asyncio.ensure_future(transport.deliver("OR", envelope))
    await asyncio.sleep(0)
    held = scrape(metrics.registry)
    assert value(held, "statelink_hub_node_requests_in_flight", state="WA") == 5
    assert value(held, "statelink_hub_node_requests_waiting", state="WA") == 3  # 5 - limit 2
    assert value(held, "statelink_hub_node_requests_waiting", state="OR") == 0
    inner.go.set()
    assert {a.status for a in await asyncio.gather(*calls)} == {Status.NO_HIT}
    with pytest.raises(NodeUnreachable):
        await failing
    assert (await transport.collect("WA", "M1", "NY0303000")).status is Status.HIT
    done = scrape(metrics.registry)
    deliveries = "statelink_hub_delivery_duration_seconds_count"
    assert value(done, deliveries, state="WA") == 6  # five deliveries and a collection
    assert value(done, deliveries, state="OR") == 1  # a failure is timed too
    assert value(done, "statelink_hub_node_requests_in_flight", state="WA") == 0
    assert value(done, "statelink_hub_node_requests_waiting", state="WA") == 0
    await transport.aclose()
    assert inner.closed


def test_each_service_has_its_own_registry() -> None:
    first, second = HubMetrics(), HubMetrics()
    first.refused("unauthenticated")
    assert (
        value(scrape(second.registry), "statelink_hub_refusals_total", reason="unauthenticated")
        == 0
    )
    assert (
        value(scrape(first.registry), "statelink_hub_refusals_total", reason="unauthenticated") == 1
    )
    NodeMetrics("WA")
    NodeMetrics("WA")  # a second node's instruments beside the first: no name collides


def _envelope(number: int, text: str) -> Envelope:
    now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
    return Envelope(message_id=f"T{number}", message=decode(text), received_at=now)


async def test_a_node_counts_its_answers_appends_and_policy_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fixture = rig(tmp_path)
    fixture.node.ledger.observer = metrics = NodeMetrics("WA", audit_pending=lambda: 7)
    decide = fixture.policy.decide

    def failing_for_hsi(request: Request, *, cached: bool = True) -> Decision:
        """The policy fails to evaluate for HSI's requests (a deny: policy-error)."""
        if request.ori == HSI.ori:
            return Decision(Outcome.DENY, (POLICY_ERROR,), DIGEST, error="evaluation error")
        return decide(request, cached=cached)

    monkeypatch.setattr(fixture.policy, "decide", failing_for_hsi)
    texts = [
        "DQ.NY0303000.WA.OLN/WDL000000001.PUR/C.",  # HIT (the fake records always find one)
        "DQ.NY0303000.WA.OLN/WDL000000001.PUR/C.",  # HIT
        "DQ.WAHSI0100.WA.OLN/WDL000000001.PUR/C.",  # DENIED: a policy error
        "DQ.NY9999999.WA.OLN/WDL000000001.PUR/C.",  # REJECTED: unknown ORI
    ]
    answers = [await fixture.node.handle(_envelope(n, t)) for n, t in enumerate(texts)]
    fixture.audit.failing = True
    failed = await fixture.node.handle(_envelope(9, texts[0]))
    statuses = [a.status for a in answers] + [failed.status]
    assert statuses == [Status.HIT, Status.HIT, Status.DENIED, Status.REJECTED, Status.UNAVAILABLE]
    metrics.reviews_pending(3)
    found = scrape(metrics.registry)
    for status, expected in ((Status.HIT, 2), (Status.DENIED, 1), (Status.REJECTED, 1)):
        assert value(found, "statelink_node_answers_total", state="WA", status=status) == expected
    assert value(found, "statelink_node_answers_total", state="WA", status="UNAVAILABLE") == 1
    assert value(found, "statelink_node_answer_duration_seconds_count", state="WA") == 5
    assert value(found, "statelink_node_audit_append_duration_seconds_count", state="WA") == 4
    assert value(found, "statelink_node_audit_append_failures_total", state="WA") == 1
    assert value(found, "statelink_node_policy_errors_total", state="WA") == 1
    assert value(found, "statelink_node_audit_pending", state="WA") == 7
    assert value(found, "statelink_node_review_pending", state="WA") == 3
    metrics.reviews_pending(None)  # the queue could not be read: unknown, not zero
    unknown = value(scrape(metrics.registry), "statelink_node_review_pending", state="WA")
    assert unknown != unknown  # NaN
    fixture.node.close()
