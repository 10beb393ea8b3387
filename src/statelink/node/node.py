"""One state's node: check, decide, search, owe notices, audit, answer.

A node never trusts the hub: it checks again that the requester is in its own copy of
the directory and that the message is addressed to it. It then decides with its own
policy and searches its records only when the decision is permit. A held message goes
to the state's review queue. Every answer, a refusal too, is appended to the state's
audit log **before** it leaves the node; if the append fails, the answer is UNAVAILABLE,
nothing is released, and whatever the answer queued or owed is undone.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Mapping
from typing import Any

from statelink.audit import AuditService, build_entry
from statelink.directory import Agency
from statelink.directory.source import DirectorySource
from statelink.errors import AuditUnavailable, StoreError
from statelink.messages.envelope import Envelope
from statelink.messages.response import Receipt, StateAnswer, Status
from statelink.node.reviews import ReviewDesk
from statelink.notices import Addressee, NoticeStore
from statelink.policy.decision_point import DecisionPoint
from statelink.policy.engine import Decision, Outcome
from statelink.records import RecordStore
from statelink.records.store import Found
from statelink.review import ReviewQueue

log = logging.getLogger(__name__)

_STATUS = {Outcome.DENY: Status.DENIED, Outcome.HOLD: Status.HELD}
NOTHING = Found([], [], [])


class StateNode:
    def __init__(
        self,
        state: str,
        records: RecordStore,
        directories: DirectorySource,
        policy: DecisionPoint,
        audit: AuditService,
        queue: ReviewQueue,
        notices: NoticeStore,
    ) -> None:
        self.state = state
        self.records = records
        self.directories = directories
        self.policy = policy
        self.audit = audit
        self.queue = queue
        self.notices = notices
        self.reviews = ReviewDesk(self)

    async def handle(self, envelope: Envelope) -> StateAnswer:
        started = time.perf_counter()
        message = envelope.message
        agency = self.directories.current().get(message.ori)
        if agency is None:
            return await self._answer(
                envelope, started, None, Status.REJECTED, f"unknown ORI {message.ori}"
            )
        if not (message.nationwide or self.state in message.dest):
            return await self._answer(
                envelope,
                started,
                agency,
                Status.REJECTED,
                f"message is not addressed to {self.state}",
            )
        request = self.policy.request(message, agency)
        decision = self.policy.decide(request)
        if decision.outcome is Outcome.DENY:
            return await self._answer(
                envelope, started, agency, Status.DENIED, "", request.context, decision
            )
        if decision.outcome is Outcome.HOLD:
            return await self._hold(envelope, started, agency, request.context, decision)
        found = self.records.find(message.mke, message.fields)
        status = Status.HIT if found.count else Status.NO_HIT
        return await self._answer(
            envelope, started, agency, status, "", request.context, decision, found
        )

    async def _hold(
        self,
        envelope: Envelope,
        started: float,
        agency: Agency,
        context: Mapping[str, Any],
        decision: Decision,
    ) -> StateAnswer:
        """Queue a held message for review; the queue entry is undone if the log fails."""
        try:
            item = self.queue.hold(
                message_id=envelope.message_id,
                message=envelope.message.to_json(),
                agency=agency.name,
                policies=[p.model_dump() for p in decision.policies],
                expires_in=dt.timedelta(hours=self.policy.settings.number("review_hours")),
            )
        except StoreError as e:
            return await self._answer(
                envelope, started, agency, Status.UNAVAILABLE, e.message, context, decision
            )
        detail = (
            f"held for case-by-case review by {self.state} until "
            f"{item.expires_at:%Y-%m-%d %H:%M} UTC; collect the answer with message id "
            f"{envelope.message_id} once a reviewer decides"
        )
        answer = await self._answer(
            envelope, started, agency, Status.HELD, detail, context, decision
        )
        if answer.status is Status.UNAVAILABLE:
            self.queue.discard(envelope.message_id)
        return answer

    async def _answer(
        self,
        envelope: Envelope,
        started: float,
        agency: Agency | None,
        status: Status,
        detail: str,
        context: Mapping[str, Any] | None = None,
        decision: Decision | None = None,
        found: Found = NOTHING,
    ) -> StateAnswer:
        """Owe the notices, log the answer, then release it; if it cannot be logged,
        release nothing and void the notices."""
        if status is Status.REJECTED:
            log.warning("node %s rejected message %s: %s", self.state, envelope.message_id, detail)
        owed: list[int] = []
        if found.count and agency is not None:
            try:
                owed = self.owe_notices(envelope, agency, found)
            except StoreError as e:
                status, detail, found = Status.UNAVAILABLE, e.message, NOTHING
        try:
            receipt = await self.log(
                envelope,
                started,
                agency,
                status.value,
                detail,
                context or {},
                decision,
                found,
            )
        except AuditUnavailable as e:
            self.notices.void(owed)
            return StateAnswer(
                state=self.state,
                status=Status.UNAVAILABLE,
                detail=f"the audit log could not be written ({e.message}); nothing is released",
                elapsed_ms=_ms_since(started),
            )
        return StateAnswer(
            state=self.state,
            status=status,
            drivers=found.drivers,
            vehicles=found.vehicles,
            reasons=list(decision.policies) if decision and status in _STATUS.values() else [],
            detail=detail,
            elapsed_ms=_ms_since(started),
            receipt=receipt,
        )

    async def log(
        self,
        envelope: Envelope,
        started: float,
        agency: Agency | None,
        status: str,
        detail: str,
        context: Mapping[str, Any],
        decision: Decision | None,
        found: Found = NOTHING,
    ) -> Receipt:
        """Append one step to the state's audit log; raise AuditUnavailable if it fails."""
        message = envelope.message
        entry = build_entry(
            node=self.state,
            envelope=envelope,
            agency=agency,
            dataset=f"{self.state}/{message.key.dataset}",
            context=context,
            decision=decision.outcome.value if decision else "",
            policies=decision.policy_ids if decision else (),
            policy_digest=decision.digest if decision else self.policy.digest,
            status=status,
            released=found.count,
            subjects=found.subjects,
            search=f"{message.mke}:" + "|".join(f"{k}={v}" for k, v in message.fields.items()),
            operator=message.operator,
            latency_ms=(time.perf_counter() - started) * 1000,
            detail=decision.error if decision and decision.error else detail,
        )
        try:
            return await self.audit.append(self.state, entry)
        except Exception as e:
            log.error(
                "node %s could not log message %s, releasing nothing: %s",
                self.state,
                envelope.message_id,
                e,
            )
            if isinstance(e, AuditUnavailable):
                raise
            raise AuditUnavailable("an error") from e

    def owe_notices(self, envelope: Envelope, agency: Agency, found: Found) -> list[int]:
        """The notices this release owes, if the agency is in one of the notice groups."""
        if not self.policy.snapshot.notice_groups.intersection(agency.groups):
            return []
        settings = self.policy.settings
        return self.notices.owe(
            message_id=envelope.message_id,
            ori=agency.ori,
            agency=agency.name,
            purpose=envelope.message.purpose,
            addressees=Addressee.of([*found.drivers, *found.vehicles]),
            released_on=dt.datetime.now(dt.UTC).date(),
            business_days=settings.number("notice_days"),
            holidays=[day for day, _ in settings.holidays()],
        )

    def close(self) -> None:
        """Close the node's stores (its audit log belongs to the audit service)."""
        self.records.close()
        self.policy.settings.close()
        self.queue.close()
        self.notices.close()


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
