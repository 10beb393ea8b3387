"""One state's node: check, decide, search, audit, answer.

A node never trusts the hub: it checks again that the requester is in its own copy of
the directory and that the message is addressed to it. It then decides with its own
policy and searches its records only when the decision is permit. Every answer, a
refusal too, is appended to the state's audit log **before** it leaves the node; if the
append fails, the answer is UNAVAILABLE and nothing is released.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from statelink.audit import AuditService, build_entry
from statelink.directory import Agency
from statelink.directory.source import DirectorySource
from statelink.errors import AuditUnavailable
from statelink.messages.envelope import Envelope
from statelink.messages.response import StateAnswer, Status
from statelink.policy.decision_point import DecisionPoint
from statelink.policy.engine import Decision, Outcome
from statelink.records import RecordStore
from statelink.records.store import Found

log = logging.getLogger(__name__)

_STATUS = {Outcome.DENY: Status.DENIED, Outcome.HOLD: Status.HELD}
_NOTHING = Found([], [], [])


class StateNode:
    def __init__(
        self,
        state: str,
        records: RecordStore,
        directories: DirectorySource,
        policy: DecisionPoint,
        audit: AuditService,
    ) -> None:
        self.state = state
        self.records = records
        self.directories = directories
        self.policy = policy
        self.audit = audit

    async def handle(self, envelope: Envelope) -> StateAnswer:
        started = time.perf_counter()
        message = envelope.message
        dataset = f"{self.state}/{message.key.dataset}"
        agency = self.directories.current().get(message.ori)
        if agency is None:
            return await self._answer(
                envelope,
                started,
                dataset,
                None,
                {},
                None,
                _NOTHING,
                Status.REJECTED,
                f"unknown ORI {message.ori}",
            )
        if not (message.nationwide or self.state in message.dest):
            return await self._answer(
                envelope,
                started,
                dataset,
                agency,
                {},
                None,
                _NOTHING,
                Status.REJECTED,
                f"message is not addressed to {self.state}",
            )
        request = self.policy.request(message, agency)
        decision = self.policy.decide(request)
        if decision.outcome is not Outcome.PERMIT:
            detail = ""
            if decision.outcome is Outcome.HOLD:
                detail = (
                    f"held for case-by-case review by {self.state}; nothing is released "
                    "unless a reviewer approves it"
                )
            return await self._answer(
                envelope,
                started,
                dataset,
                agency,
                request.context,
                decision,
                _NOTHING,
                _STATUS[decision.outcome],
                detail,
            )
        found = self.records.find(message.mke, message.fields)
        status = Status.HIT if found.count else Status.NO_HIT
        return await self._answer(
            envelope, started, dataset, agency, request.context, decision, found, status, ""
        )

    async def _answer(
        self,
        envelope: Envelope,
        started: float,
        dataset: str,
        agency: Agency | None,
        context: Mapping[str, Any],
        decision: Decision | None,
        found: Found,
        status: Status,
        detail: str,
    ) -> StateAnswer:
        """Log the answer, then release it; if it cannot be logged, release nothing."""
        message = envelope.message
        if status is Status.REJECTED:
            log.warning("node %s rejected message %s: %s", self.state, envelope.message_id, detail)
        entry = build_entry(
            node=self.state,
            envelope=envelope,
            agency=agency,
            dataset=dataset,
            context=context,
            decision=decision.outcome.value if decision else "",
            policies=decision.policy_ids if decision else (),
            policy_digest=decision.digest if decision else self.policy.digest,
            status=status.value,
            released=found.count,
            subjects=found.subjects,
            search=f"{message.mke}:" + "|".join(f"{k}={v}" for k, v in message.fields.items()),
            operator=message.operator,
            latency_ms=(time.perf_counter() - started) * 1000,
            detail=decision.error if decision and decision.error else detail,
        )
        try:
            receipt = await self.audit.append(self.state, entry)
        except Exception as e:
            log.error(
                "node %s could not log message %s, releasing nothing: %s",
                self.state,
                envelope.message_id,
                e,
            )
            why = e.message if isinstance(e, AuditUnavailable) else "an error"
            return StateAnswer(
                state=self.state,
                status=Status.UNAVAILABLE,
                detail=f"the audit log could not be written ({why}); nothing is released",
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

    def close(self) -> None:
        """Close the node's stores (its audit log belongs to the audit service)."""
        self.records.close()
        self.policy.settings.close()


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
