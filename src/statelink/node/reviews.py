"""A node's side of case-by-case review: carrying out reviewers' decisions, and collection.

Reviewers only record a decision in the queue (from the dashboard or the command line).
The node carries it out: on approval it evaluates the message again with
``review_approved = true`` and, if the policy in force permits, searches and keeps the
answer for the requester; on denial it closes the item; an item nobody decides (or
nobody collects) in time expires. Each of these steps is appended to the audit log
before the queue records it, and the release itself happens only at collection, which
is logged with the released records like any other answer. If a step cannot be logged,
the item stays as it was and is tried again later: nothing is released.

Asking about an item (polling) changes nothing and is not logged.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import TYPE_CHECKING

from statelink.errors import AuditUnavailable, NotFound
from statelink.messages.envelope import Envelope
from statelink.messages.model import Message
from statelink.messages.response import (
    DriverRecord,
    PolicyReason,
    StateAnswer,
    Status,
    VehicleRecord,
)
from statelink.policy.engine import Decision, Outcome
from statelink.records.store import Found
from statelink.review import queue as q
from statelink.review.queue import Item

if TYPE_CHECKING:
    from statelink.node.node import StateNode

# The audit statuses of review steps (an answer's own statuses are in Status).
APPROVED, REVIEW_DENIED, REFUSED, EXPIRED, COLLECTED = (
    "APPROVED",
    "REVIEW_DENIED",
    "REFUSED",
    "EXPIRED",
    "COLLECTED",
)


class ReviewDesk:
    def __init__(self, node: StateNode) -> None:
        self.node = node
        self._busy: set[str] = set()  # items a step is under way on (one step at a time)

    # --- carrying out decisions --------------------------------------------------------

    async def carry_out(self) -> list[Item]:
        """Act on every decided or timed-out item; return the items as they end up.

        An item whose step cannot be logged is left as it was (and tried next time).
        """
        done = []
        for item in self.node.queue.to_carry_out():
            if item.message_id in self._busy:
                continue
            self._busy.add(item.message_id)
            try:
                await self._carry_out(item)
            except AuditUnavailable:
                continue
            finally:
                self._busy.discard(item.message_id)
            done.append(self.node.queue.get(item.message_id))
        return done

    async def _carry_out(self, item: Item) -> None:
        node, queue = self.node, self.node.queue
        started = time.perf_counter()
        envelope = _envelope(item)
        agency = node.directories.current().get(item.ori)
        held = _decision(Outcome.DENY, item.policies, node.policy.digest)
        if item.status in (q.PENDING, q.READY):  # past its time
            what = "no reviewer decided" if item.status == q.PENDING else "nobody collected it"
            detail = f"expired: {what} by {item.expires_at:%Y-%m-%d %H:%M} UTC"
            await node.log(envelope, started, agency, EXPIRED, detail, {}, held)
            queue.settle(item.message_id, q.EXPIRED)
            return
        if item.status == q.DENIED:
            detail = f"denied on review by {item.reviewer}; nothing is released"
            await node.log(envelope, started, agency, REVIEW_DENIED, detail, {}, held)
            queue.settle(item.message_id, q.CLOSED)
            return
        # approved: evaluate again with the approval, under the policy in force now
        if agency is None:
            detail = f"approved on review, but {item.ori} is no longer in the directory"
            await node.log(envelope, started, None, REFUSED, detail, {}, held)
            queue.settle(item.message_id, q.REFUSED)
            return
        request = node.policy.request(envelope.message, agency, review_approved=True)
        decision = node.policy.decide(request, cached=False)
        policies = [p.model_dump() for p in decision.policies]
        if decision.outcome is not Outcome.PERMIT:
            detail = "approved on review, but the policy in force now refuses it"
            await node.log(envelope, started, agency, REFUSED, detail, request.context, decision)
            queue.settle(item.message_id, q.REFUSED, policies=policies)
            return
        found = node.records.find(envelope.message.mke, envelope.message.fields)
        detail = (
            f"approved on review by {item.reviewer}; {found.count} record(s) kept "
            "for the requester to collect"
        )
        await node.log(envelope, started, agency, APPROVED, detail, request.context, decision)
        hours = node.policy.settings.number("review_hours")
        queue.settle(
            item.message_id,
            q.READY,
            answer={
                "drivers": [d.model_dump(mode="json") for d in found.drivers],
                "vehicles": [v.model_dump(mode="json") for v in found.vehicles],
                "subjects": found.subjects,
                "policies": policies,  # those that permitted it, for the release's record
            },
            expires_at=q.now() + dt.timedelta(hours=hours),
        )

    # --- collection ------------------------------------------------------------------------

    async def collect(self, message_id: str, ori: str) -> StateAnswer:
        """The state's answer to a held message, for the agency that sent it.

        A kept answer is released once: logged with its records, then erased here.
        """
        await self.carry_out()
        started = time.perf_counter()
        node = self.node
        try:
            item = node.queue.get(message_id)
        except NotFound:
            item = None
        if item is None or item.ori != ori.strip().upper():
            raise NotFound(f"{node.state} holds no message {message_id} from {ori}")
        reasons = [PolicyReason(**p) for p in item.policies]
        if item.message_id in self._busy:
            return self._answer(
                item, started, Status.HELD, "a review step is under way: ask again", reasons
            )
        if item.status in (q.PENDING, q.APPROVED):
            return self._answer(
                item,
                started,
                Status.HELD,
                f"waiting for case-by-case review by {node.state} until "
                f"{item.expires_at:%Y-%m-%d %H:%M} UTC",
                reasons,
            )
        if item.status != q.READY:
            return self._answer(item, started, *_closed(item), reasons)
        self._busy.add(item.message_id)
        try:
            return await self._release(item, started)
        finally:
            self._busy.discard(item.message_id)

    async def _release(self, item: Item, started: float) -> StateAnswer:
        node = self.node
        assert item.answer is not None
        envelope = _envelope(item)
        agency = node.directories.current().get(item.ori)
        if agency is None:
            return self._answer(item, started, Status.REJECTED, f"unknown ORI {item.ori}", [])
        found = Found(
            [DriverRecord.model_validate(d) for d in item.answer["drivers"]],
            [VehicleRecord.model_validate(v) for v in item.answer["vehicles"]],
            list(item.answer["subjects"]),
        )
        request = node.policy.request(envelope.message, agency, review_approved=True)
        permit = _decision(Outcome.PERMIT, item.answer["policies"], node.policy.digest)
        detail = (
            f"released after case-by-case review, approved by {item.reviewer} "
            f"on {item.decided_at:%Y-%m-%d}"
        )
        owed = node.owe_notices(envelope, agency, found)
        try:
            receipt = await node.log(
                envelope, started, agency, COLLECTED, detail, request.context, permit, found
            )
        except AuditUnavailable as e:
            node.notices.void(owed)
            return self._answer(
                item,
                started,
                Status.UNAVAILABLE,
                f"the audit log could not be written ({e.message}); nothing is released",
                [],
            )
        node.queue.settle(item.message_id, q.COLLECTED)
        return StateAnswer(
            state=node.state,
            status=Status.HIT if found.count else Status.NO_HIT,
            drivers=found.drivers,
            vehicles=found.vehicles,
            detail=detail,
            elapsed_ms=round((time.perf_counter() - started) * 1000, 3),
            receipt=receipt,
        )

    def _answer(
        self,
        item: Item,
        started: float,
        status: Status,
        detail: str,
        reasons: list[PolicyReason],
    ) -> StateAnswer:
        return StateAnswer(
            state=self.node.state,
            status=status,
            reasons=reasons if status in (Status.HELD, Status.DENIED) else [],
            detail=detail,
            elapsed_ms=round((time.perf_counter() - started) * 1000, 3),
        )


def _closed(item: Item) -> tuple[Status, str]:
    """What the requester is told about an item that released nothing (or already did)."""
    when = f"{item.closed_at:%Y-%m-%d %H:%M} UTC" if item.closed_at else "earlier"
    if item.status in (q.DENIED, q.CLOSED):
        return Status.DENIED, "denied on case-by-case review; nothing is released"
    if item.status == q.REFUSED:
        return Status.DENIED, "approved on review, but the policy in force refuses it"
    if item.status == q.EXPIRED:
        return Status.DENIED, f"expired {when}; nothing is released"
    return Status.REJECTED, f"collected {when}: an answer is released once"


def _envelope(item: Item) -> Envelope:
    if item.message is None:
        raise NotFound(f"held message {item.message_id} is closed")
    return Envelope(
        message_id=item.message_id,
        message=Message.parse(item.message),
        received_at=item.created_at.replace(tzinfo=dt.UTC).isoformat(timespec="milliseconds"),
    )


def _decision(outcome: Outcome, policies: list[dict[str, str]], digest: str) -> Decision:
    return Decision(outcome, tuple(PolicyReason(**p) for p in policies), digest)
