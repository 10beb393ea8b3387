"""A node's answers through its ledger, with fakes: every answer logged before it leaves,
nothing released or owed when the log fails, and a failure after the decision logged too.

These need no nation: the node runs over in-memory fakes and a node database in a
temporary folder (the end-to-end tests over a real nation are in test_node*.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest
from structlog.testing import capture_logs

from statelink.errors import StoreError
from statelink.messages import decode
from statelink.messages.envelope import Envelope
from statelink.messages.response import Status
from statelink.policy.engine import Outcome
from statelink.review import ItemStatus
from statelink.review.queue import STALE, now
from tests.node.fakes import HSI, POLICE, Rig, rig


def envelope(ori: str, message_id: str = "M1") -> Envelope:
    text = f"DQ.{ori}.WA.OLN/WDL000000001.PUR/C.OPR/J SMITH."
    return Envelope(message_id=message_id, message=decode(text), received_at="2026-01-01T00:00Z")


def answer(r: Rig, ori: str) -> Status:
    return asyncio.run(r.node.handle(envelope(ori))).status


@dataclass(frozen=True)
class Case:
    ori: str
    outcome: Outcome = Outcome.PERMIT
    search_fails: bool = False
    log_fails: bool = False
    # what comes of it
    status: Status = Status.HIT
    logged: tuple[str, ...] = ("HIT",)
    released: int = 1  # records, as the log says
    owed: int = 0  # notices
    held: int = 0  # review items


UNKNOWN = "OR0000000"  # well formed, not in this node's directory
CASES = {
    "police permitted": Case(POLICE.ori),
    "HSI permitted owes a notice": Case(HSI.ori, owed=1),
    "denied": Case(POLICE.ori, Outcome.DENY, status=Status.DENIED, logged=("DENIED",), released=0),
    "held": Case(HSI.ori, Outcome.HOLD, status=Status.HELD, logged=("HELD",), released=0, held=1),
    "unknown ORI": Case(UNKNOWN, status=Status.REJECTED, logged=("REJECTED",), released=0),
    "search fails: logged": Case(
        POLICE.ori,
        search_fails=True,
        status=Status.UNAVAILABLE,
        logged=("UNAVAILABLE",),
        released=0,
    ),
    "log fails: nothing owed": Case(
        HSI.ori, log_fails=True, status=Status.UNAVAILABLE, logged=(), released=0
    ),
    "log fails: nothing held": Case(
        HSI.ori, Outcome.HOLD, log_fails=True, status=Status.UNAVAILABLE, logged=(), released=0
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_every_answer_is_logged_before_it_leaves(tmp_path: Path, case: Case) -> None:
    r = rig(tmp_path)
    r.policy.outcomes[case.ori] = case.outcome
    r.records.failing, r.audit.failing = case.search_fails, case.log_fails
    got = asyncio.run(r.node.handle(envelope(case.ori)))
    assert got.status is case.status
    assert tuple(r.audit.statuses) == case.logged
    assert sum(e.record.released for e in r.audit.entries) == case.released
    assert len(r.db.notices.find()) == case.owed
    assert len(r.db.queue.find("all")) == case.held
    assert got.record_count == (1 if case.status is Status.HIT else 0)
    assert (got.receipt is not None) == bool(case.logged)


def test_a_failed_search_is_logged_with_its_decision(tmp_path: Path) -> None:
    r = rig(tmp_path)
    r.records.failing = True
    got = asyncio.run(r.node.handle(envelope(POLICE.ori)))
    (entry,) = r.audit.entries
    assert (entry.record.decision, entry.record.status) == ("permit", "UNAVAILABLE")
    assert "could not be read" in entry.record.detail
    assert got.receipt is not None


def test_a_bug_in_the_audit_path_is_raised_with_its_traceback_and_undoes_the_answer(
    tmp_path: Path,
) -> None:
    r = rig(tmp_path)
    r.audit.broken = True
    with capture_logs() as logs, pytest.raises(TypeError, match="a bug in the audit path"):
        asyncio.run(r.node.handle(envelope(HSI.ori)))
    (event,) = [e for e in logs if e["event"] == "audit_append_crashed"]
    assert (event["state"], event["message_id"], event["log_level"]) == ("WA", "M1", "error")
    assert event["exc_info"] is True
    assert r.db.notices.find() == []  # the release did not happen: nothing is owed
    r.policy.outcomes[HSI.ori] = Outcome.HOLD
    with pytest.raises(TypeError):
        asyncio.run(r.node.handle(envelope(HSI.ori, "M2")))
    assert r.db.queue.find("all") == []  # and nothing is held


def test_log_lines_carry_the_message_and_state_and_no_personal_data(tmp_path: Path) -> None:
    r = rig(tmp_path)
    with capture_logs() as logs:
        answer(r, UNKNOWN)
        r.audit.failing = True
        answer(r, POLICE.ori)
    rejected = next(e for e in logs if e["event"] == "message_rejected")
    assert (rejected["state"], rejected["message_id"]) == ("WA", "M1")
    failed = next(e for e in logs if e["event"] == "audit_append_failed")
    assert (failed["state"], failed["error"]) == ("WA", "disk full")
    assert failed["component"] == ""
    text = repr(logs)
    assert "WDL000000001" not in text
    assert "J SMITH" not in text


# --- review, with fakes ------------------------------------------------------------------


def hold_and_approve(r: Rig) -> None:
    r.policy.outcomes[HSI.ori] = Outcome.HOLD
    assert answer(r, HSI.ori) is Status.HELD
    r.db.queue.decide("M1", approve=True, reviewer="r.lee", note="serious crime")
    asyncio.run(r.node.reviews.carry_out())


def test_an_approved_answer_is_released_once(tmp_path: Path) -> None:
    r = rig(tmp_path)
    hold_and_approve(r)
    assert r.db.queue.get("M1").status is ItemStatus.READY
    first = asyncio.run(r.node.reviews.collect("M1", HSI.ori))
    again = asyncio.run(r.node.reviews.collect("M1", HSI.ori))
    assert (first.status, again.status) == (Status.HIT, Status.REJECTED)
    assert len(first.drivers) == 1
    assert again.drivers == []
    assert r.audit.statuses == ["HELD", "APPROVED", "COLLECTED"]
    assert len(r.db.notices.find("due")) == 1


def test_a_collection_that_cannot_be_logged_stays_ready(tmp_path: Path) -> None:
    r = rig(tmp_path)
    hold_and_approve(r)
    r.audit.failing = True
    got = asyncio.run(r.node.reviews.collect("M1", HSI.ori))
    assert (got.status, got.drivers) == (Status.UNAVAILABLE, [])
    assert r.db.queue.get("M1").status is ItemStatus.READY
    assert r.db.notices.find() == []


def test_a_step_that_cannot_be_logged_is_put_back_and_tried_again(tmp_path: Path) -> None:
    r = rig(tmp_path)
    r.policy.outcomes[HSI.ori] = Outcome.HOLD
    answer(r, HSI.ori)
    r.db.queue.decide("M1", approve=False, reviewer="r.lee", note="no basis")
    r.audit.failing = True
    assert asyncio.run(r.node.reviews.carry_out()) == []
    assert r.db.queue.get("M1").status is ItemStatus.DENIED
    r.audit.failing = False
    (closed,) = asyncio.run(r.node.reviews.carry_out())
    assert closed.status is ItemStatus.CLOSED
    assert r.audit.statuses == ["HELD", "REVIEW_DENIED"]


def test_two_processes_release_a_kept_answer_once(tmp_path: Path) -> None:
    """Two nodes on one node database (as two processes would be): while one logs the
    release, the other is told to ask again; afterwards, that it was released."""
    one = rig(tmp_path)
    other = rig(tmp_path)
    hold_and_approve(one)
    gate = asyncio.Event()
    real_append = one.audit.append

    async def slow_append(state: str, entry: object) -> object:
        await gate.wait()
        return await real_append(state, entry)  # type: ignore[arg-type]

    one.audit.append = slow_append  # type: ignore[assignment, method-assign]

    async def race() -> tuple[Status, Status, Status]:
        first = asyncio.create_task(one.node.reviews.collect("M1", HSI.ori))
        await asyncio.sleep(0.05)
        meanwhile = await other.node.reviews.collect("M1", HSI.ori)
        gate.set()
        released = await first
        after = await other.node.reviews.collect("M1", HSI.ori)
        return released.status, meanwhile.status, after.status

    assert asyncio.run(race()) == (Status.HIT, Status.HELD, Status.REJECTED)
    assert other.audit.entries == []


def test_an_item_left_busy_by_a_dead_process_expires_once_and_only_when_stale(
    tmp_path: Path,
) -> None:
    one, other = rig(tmp_path), rig(tmp_path)
    one.policy.outcomes[HSI.ori] = Outcome.HOLD
    answer(one, HSI.ori)
    one.db.queue.decide("M1", approve=True, reviewer="r.lee", note="ok")
    just_late = now() - dt.timedelta(minutes=1)  # a step may still be running
    assert one.db.queue.transition("M1", ItemStatus.APPROVED, ItemStatus.BUSY, expires_at=just_late)
    assert asyncio.run(other.node.reviews.carry_out()) == []
    stale = now() - STALE - dt.timedelta(minutes=1)
    assert one.db.queue.transition("M1", ItemStatus.BUSY, ItemStatus.BUSY, expires_at=stale)
    (expired,) = asyncio.run(other.node.reviews.carry_out())
    assert expired.status is ItemStatus.EXPIRED
    assert asyncio.run(one.node.reviews.carry_out()) == []
    assert other.audit.statuses == ["EXPIRED"]
    assert "a step on it did not finish" in other.audit.entries[0].record.detail


def test_a_failed_search_on_approval_is_tried_again_and_blocks_nothing(tmp_path: Path) -> None:
    r = rig(tmp_path)
    r.policy.outcomes[HSI.ori] = Outcome.HOLD
    answer(r, HSI.ori)
    r.db.queue.decide("M1", approve=True, reviewer="r.lee", note="ok")
    r.records.failing = True
    with capture_logs() as logs:
        polled = asyncio.run(r.node.reviews.collect("M1", HSI.ori))
    assert polled.status is Status.HELD
    assert r.db.queue.get("M1").status is ItemStatus.APPROVED
    assert r.audit.statuses == ["HELD"]
    assert any(e["event"] == "review_step_not_done" for e in logs)
    r.records.failing = False
    assert asyncio.run(r.node.reviews.collect("M1", HSI.ori)).status is Status.HIT


def _raise(error: Exception) -> Callable[..., NoReturn]:
    def fail(*args: object, **kwargs: object) -> NoReturn:
        raise error

    return fail


# (who asks, what the decider says, where it fails, what the log says on the record)
FAILURE_POINTS = {
    "the directory": (POLICE.ori, Outcome.PERMIT, "directories.current", "could not be read"),
    "the policy (a bug)": (POLICE.ori, Outcome.PERMIT, "policy.decide", "internal error"),
    "the settings": (POLICE.ori, Outcome.PERMIT, "policy.request", "could not be read"),
    "the records (a bug)": (POLICE.ori, Outcome.PERMIT, "records.find", "internal error"),
    "the review queue": (HSI.ori, Outcome.HOLD, "queue.hold", "could not be read"),
    "the notices": (HSI.ori, Outcome.PERMIT, "ledger.notices.owe", "could not be read"),
    "the notices (a bug)": (HSI.ori, Outcome.PERMIT, "ledger.notices.owe", "internal error"),
}


@pytest.mark.parametrize("case", FAILURE_POINTS.values(), ids=FAILURE_POINTS.keys())
def test_a_failure_at_any_point_is_logged_unavailable_with_its_cause_and_releases_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: tuple[str, Outcome, str, str]
) -> None:
    ori, outcome, where, cause = case
    r = rig(tmp_path)
    r.policy.outcomes[ori] = outcome
    owner, _, name = f"node.parts.{where}".rpartition(".")
    target: object = r
    for part in owner.split("."):
        target = getattr(target, part)
    bug = "could not be read" not in cause
    error = RuntimeError("a bug") if bug else StoreError("WA store could not be read: Disk")
    monkeypatch.setattr(target, name, _raise(error))
    got = asyncio.run(r.node.handle(envelope(ori)))
    assert got.status is Status.UNAVAILABLE
    assert (got.drivers, got.record_count) == ([], 0)
    (logged,) = r.audit.entries
    assert (logged.record.status, logged.record.released) == ("UNAVAILABLE", 0)
    assert cause in logged.record.detail
    assert got.receipt is not None
    assert r.db.notices.find() == []
    assert r.db.queue.find("all") == []
