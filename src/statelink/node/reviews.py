"""A node's side of case-by-case review: carrying out reviewers' decisions, and collection.

Reviewers only record a decision in the queue (from the dashboard or the command line).
The node carries it out: on approval it evaluates the message again with
``review_approved = true`` and, if the policy in force permits, searches and keeps the
answer for the requester; on denial it closes the item; an item nobody decides (or
nobody collects) in time expires. Each of these steps is appended to the audit log
before the queue records it, and the release itself happens only at collection, which
is logged with the released records like any other answer (through the same ledger as
the node's answers). If a step cannot be logged, the item goes back to where it was and
is tried again later: nothing is released.

Every step first claims its item (a conditional move to ``busy`` in the queue), so a
step is logged once and a kept answer released once even when several processes share
the queue. Asking about an item (polling) changes nothing and is not logged.

Each step happens at a moment: ``at`` when the caller gives one (the demo year's
simulated reviewers and requesters act at simulated times), the node's clock otherwise.
The policy is evaluated again, the record dated, the answer kept until, and the
notices of a release owed, as of that moment. A step taken by a reviewer's decision is
logged with the reviewer as its operator (a keyed hash in the record, like any
operator's name).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import structlog

from statelink.clock import naive
from statelink.directory import Agency
from statelink.errors import NotFound, StatelinkError, StoreError
from statelink.messages.envelope import Envelope
from statelink.messages.response import PolicyReason, StateAnswer, Status
from statelink.node.ledger import AuditStep, ReviewStep, elapsed_ms
from statelink.node.parts import NodeParts
from statelink.policy.engine import Decision, Outcome
from statelink.records.store import Found
from statelink.review.queue import ItemStatus, KeptAnswer, ReviewItem

_WAITING = (ItemStatus.PENDING, ItemStatus.APPROVED)
_LATE = {
    ItemStatus.PENDING: "no reviewer decided",
    ItemStatus.READY: "nobody collected it",
    ItemStatus.BUSY: "a step on it did not finish",
}
log = structlog.get_logger(__name__)


def _about(state: str, item: ReviewItem) -> dict[str, str]:
    return {"state": state, "message_id": item.message_id, "status": str(item.status)}


@dataclass(frozen=True)
class _Settled:
    """Where a carried-out step leaves its item."""

    to: ItemStatus
    answer: KeptAnswer | None = None
    policies: tuple[PolicyReason, ...] | None = None
    expires_at: dt.datetime | None = None


class ReviewDesk:
    def __init__(self, parts: NodeParts) -> None:
        self.parts = parts

    # --- carrying out decisions --------------------------------------------------------

    async def carry_out(self, at: dt.datetime | None = None) -> list[ReviewItem]:
        """Act, at ``at`` (the node's clock's now if not given), on every decided item
        and every item past its time then; return the items as they end up.

        An item another process is acting on is left to it; an item whose step cannot
        be logged is put back as it was (and tried next time).
        """
        queue, moment = self.parts.queue, at or self.parts.clock.now()
        due = queue.to_carry_out(moment)
        done = [item.message_id for item in due if await self._step(item, moment)]
        return [queue.get(message_id) for message_id in done]

    async def _step(self, item: ReviewItem, at: dt.datetime) -> bool:
        queue, message_id = self.parts.queue, item.message_id
        if not self._claim(item, at):
            return False  # another process moved it first
        try:
            settled = await self._carry_out(item, at)
        except StatelinkError as e:  # not logged, or not done: tried again next time
            queue.transition(message_id, ItemStatus.BUSY, item.status)
            log.error("review_step_not_done", **_about(self.parts.state, item), error=e.message)
            return False
        except BaseException:
            queue.transition(message_id, ItemStatus.BUSY, item.status)
            raise
        self._move(item, settled.to, at, settled)
        return True

    def _claim(self, item: ReviewItem, at: dt.datetime) -> bool:
        """Make the item ``busy`` for this step; one left busy by a dead process is
        claimed by moving its time, so that only one process expires it."""
        queue = self.parts.queue
        if item.status is not ItemStatus.BUSY:
            return queue.transition(item.message_id, item.status, ItemStatus.BUSY)
        return queue.transition(
            item.message_id,
            ItemStatus.BUSY,
            ItemStatus.BUSY,
            expires_at=naive(at),
            seen_expiring=item.expires_at,
        )

    def _move(
        self,
        item: ReviewItem,
        to: ItemStatus,
        at: dt.datetime,
        settled: _Settled | None = None,
    ) -> None:
        """Record where a logged step left the item. The step is in the audit log
        already: if the queue cannot follow, say so (the item expires later)."""
        try:
            moved = self.parts.queue.transition(
                item.message_id,
                ItemStatus.BUSY,
                to,
                answer=settled.answer if settled else None,
                policies=settled.policies if settled else None,
                expires_at=settled.expires_at if settled else None,
                at=at,
            )
        except StoreError as e:
            moved, problem = False, e.message
        else:
            problem = "it was moved meanwhile"
        if not moved:
            log.error(
                "review_item_not_moved", **_about(self.parts.state, item), to=str(to), error=problem
            )

    async def _carry_out(self, item: ReviewItem, at: dt.datetime) -> _Settled:
        parts = self.parts
        envelope, started = _envelope(item), time.perf_counter()
        agency = parts.agency(item.ori)
        held = Decision(Outcome.DENY, item.policies, parts.policy.digest)
        if item.status in (ItemStatus.PENDING, ItemStatus.READY, ItemStatus.BUSY):
            detail = f"expired: {_LATE[item.status]} by {item.expires_at:%Y-%m-%d %H:%M} UTC"
            step = AuditStep(
                envelope, at, started, agency, ReviewStep.EXPIRED, detail, decision=held
            )
            await parts.ledger.log(step)
            return _Settled(ItemStatus.EXPIRED)
        reviewed = AuditStep(
            envelope, at, started, agency, ReviewStep.REFUSED, decision=held, operator=item.reviewer
        )
        if item.status is ItemStatus.DENIED:
            detail = f"denied on case-by-case review by {parts.state}; nothing is released"
            await parts.ledger.log(
                reviewed._replace(status=ReviewStep.REVIEW_DENIED, detail=detail)
            )
            return _Settled(ItemStatus.CLOSED)
        if agency is None:
            detail = f"approved on review, but {item.ori} is no longer in the directory"
            await parts.ledger.log(reviewed._replace(detail=detail))
            return _Settled(ItemStatus.REFUSED)
        return await self._approved(reviewed, agency)

    async def _approved(self, reviewed: AuditStep, agency: Agency) -> _Settled:
        """Evaluate an approved item again, with the approval, under the policy in force
        at the step's moment."""
        parts, envelope = self.parts, reviewed.envelope
        request = parts.policy.request(
            envelope.message, agency, review_approved=True, today=reviewed.at.date()
        )
        decision = parts.policy.decide(request, cached=False)
        step = reviewed._replace(context=request.context, decision=decision)
        if decision.outcome is not Outcome.PERMIT:
            detail = "approved on review, but the policy in force now refuses it"
            await parts.ledger.log(step._replace(status=ReviewStep.REFUSED, detail=detail))
            return _Settled(ItemStatus.REFUSED, policies=decision.policies)
        found = parts.records.find(envelope.message.mke, envelope.message.fields)
        detail = (
            f"approved on case-by-case review by {parts.state}; {found.count} record(s) kept "
            "for the requester to collect"
        )
        await parts.ledger.log(step._replace(status=ReviewStep.APPROVED, detail=detail))
        kept = KeptAnswer(
            drivers=tuple(found.drivers),
            vehicles=tuple(found.vehicles),
            subjects=tuple(found.subjects),
            policies=decision.policies,  # those that permitted it, for the release's record
        )
        hours = dt.timedelta(hours=parts.policy.snapshot.review_hours)
        return _Settled(ItemStatus.READY, kept, expires_at=reviewed.at + hours)

    # --- collection ------------------------------------------------------------------------

    async def collect(
        self, message_id: str, ori: str, at: dt.datetime | None = None
    ) -> StateAnswer:
        """The state's answer to a held message, for the agency that sent it, asked at
        ``at`` (the node's clock's now if not given).

        A kept answer is released once: claimed, logged with its records, then erased.
        """
        moment = at or self.parts.clock.now()
        await self.carry_out(moment)
        started = time.perf_counter()
        state, queue = self.parts.state, self.parts.queue
        try:
            item: ReviewItem | None = queue.get(message_id)
        except NotFound:
            item = None
        if item is None or item.ori != ori.strip().upper():
            raise NotFound(f"{state} holds no message {message_id} from {ori}")
        if item.status in _WAITING:
            detail = (
                f"waiting for case-by-case review by {state} until "
                f"{item.expires_at:%Y-%m-%d %H:%M} UTC"
            )
            return self._poll(item, started, Status.HELD, detail)
        if item.status is not ItemStatus.READY:
            return self._poll(item, started, *_closed(item))
        if not queue.transition(item.message_id, ItemStatus.READY, ItemStatus.BUSY):
            return self._poll(item, started, Status.HELD, "a review step is under way: ask again")
        released = False
        try:
            answer = await self._release(item, started, moment)
            released = answer.status in (Status.HIT, Status.NO_HIT)
        finally:  # not released: it stays ready to collect
            self._move(item, ItemStatus.COLLECTED if released else ItemStatus.READY, moment)
        return answer

    async def _release(self, item: ReviewItem, started: float, at: dt.datetime) -> StateAnswer:
        parts = self.parts
        assert item.answer is not None
        envelope = _envelope(item)
        agency = parts.agency(item.ori)
        if agency is None:
            return self._poll(item, started, Status.REJECTED, f"unknown ORI {item.ori}")
        kept = item.answer
        found = Found(list(kept.drivers), list(kept.vehicles), list(kept.subjects))
        request = parts.policy.request(
            envelope.message, agency, review_approved=True, today=at.date()
        )
        permit = Decision(Outcome.PERMIT, kept.policies, parts.policy.digest)
        detail = (
            f"released after case-by-case review, approved by {parts.state} "
            f"on {item.decided_at:%Y-%m-%d}"
        )
        step = AuditStep(envelope, at, started, agency, ReviewStep.COLLECTED, detail)
        step = step._replace(context=request.context, decision=permit, found=found)
        shown = Status.HIT if found.count else Status.NO_HIT
        return await parts.ledger.answer(step, lambda: parts.policy.snapshot, shown=shown)

    def _poll(self, item: ReviewItem, started: float, status: Status, detail: str) -> StateAnswer:
        """An answer to a requester asking about an item: not a release, not logged."""
        return StateAnswer(
            state=self.parts.state,
            status=status,
            reasons=list(item.policies) if status in (Status.HELD, Status.DENIED) else [],
            detail=detail,
            elapsed_ms=elapsed_ms(started),
        )


def _closed(item: ReviewItem) -> tuple[Status, str]:
    """What the requester is told about an item that released nothing (or already did)."""
    when = f"{item.closed_at:%Y-%m-%d %H:%M} UTC" if item.closed_at else "earlier"
    if item.status in (ItemStatus.DENIED, ItemStatus.CLOSED):
        return Status.DENIED, "denied on case-by-case review; nothing is released"
    if item.status is ItemStatus.REFUSED:
        return Status.DENIED, "approved on review, but the policy in force refuses it"
    if item.status is ItemStatus.EXPIRED:
        return Status.DENIED, f"expired {when}; nothing is released"
    if item.status is ItemStatus.BUSY:
        return Status.HELD, "a review step is under way: ask again"
    return Status.REJECTED, f"collected {when}: an answer is released once"


def _envelope(item: ReviewItem) -> Envelope:
    if item.message is None:
        raise NotFound(f"held message {item.message_id} is closed")
    return Envelope(
        message_id=item.message_id,
        message=item.message,
        received_at=item.created_at.replace(tzinfo=dt.UTC).isoformat(timespec="milliseconds"),
    )
