"""One state's node: check, decide, search, then answer through the ledger.

A node never trusts the hub: it checks again that the requester is in its own copy of
the directory and that the message is addressed to it. It then decides with its own
policy and searches its records only when the decision is permit. A held message goes
to the state's review queue. Every answer, a refusal or a failure too, goes through the
:class:`~statelink.node.ledger.Ledger`: logged to the state's audit log **before** it
leaves the node; if the log cannot be written, the answer is UNAVAILABLE, nothing is
released, and whatever the answer queued or owed is undone.

One moment decides a message (:mod:`statelink.clock`): the certification checked, the
hold's creation and expiry, the notices' release day and the record's ``time`` are all
of the moment the node's clock dates the message by.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Sequence
from typing import NamedTuple

import structlog

from statelink.directory import Agency
from statelink.messages.envelope import Envelope
from statelink.messages.response import StateAnswer, Status
from statelink.node.ledger import NOTHING, AuditStep, Ledger
from statelink.node.parts import Closable, Decider, NodeParts, RecordSearch
from statelink.node.redelivery import replay
from statelink.node.reviews import ReviewDesk
from statelink.notices import NoticeStore
from statelink.policy.context import Context
from statelink.policy.engine import Decision, Outcome
from statelink.records.store import Found
from statelink.review import ReviewQueue

log = structlog.get_logger(__name__)


class _Facts(NamedTuple):
    """What the node knows of a message once its policy decided."""

    envelope: Envelope
    at: dt.datetime
    started: float
    agency: Agency
    context: Context
    decision: Decision

    def step(self, status: Status, detail: str = "", found: Found = NOTHING) -> AuditStep:
        e = self
        return AuditStep(
            e.envelope, e.at, e.started, e.agency, status, detail, e.context, e.decision, found
        )


class StateNode:
    """A state's node; its :attr:`reviews` desk is built beside it from the same parts."""

    def __init__(self, parts: NodeParts, *, owned: Sequence[Closable] = ()) -> None:
        self.parts = parts
        self.state = parts.state
        self.reviews = ReviewDesk(parts)
        self._owned = owned
        self._answering: dict[str, asyncio.Future[StateAnswer]] = {}

    @property
    def ledger(self) -> Ledger:
        return self.parts.ledger

    @property
    def policy(self) -> Decider:
        return self.parts.policy

    @property
    def records(self) -> RecordSearch:
        return self.parts.records

    @property
    def queue(self) -> ReviewQueue:
        return self.parts.queue

    @property
    def notices(self) -> NoticeStore:
        return self.parts.ledger.notices

    async def handle(self, envelope: Envelope) -> StateAnswer:
        """The state's answer to a message, decided and logged once per message id: the
        same message delivered again while it is being answered waits for that answer,
        and one delivered again later is answered from the audit log
        (:mod:`statelink.node.redelivery`)."""
        message_id = envelope.message_id
        answering = self._answering.get(message_id)
        if answering is not None:
            return await asyncio.shield(answering)
        started = time.perf_counter()
        if envelope.resubmitted and self.parts.answers is not None:
            again = await asyncio.to_thread(
                replay,
                self.state,
                envelope,
                self.parts.answers,
                (self.records, self.policy.reason),
                started,
            )
            if again is not None:
                return again
        future: asyncio.Future[StateAnswer] = asyncio.get_running_loop().create_future()
        self._answering[message_id] = future
        try:
            answer = await self._decide(envelope, started)
        except BaseException as e:
            future.set_exception(e)
            future.exception()  # retrieved: no "never retrieved" warning
            raise
        finally:
            del self._answering[message_id]
        future.set_result(answer)
        return answer

    async def _decide(self, envelope: Envelope, started: float) -> StateAnswer:
        at = self.parts.clock.dated(envelope.received_at)
        message = envelope.message
        try:
            agency = self.parts.agency(message.ori)
        except Exception as e:  # the directory could not be read: logged, nothing released
            step = AuditStep(envelope, at, started, None, Status.UNAVAILABLE)
            return await self._failed(step, e)
        if agency is None or not (message.nationwide or self.state in message.dest):
            detail = (
                f"unknown ORI {message.ori}"
                if agency is None
                else f"message is not addressed to {self.state}"
            )
            return await self._reject(
                AuditStep(envelope, at, started, agency, Status.REJECTED, detail)
            )
        try:
            request = self.policy.request(message, agency, today=at.date())
            decision = self.policy.decide(request)
        except Exception as e:  # nothing decided: logged, nothing released
            step = AuditStep(envelope, at, started, agency, Status.UNAVAILABLE)
            return await self._failed(step, e)
        facts = _Facts(envelope, at, started, agency, request.context, decision)
        if decision.outcome is Outcome.DENY:
            return await self._answer(facts.step(Status.DENIED))
        if decision.outcome is Outcome.HOLD:
            return await self._hold(facts)
        return await self._search(facts)

    async def _search(self, facts: _Facts) -> StateAnswer:
        """Search the records for a permitted message; a failed search is logged too."""
        message = facts.envelope.message
        try:
            found = self.records.find(message.mke, message.fields)
        except Exception as e:
            return await self._failed(facts.step(Status.UNAVAILABLE), e)
        status = Status.HIT if found.count else Status.NO_HIT
        return await self._answer(facts.step(status, found=found))

    async def _failed(self, step: AuditStep, error: Exception) -> StateAnswer:
        """A failure on the way to an answer, logged as UNAVAILABLE with its cause (a bug
        in a part is recorded by its kind; its traceback goes to the application log)."""
        return await self._answer(step.failed(self.ledger.cause(step, error)))

    async def _hold(self, facts: _Facts) -> StateAnswer:
        """Queue a held message for review; the queue entry is undone if the log fails."""
        envelope, agency = facts.envelope, facts.agency
        try:
            item = self.queue.hold(
                message_id=envelope.message_id,
                message=envelope.message,
                agency=agency.name,
                policies=facts.decision.policies,
                expires_in=dt.timedelta(hours=self.policy.snapshot.review_hours),
                at=facts.at,
            )
        except Exception as e:
            return await self._failed(facts.step(Status.UNAVAILABLE), e)
        detail = (
            f"held for case-by-case review by {self.state} until "
            f"{item.expires_at:%Y-%m-%d %H:%M} UTC; collect the answer with message id "
            f"{envelope.message_id} once a reviewer decides"
        )
        try:
            answer = await self._answer(facts.step(Status.HELD, detail))
        except BaseException:
            self.queue.discard(envelope.message_id)
            raise
        if answer.status is Status.UNAVAILABLE:  # never answered HELD: nothing to review
            self.queue.discard(envelope.message_id)
        return answer

    async def _reject(self, step: AuditStep) -> StateAnswer:
        """A message this node does not answer (an unknown ORI, another state's)."""
        agency = step.agency
        log.warning(
            "message_rejected",
            state=self.state,
            message_id=step.envelope.message_id,
            component=agency.component if agency else "",
            detail=step.detail,
        )
        return await self._answer(step)

    async def _answer(self, step: AuditStep) -> StateAnswer:
        return await self.ledger.answer(step, lambda: self.policy.snapshot)

    def close(self) -> None:
        """Close what was opened for this node (its audit log belongs to the audit service)."""
        for part in self._owned:
            part.close()
