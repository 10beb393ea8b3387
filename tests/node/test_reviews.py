"""Case-by-case review end to end: held, decided, carried out, collected, each step logged."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from statelink.audit.log import AuditLog, Filters
from statelink.embedded import EmbeddedNetwork
from statelink.errors import NotFound, UsageError
from statelink.messages import decode
from statelink.messages.response import HubResponse, Status
from statelink.nation import Layout
from statelink.notices.calendar import add_business_days
from statelink.review import ItemStatus
from tests.conftest import copy_nation, records_of

HSI = "WAHSI0100"

Scenario = Callable[[EmbeddedNetwork, str, str], Awaitable[None]]


def steps(layout: Layout, message_id: str) -> list[tuple[str, str, int]]:
    log = AuditLog.open("WA", layout.audit("WA"))
    try:
        return [
            (r.status, r.decision, r.released) for r in log.find(Filters(message_id=message_id))
        ]
    finally:
        log.close()


def play(
    layout: Layout,
    tmp_path: Path,
    scenario: Scenario,
    prepare: Callable[[Layout], None] | None = None,
) -> Layout:
    """Hold an HSI serious-crime request in WA, then run the scenario on it."""
    own = copy_nation(layout, tmp_path / "nation")
    if prepare is not None:
        prepare(own)

    async def run() -> None:
        async with EmbeddedNetwork.open(own, every=0) as network:
            oln = records_of(network.nodes["WA"]).list_drivers(1)[0].oln
            reply = await network.hub.submit(
                decode(f"DQ.{HSI}.WA.OLN/{oln}.PUR/C.OFF/6499.CAS/26-0042.")
            )
            assert reply.summary == {"WA": Status.HELD}
            assert reply.message_id in reply.answers[0].detail
            await scenario(network, reply.message_id, oln)

    asyncio.run(run())
    return own


def test_approved_then_collected_once_with_a_notice_and_every_step_logged(
    layout: Layout, tmp_path: Path
) -> None:
    seen: dict[str, object] = {}

    async def scenario(network: EmbeddedNetwork, message_id: str, oln: str) -> None:
        wa = network.nodes["WA"]
        item = wa.queue.get(message_id)
        assert (item.status, item.offense, item.case_number) == (
            ItemStatus.PENDING,
            "6499",
            "26-0042",
        )
        assert [p.id for p in item.policies] == ["no-civil-immigration"]
        polled = await network.hub.collect(message_id, HSI)
        assert polled.summary == {"WA": Status.HELD}
        assert polled.answers[0].receipt is None  # a poll changes nothing, logs nothing

        wa.queue.decide(message_id, approve=True, reviewer="r.lee", note="trafficking case")
        (ready,) = await wa.reviews.carry_out()
        assert ready.status == ItemStatus.READY
        assert ready.answer is not None
        assert wa.notices.find() == []  # nothing released yet, nothing owed yet

        with pytest.raises(NotFound, match=f"no message {message_id} from NY0303000"):
            await network.hub.collect(message_id, "NY0303000")
        got: HubResponse = await network.hub.collect(message_id, HSI.lower())
        (answer,) = got.answers
        assert answer.status is Status.HIT
        assert [d.oln for d in answer.drivers] == [oln]
        assert answer.receipt is not None
        assert "approved by WA" in answer.detail
        assert "r.lee" not in answer.detail  # a reviewer is named in the queue, not the log
        again = await network.hub.collect(message_id, HSI)
        assert again.summary == {"WA": Status.REJECTED}
        assert again.answers[0].drivers == []
        (notice,) = wa.notices.find("due")
        seen["notice"] = notice
        seen["closed"] = wa.queue.get(message_id)
        seen["id"] = message_id

    own = play(layout, tmp_path, scenario)
    notice = seen["notice"]
    today = dt.datetime.now(dt.UTC).date()
    assert getattr(notice, "due_on") == add_business_days(today, 3)  # noqa: B009
    assert getattr(notice, "ori") == HSI  # noqa: B009
    closed = seen["closed"]
    assert getattr(closed, "answer") is None  # noqa: B009
    assert getattr(closed, "message") is None  # noqa: B009
    assert [p.id for p in getattr(closed, "policies")] == ["no-civil-immigration"]  # noqa: B009
    assert steps(own, str(seen["id"])) == [
        ("HELD", "hold", 0),
        ("APPROVED", "permit", 0),
        ("COLLECTED", "permit", 1),
    ]
    store = Path(own.audit_store("WA"))
    for kept in store.parent.glob(f"{store.name}*"):  # the file, its WAL and its index
        assert b"r.lee" not in kept.read_bytes()


def test_a_denied_review_releases_nothing(layout: Layout, tmp_path: Path) -> None:
    ids: list[str] = []

    async def scenario(network: EmbeddedNetwork, message_id: str, oln: str) -> None:
        wa = network.nodes["WA"]
        wa.queue.decide(message_id, approve=False, reviewer="r.lee", note="no serious basis")
        got = await network.hub.collect(message_id, HSI)  # collecting carries it out first
        (answer,) = got.answers
        assert answer.status is Status.DENIED
        assert answer.record_count == 0
        assert "denied on case-by-case review" in answer.detail
        assert wa.queue.get(message_id).status == ItemStatus.CLOSED
        assert wa.notices.find() == []
        ids.append(message_id)

    own = play(layout, tmp_path, scenario)
    assert steps(own, ids[0]) == [("HELD", "hold", 0), ("REVIEW_DENIED", "deny", 0)]


def test_an_approval_is_evaluated_again_under_the_policy_in_force(
    layout: Layout, tmp_path: Path
) -> None:
    ids: list[str] = []

    async def scenario(network: EmbeddedNetwork, message_id: str, oln: str) -> None:
        wa = network.nodes["WA"]
        network.database("WA").settings.revoke(HSI, "agreement violated")
        wa.queue.decide(message_id, approve=True, reviewer="r.lee", note="ok")
        (refused,) = await wa.reviews.carry_out()
        assert refused.status == ItemStatus.REFUSED
        assert [p.id for p in refused.policies] == ["certification-required"]
        got = await network.hub.collect(message_id, HSI)
        assert got.summary == {"WA": Status.DENIED}
        assert got.answers[0].record_count == 0
        ids.append(message_id)

    own = play(layout, tmp_path, scenario)
    assert steps(own, ids[0]) == [("HELD", "hold", 0), ("REFUSED", "deny", 0)]


def test_an_item_nobody_decides_expires(layout: Layout, tmp_path: Path) -> None:
    ids: list[str] = []

    async def scenario(network: EmbeddedNetwork, message_id: str, oln: str) -> None:
        queue = network.nodes["WA"].queue
        past = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=1)
        pending = ItemStatus.PENDING
        assert queue.transition(message_id, pending, pending, expires_at=past)  # time passed
        got = await network.hub.collect(message_id, HSI)
        assert got.summary == {"WA": Status.DENIED}
        assert "expired" in got.answers[0].detail
        with pytest.raises(UsageError, match="is expired, not pending"):
            network.nodes["WA"].queue.decide(message_id, approve=True, reviewer="a", note="b")
        ids.append(message_id)

    own = play(layout, tmp_path, scenario)
    assert steps(own, ids[0]) == [("HELD", "hold", 0), ("EXPIRED", "deny", 0)]


def test_a_collection_that_cannot_be_logged_releases_nothing_and_owes_nothing(
    layout: Layout, tmp_path: Path
) -> None:
    async def scenario(network: EmbeddedNetwork, message_id: str, oln: str) -> None:
        wa = network.nodes["WA"]
        wa.queue.decide(message_id, approve=True, reviewer="r.lee", note="ok")
        await wa.reviews.carry_out()
        audit = sa.create_engine(f"sqlite:///{network.layout.audit('WA')}")
        with audit.begin() as conn:
            conn.exec_driver_sql(
                "CREATE TRIGGER full BEFORE INSERT ON audit_record "
                "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
            )
        got = await network.hub.collect(message_id, HSI)
        (answer,) = got.answers
        assert answer.status is Status.UNAVAILABLE
        assert answer.drivers == []
        assert wa.notices.find() == []
        assert wa.queue.get(message_id).status == ItemStatus.READY  # still there to collect later
        with audit.begin() as conn:
            conn.exec_driver_sql("DROP TRIGGER full")
        audit.dispose()
        later = await network.hub.collect(message_id, HSI)
        assert later.summary == {"WA": Status.HIT}
        assert len(wa.notices.find("due")) == 1

    play(layout, tmp_path, scenario)


def test_two_collections_at_once_release_the_answer_once(layout: Layout, tmp_path: Path) -> None:
    async def scenario(network: EmbeddedNetwork, message_id: str, oln: str) -> None:
        wa = network.nodes["WA"]
        wa.queue.decide(message_id, approve=True, reviewer="r.lee", note="ok")
        await wa.reviews.carry_out()
        replies = await asyncio.gather(
            *(network.hub.collect(message_id, HSI) for _ in range(3)),
            network.carry_out_reviews(),
        )
        statuses = [r.summary["WA"] for r in replies if isinstance(r, HubResponse)]
        assert statuses.count(Status.HIT) == 1
        assert set(statuses) - {Status.HIT} <= {Status.HELD, Status.REJECTED}
        assert len(wa.notices.find("due")) == 1

    play(layout, tmp_path, scenario)
