"""One clock through the node: a message is decided, held, logged and owes its notices at
one moment, the hub's when the node trusts it (in-process), the node's own otherwise."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from statelink.audit import AuditService
from statelink.clock import Clock, Dating, moment_of, naive
from statelink.directory.source import DirectorySource
from statelink.embedded import EmbeddedNetwork, open_node
from statelink.messages import decode
from statelink.messages.envelope import Envelope
from statelink.messages.response import Status
from statelink.nation import Layout
from statelink.policy.engine import Outcome
from statelink.review import ItemStatus
from tests.node.fakes import HSI, Rig, rig

WALL = dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.UTC)
SENT = "2026-03-10T22:15:00.250+00:00"  # the hub's received_at, months before the wall's


def wall() -> dt.datetime:
    return WALL


def envelope(received_at: str = SENT, message_id: str = "M1") -> Envelope:
    text = f"DQ.{HSI.ori}.WA.OLN/WDL000000001.PUR/C.OFF/6499.OPR/J SMITH."
    return Envelope(message_id=message_id, message=decode(text), received_at=received_at)


# (how the node dates messages, the received_at given, the moment it decides at)
DATING = {
    "in-process: the hub's time": (Dating.MESSAGE, SENT, moment_of(SENT)),
    "in-process, a time without a zone is UTC": (
        Dating.MESSAGE,
        "2026-03-10T22:15:00.250",
        moment_of(SENT),
    ),
    "in-process, an unreadable time: the node's own": (Dating.MESSAGE, "yesterday", WALL),
    "networked: the node's own, whatever the hub says": (Dating.OWN, SENT, WALL),
}


@pytest.mark.parametrize(("dating", "received_at", "moment"), DATING.values(), ids=DATING.keys())
def test_a_clock_dates_a_message(dating: Dating, received_at: str, moment: dt.datetime) -> None:
    assert Clock(dating, wall).dated(received_at) == moment


def test_moments_are_kept_naive_in_utc() -> None:
    eastern = dt.timezone(dt.timedelta(hours=-5))
    assert naive(dt.datetime(2026, 3, 10, 17, 15, tzinfo=eastern)) == dt.datetime(
        2026, 3, 10, 22, 15
    )
    assert naive(dt.datetime(2026, 3, 10, 22, 15)) == dt.datetime(2026, 3, 10, 22, 15)


def dated_rig(tmp_path: Path, dating: Dating, outcome: Outcome) -> Rig:
    r = rig(tmp_path, clock=Clock(dating, wall))
    r.policy.outcomes[HSI.ori] = outcome
    return r


@pytest.mark.parametrize("dating", list(Dating))
def test_a_release_is_decided_logged_and_owes_its_notice_at_one_moment(
    tmp_path: Path, dating: Dating
) -> None:
    moment = moment_of(SENT) if dating is Dating.MESSAGE else WALL
    r = dated_rig(tmp_path, dating, Outcome.PERMIT)
    assert asyncio.run(r.node.handle(envelope())).status is Status.HIT
    (entry,) = r.audit.entries
    assert moment_of(entry.record.time) == moment
    assert entry.record.received_at == SENT  # the hub's time, recorded as it said
    assert r.policy.days == [moment.date()]  # the certifications of that day
    (notice,) = r.db.notices.find()
    assert notice.released_on == moment.date()


def test_a_hold_is_created_and_expires_by_the_message_s_moment(tmp_path: Path) -> None:
    r = dated_rig(tmp_path, Dating.MESSAGE, Outcome.HOLD)
    answer = asyncio.run(r.node.handle(envelope()))
    item = r.db.queue.get("M1")
    held = naive(moment_of(SENT))
    assert (item.created_at, item.expires_at) == (held, held + dt.timedelta(hours=72))
    assert "until 2026-03-13 22:15 UTC" in answer.detail


def test_the_review_desk_acts_at_the_moment_it_is_given(tmp_path: Path) -> None:
    """A simulated reviewer decides on the 11th; the node carries it out then, and the
    requester collects on the 12th: each step is logged, and the release owes its notice,
    at its own moment, not the wall clock's."""
    r = dated_rig(tmp_path, Dating.MESSAGE, Outcome.HOLD)
    asyncio.run(r.node.handle(envelope()))
    decided = dt.datetime(2026, 3, 11, 9, 30, tzinfo=dt.UTC)
    collected = dt.datetime(2026, 3, 12, 10, 0, tzinfo=dt.UTC)
    r.db.queue.decide("M1", approve=True, reviewer="r.lee", note="serious crime", at=decided)
    (ready,) = asyncio.run(r.node.reviews.carry_out(decided))
    assert ready.status is ItemStatus.READY
    assert ready.expires_at == naive(decided) + dt.timedelta(hours=72)
    got = asyncio.run(r.node.reviews.collect("M1", HSI.ori, collected))
    assert got.status is Status.HIT
    times = [moment_of(e.record.time) for e in r.audit.entries]
    assert r.audit.statuses == ["HELD", "APPROVED", "COLLECTED"]
    assert times == [moment_of(SENT), decided, collected]
    assert r.policy.days == [d.date() for d in times]
    assert r.db.queue.get("M1").closed_at == naive(collected)
    (notice,) = r.db.notices.find()
    assert notice.released_on == collected.date()
    operators = [e.operator for e in r.audit.entries]
    assert operators == ["J SMITH", "r.lee", "J SMITH"]  # the approval is the reviewer's


def test_an_item_nobody_decides_expires_at_the_moment_the_desk_looks(tmp_path: Path) -> None:
    r = dated_rig(tmp_path, Dating.MESSAGE, Outcome.HOLD)
    asyncio.run(r.node.handle(envelope()))
    held = moment_of(SENT)
    assert asyncio.run(r.node.reviews.carry_out(held + dt.timedelta(hours=71))) == []
    late = held + dt.timedelta(hours=72)
    (expired,) = asyncio.run(r.node.reviews.carry_out(late))
    assert (expired.status, expired.closed_at) == (ItemStatus.EXPIRED, naive(late))
    assert moment_of(r.audit.entries[-1].record.time) == late


def test_without_a_moment_the_desk_acts_at_its_clock_s_now(tmp_path: Path) -> None:
    """A person on the dashboard decides now: the wall clock (here, the rig's)."""
    r = dated_rig(tmp_path, Dating.MESSAGE, Outcome.HOLD)
    asyncio.run(r.node.handle(envelope(received_at=WALL.isoformat())))
    r.db.queue.decide("M1", approve=False, reviewer="r.lee", note="no basis", at=WALL)
    (closed,) = asyncio.run(r.node.reviews.carry_out())
    assert closed.closed_at == naive(WALL)


def test_in_process_nodes_date_by_the_hub_and_a_node_served_alone_by_itself(
    network: EmbeddedNetwork, layout: Layout
) -> None:
    """The embedded network's nodes share the hub's process; ``statelink serve node``
    opens its node alone (:func:`open_node`), on its own clock."""
    assert network.nodes["WA"].parts.clock.dating is Dating.MESSAGE
    audit = AuditService(lambda state: (layout.audit_store(state), layout.keys(state)))
    node = open_node(layout, "WA", DirectorySource.open(layout.directory), audit)
    try:
        assert node.parts.clock.dating is Dating.OWN
    finally:
        node.close()
        asyncio.run(audit.aclose())
