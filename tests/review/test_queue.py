"""The review queue: one item per held message, decided once, by a named reviewer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from statelink.errors import NotFound, UsageError
from statelink.messages.model import Message
from statelink.messages.response import PolicyReason
from statelink.review import ItemStatus, KeptAnswer, ReviewItem, ReviewQueue

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
HELD_BY = (PolicyReason(id="no-civil-immigration", reason="r", law="l"),)


@pytest.fixture
def queue(node_db: Path | str) -> ReviewQueue:
    return ReviewQueue.open("WA", node_db)


def hold(queue: ReviewQueue, message_id: str = "A1", hours: float = 72) -> ReviewItem:
    return queue.hold(
        message_id=message_id,
        message=Message.parse(MESSAGE),
        agency="HSI Seattle",
        policies=HELD_BY,
        expires_in=dt.timedelta(hours=hours),
    )


def test_an_item_keeps_the_request_its_basis_and_the_holding_policy(queue: ReviewQueue) -> None:
    item = hold(queue)
    assert item.status is ItemStatus.PENDING
    assert (item.ori, item.agency, item.offense, item.case_number) == (
        "WAHSI0100",
        "HSI Seattle",
        "6499",
        "26-0042",
    )
    assert item.warrant == "administrative I-200"
    assert item.policies == HELD_BY
    assert item.message == Message.parse(MESSAGE)
    assert item.searched_by == ["OLN"]
    assert item.expires_at - item.created_at == dt.timedelta(hours=72)
    shown = item.to_json()
    assert "message" not in shown
    assert "answer" not in shown


def test_a_decision_needs_a_reviewer_and_a_note_and_is_made_once(queue: ReviewQueue) -> None:
    hold(queue)
    with pytest.raises(UsageError, match="reviewer's name and a note"):
        queue.decide("A1", approve=True, reviewer="j.doe", note=" ")
    item = queue.decide("a1", approve=True, reviewer="j.doe", note="serious crime, case 26-0042")
    assert (item.status, item.reviewer) == (ItemStatus.APPROVED, "j.doe")
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
    kept = KeptAnswer(subjects=("driver:WDL123456789",), policies=HELD_BY)
    assert queue.transition("A1", ItemStatus.APPROVED, ItemStatus.READY, answer=kept)
    ready = queue.get("A1")
    assert ready.answer == kept
    assert ready.message == Message.parse(MESSAGE)
    assert queue.transition("A1", ItemStatus.READY, ItemStatus.COLLECTED)
    done = queue.get("A1")
    assert (done.message, done.answer) == (None, None)
    assert done.closed_at is not None
    assert [i.message_id for i in queue.find("collected")] == ["A1"]
    assert queue.find("open") == []


# (where the item is, the move asked for, whether it moves)
MOVES = [
    (ItemStatus.READY, (ItemStatus.READY, ItemStatus.BUSY), True),
    (ItemStatus.READY, (ItemStatus.APPROVED, ItemStatus.BUSY), False),
    (ItemStatus.BUSY, (ItemStatus.READY, ItemStatus.BUSY), False),
    (ItemStatus.BUSY, (ItemStatus.BUSY, ItemStatus.COLLECTED), True),
    (ItemStatus.COLLECTED, (ItemStatus.BUSY, ItemStatus.READY), False),
    (ItemStatus.PENDING, (ItemStatus.PENDING, ItemStatus.EXPIRED), True),
]


@pytest.mark.parametrize(("at", "move", "moves"), MOVES)
def test_a_move_happens_only_from_where_the_mover_saw_the_item(
    queue: ReviewQueue, at: ItemStatus, move: tuple[ItemStatus, ItemStatus], moves: bool
) -> None:
    hold(queue)
    if at is not ItemStatus.PENDING:
        assert queue.transition("A1", ItemStatus.PENDING, at)
    assert queue.transition("A1", *move) is moves
    assert queue.get("A1").status is (move[1] if moves else at)


def test_of_two_movers_one_wins(queue: ReviewQueue, node_db: Path | str) -> None:
    """Two processes (two queues on one database) claim the same ready answer: one does."""
    other = ReviewQueue.open("WA", node_db)
    try:
        hold(queue)
        assert queue.transition("A1", ItemStatus.PENDING, ItemStatus.READY)
        claims = [q.transition("A1", ItemStatus.READY, ItemStatus.BUSY) for q in (queue, other)]
        assert claims == [True, False]
    finally:
        other.close()


def test_a_decision_loses_to_a_move_made_meanwhile(queue: ReviewQueue) -> None:
    hold(queue)
    assert queue.transition("A1", ItemStatus.PENDING, ItemStatus.EXPIRED)
    with pytest.raises(UsageError, match="is expired, not pending"):
        queue.decide("A1", approve=True, reviewer="x", note="y")


def test_only_an_unanswered_hold_can_be_discarded(queue: ReviewQueue) -> None:
    hold(queue)
    queue.decide("A1", approve=True, reviewer="x", note="y")
    queue.discard("A1")
    assert queue.get("A1").status is ItemStatus.APPROVED


HELD_AT = dt.datetime(2026, 3, 10, 22, 15, tzinfo=dt.UTC)


# (the reviewer's moment, after HELD_AT; None: allowed)
DECIDING_AT = {
    "in the window": (dt.timedelta(hours=5), None),
    "before the hold": (-dt.timedelta(minutes=1), "cannot be decided before"),
    "at its expiry": (dt.timedelta(hours=72), "expired at 2026-03-13 22:15 UTC"),
}


@pytest.mark.parametrize(("after", "refused"), DECIDING_AT.values(), ids=DECIDING_AT.keys())
def test_an_item_is_held_and_decided_at_the_moments_given(
    queue: ReviewQueue, after: dt.timedelta, refused: str | None
) -> None:
    """The demo year's reviewers act at simulated moments: never before the hold, never
    after its time."""
    item = queue.hold(
        message_id="A1",
        message=Message.parse(MESSAGE),
        agency="HSI Seattle",
        policies=HELD_BY,
        expires_in=dt.timedelta(hours=72),
        at=HELD_AT,
    )
    assert (item.created_at, item.expires_at) == (
        dt.datetime(2026, 3, 10, 22, 15),
        dt.datetime(2026, 3, 13, 22, 15),
    )
    at = HELD_AT + after
    if refused is not None:
        with pytest.raises(UsageError, match=refused):
            queue.decide("A1", approve=True, reviewer="r.lee", note="ok", at=at)
        return
    decided = queue.decide("A1", approve=True, reviewer="r.lee", note="ok", at=at)
    assert decided.decided_at == dt.datetime(2026, 3, 11, 3, 15)


def test_what_is_due_and_when_it_closed_follow_the_moment_given(queue: ReviewQueue) -> None:
    hold(queue, "OLD", hours=1)
    old = queue.get("OLD").created_at
    assert queue.to_carry_out(old) == []  # not past its time then
    (due,) = queue.to_carry_out(old + dt.timedelta(hours=1))
    closed = dt.datetime(2026, 3, 11, 8, 0, tzinfo=dt.UTC)
    assert queue.transition("OLD", ItemStatus.PENDING, ItemStatus.EXPIRED, at=closed)
    assert queue.get("OLD").closed_at == dt.datetime(2026, 3, 11, 8, 0)
    assert due.message_id == "OLD"
