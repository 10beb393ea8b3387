"""The review queue: one item per held message, decided once, by a named reviewer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from statelink.errors import NotFound, UsageError
from statelink.review import ReviewQueue
from statelink.review import queue as q

MESSAGE = {
    "mke": "DQ",
    "ori": "WAHSI0100",
    "dest": ["WA"],
    "purpose": "C",
    "offense": "6499",
    "case_number": "26-0042",
    "warrant": {"kind": "administrative", "id": "I-200"},
    "fields": {"OLN": "WDL123456789"},
}
HELD_BY = [{"id": "no-civil-immigration", "reason": "r", "law": "l"}]


@pytest.fixture
def queue(node_db: Path | str) -> ReviewQueue:
    return ReviewQueue.open("WA", node_db)


def hold(queue: ReviewQueue, message_id: str = "A1", hours: float = 72) -> q.Item:
    return queue.hold(
        message_id=message_id,
        message=MESSAGE,
        agency="HSI Seattle",
        policies=HELD_BY,
        expires_in=dt.timedelta(hours=hours),
    )


def test_an_item_keeps_the_request_its_basis_and_the_holding_policy(queue: ReviewQueue) -> None:
    item = hold(queue)
    assert item.status == q.PENDING
    assert (item.ori, item.agency, item.offense, item.case_number) == (
        "WAHSI0100",
        "HSI Seattle",
        "6499",
        "26-0042",
    )
    assert item.warrant == "administrative I-200"
    assert item.policies == HELD_BY
    assert item.message == MESSAGE
    assert item.expires_at - item.created_at == dt.timedelta(hours=72)
    shown = item.as_dict()
    assert "message" not in shown
    assert "answer" not in shown


def test_a_decision_needs_a_reviewer_and_a_note_and_is_made_once(queue: ReviewQueue) -> None:
    hold(queue)
    with pytest.raises(UsageError, match="reviewer's name and a note"):
        queue.decide("A1", approve=True, reviewer="j.doe", note=" ")
    item = queue.decide("a1", approve=True, reviewer="j.doe", note="serious crime, case 26-0042")
    assert (item.status, item.reviewer) == (q.APPROVED, "j.doe")
    assert item.decided_at is not None
    with pytest.raises(UsageError, match="is approved, not pending"):
        queue.decide("A1", approve=False, reviewer="x", note="y")
    with pytest.raises(NotFound, match="WA has no held message ZZ"):
        queue.decide("ZZ", approve=True, reviewer="x", note="y")


def test_expired_items_cannot_be_decided_and_are_due_for_the_node(queue: ReviewQueue) -> None:
    hold(queue, "OLD", hours=0)
    hold(queue, "NEW")
    with pytest.raises(UsageError, match="expired"):
        queue.decide("OLD", approve=True, reviewer="x", note="y")
    assert [i.message_id for i in queue.to_carry_out()] == ["OLD"]
    queue.decide("NEW", approve=False, reviewer="x", note="no basis")
    assert [i.message_id for i in queue.to_carry_out()] == ["OLD", "NEW"]


def test_closing_an_item_erases_its_personal_data(queue: ReviewQueue) -> None:
    hold(queue)
    queue.decide("A1", approve=True, reviewer="x", note="y")
    queue.settle("A1", q.READY, answer={"drivers": [{"name": "DOE"}]})
    ready = queue.get("A1")
    assert ready.answer == {"drivers": [{"name": "DOE"}]}
    assert ready.message == MESSAGE
    queue.settle("A1", q.COLLECTED)
    done = queue.get("A1")
    assert (done.message, done.answer) == (None, None)
    assert done.closed_at is not None
    assert [i.message_id for i in queue.find("collected")] == ["A1"]
    assert queue.find("open") == []
