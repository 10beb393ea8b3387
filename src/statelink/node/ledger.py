"""The ledger: every step a node takes on a message is owed, logged, then released or voided.

A state's node answers a message (:class:`~statelink.node.node.StateNode`) and carries out
reviewers' decisions (:class:`~statelink.node.reviews.ReviewDesk`). Both hand their steps
to one ledger, which owns the order that makes the audit log true:

1. **owe** the notices a release would owe (so a release cannot happen without them);
2. **log** the step to the state's audit log, durably;
3. **release** the answer with its receipt, or, if the log could not be written,
   **void** what was owed and release nothing (the answer is UNAVAILABLE).

A failure before the log (the notices could not be saved, the records could not be
searched) is itself an answer, and is logged like any other. A programming error is
not turned into a quiet UNAVAILABLE: it is logged with its traceback and raised.

Every step carries the moment it is decided at (``at``, from the node's
:class:`~statelink.clock.Clock`): the record's ``time`` and the day a release's notices
are counted from are that moment, never the time the ledger happens to run.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from enum import StrEnum
from typing import NamedTuple, Protocol

import structlog

from statelink import logs
from statelink.audit.record import Entry, build_entry
from statelink.directory import Agency
from statelink.errors import AuditUnavailable, StatelinkError, StoreError
from statelink.messages.envelope import Envelope
from statelink.messages.response import Receipt, StateAnswer, Status
from statelink.notices import Addressee, NoticeStore
from statelink.policy.context import Context
from statelink.policy.engine import Decision
from statelink.policy.settings import Snapshot
from statelink.records.store import Found

log = structlog.get_logger(__name__)

NOTHING = Found([], [], [])
_WITH_REASONS = (Status.DENIED, Status.HELD)


class ReviewStep(StrEnum):
    """The audit statuses of review steps (an answer's own statuses are :class:`Status`)."""

    APPROVED = "APPROVED"  # approved on review; the answer is kept for the requester
    REVIEW_DENIED = "REVIEW_DENIED"  # denied on review
    REFUSED = "REFUSED"  # approved, but the policy in force refused it
    EXPIRED = "EXPIRED"  # nobody decided, or nobody collected, in time
    COLLECTED = "COLLECTED"  # the kept answer, released to its requester


class AuditSink(Protocol):
    """Where a node's steps are logged: the audit service, or a fake in tests."""

    async def append(self, state: str, entry: Entry) -> Receipt: ...


class LedgerObserver(Protocol):
    """What a ledger tells its observer (the node service's metrics)."""

    def answered(self, status: Status, seconds: float) -> None:
        """An answer is released: its status, and the seconds since the node took it."""

    def appended(self, seconds: float) -> None:
        """A step is durably logged, ``seconds`` after it was handed to the audit log."""

    def append_failed(self) -> None:
        """A step could not be logged durably."""

    def policy_failed(self) -> None:
        """A step's decision was a policy error (nothing is released on it)."""


class _Unobserved:
    def answered(self, status: Status, seconds: float) -> None:
        pass

    def appended(self, seconds: float) -> None:
        pass

    def append_failed(self) -> None:
        pass

    def policy_failed(self) -> None:
        pass


class AuditStep(NamedTuple):
    """One step to log: the message, when and who asked, what was decided and what is
    released.

    A named tuple (immutable and typed) because every answer builds one."""

    envelope: Envelope
    at: dt.datetime  # the moment the step is decided at (aware, UTC)
    started: float  # time.perf_counter() when the node took the message
    agency: Agency | None
    status: Status | ReviewStep  # as logged
    detail: str = ""
    context: Context | None = None  # the Cedar context, once one was derived
    decision: Decision | None = None
    found: Found = NOTHING
    operator: str | None = None  # who acted, if not the message's operator (a reviewer)

    def failed(self, detail: str) -> AuditStep:
        """This step as a failure after the decision: UNAVAILABLE, nothing released."""
        return self._replace(status=Status.UNAVAILABLE, detail=detail, found=NOTHING)


class Ledger:
    """One state's ledger over its audit log and its notices."""

    def __init__(
        self,
        state: str,
        audit: AuditSink,
        notices: NoticeStore,
        digest: Callable[[], str],
        *,
        observer: LedgerObserver | None = None,
    ) -> None:
        self.state = state
        self.audit = audit
        self.notices = notices
        self._digest = digest  # the set in force, for a step no policy decided
        self.observer: LedgerObserver = observer or _Unobserved()
        """Told of every answer, append and policy error (a service sets its metrics)."""

    async def answer(
        self, step: AuditStep, terms: Callable[[], Snapshot], *, shown: Status | None = None
    ) -> StateAnswer:
        """Owe, log and release ``step``; ``terms`` gives the settings the notices are owed
        under; ``shown`` is the status the requester sees when it differs from the one
        logged (a collection shows HIT or NO_HIT). If the notices cannot be owed, for
        whatever reason, the step is logged as a failure and releases nothing."""
        owed: list[int] = []
        if step.found.count and step.agency is not None:
            try:
                owed = self.owe(step, terms())
            except Exception as e:
                step, shown = step.failed(self.cause(step, e)), None
        try:
            receipt = await self.log(step)
        except BaseException as e:
            self._void(step, owed)  # nothing is released: nothing is owed
            if isinstance(e, AuditUnavailable):
                self._answered(step, Status.UNAVAILABLE)
                return self.unavailable(step, e)
            raise
        status = shown or step.status
        assert isinstance(status, Status), "a review step is logged, not answered"
        decision = step.decision
        answer = StateAnswer(
            state=self.state,
            status=status,
            drivers=step.found.drivers,
            vehicles=step.found.vehicles,
            reasons=list(decision.policies) if decision and status in _WITH_REASONS else [],
            detail=step.detail,
            elapsed_ms=elapsed_ms(step.started),
            receipt=receipt,
        )
        self._answered(step, status)
        return answer

    def _answered(self, step: AuditStep, status: Status) -> None:
        """Tell the observer, and the application log at INFO (metadata only)."""
        self.observer.answered(status, time.perf_counter() - step.started)
        if logs.enabled(logging.INFO):  # on the hot path: only build the event if it is kept
            log.info("node_answered", **self._about(step), answered=str(status))

    def cause(self, step: AuditStep, error: Exception) -> str:
        """What a failure on the way to an answer is recorded as: a store's own message;
        for anything else (a bug) its kind, its traceback going to the application log."""
        if isinstance(error, StatelinkError):
            return error.message
        log.error("node_step_crashed", **self._about(step), exc_info=error)
        return f"internal error ({type(error).__name__}); nothing was released"

    async def log(self, step: AuditStep) -> Receipt:
        """Append ``step`` to the audit log; raise AuditUnavailable if it is not durable."""
        if step.decision is not None and step.decision.error:
            self.observer.policy_failed()
        entry = self.entry(step)
        handed = time.perf_counter()
        try:
            receipt = await self.audit.append(self.state, entry)
        except StatelinkError as e:
            self.observer.append_failed()
            log.error("audit_append_failed", **self._about(step), error=e.message)
            if isinstance(e, AuditUnavailable):
                raise
            raise AuditUnavailable(e.message) from e
        except Exception:
            self.observer.append_failed()
            log.exception("audit_append_crashed", **self._about(step))
            raise
        self.observer.appended(time.perf_counter() - handed)
        return receipt

    def _void(self, step: AuditStep, owed: list[int]) -> None:
        """Erase the notices of a release that did not happen; if even that fails, say so
        (the answer still releases nothing)."""
        try:
            self.notices.void(owed)
        except StoreError as e:
            log.error("notices_not_voided", **self._about(step), notices=len(owed), error=e.message)

    def _about(self, step: AuditStep) -> dict[str, str]:
        """What a log line about ``step`` is bound to (never personal data)."""
        return {
            "state": self.state,
            "message_id": step.envelope.message_id,
            "component": step.agency.component if step.agency else "",
            "status": str(step.status),
        }

    def entry(self, step: AuditStep) -> Entry:
        """The audit record of ``step`` (its personal values still in clear)."""
        message, decision = step.envelope.message, step.decision
        return build_entry(
            node=self.state,
            envelope=step.envelope,
            agency=step.agency,
            dataset=f"{self.state}/{message.key.dataset}",
            context=step.context or {},
            decision=decision.outcome.value if decision else "",
            policies=decision.policy_ids if decision else (),
            policy_digest=decision.digest if decision else self._digest(),
            status=str(step.status),
            released=step.found.count,
            subjects=step.found.subjects,
            search=f"{message.mke}:" + "|".join(f"{k}={v}" for k, v in message.fields.items()),
            operator=message.operator if step.operator is None else step.operator,
            latency_ms=(time.perf_counter() - step.started) * 1000,
            detail=decision.error if decision and decision.error else step.detail,
            time=step.at,
        )

    def owe(self, step: AuditStep, terms: Snapshot) -> list[int]:
        """The notices a release owes, if the agency is in one of the notice groups."""
        agency = step.agency
        if agency is None or not terms.notice_groups.intersection(agency.groups):
            return []
        message = step.envelope.message
        return self.notices.owe(
            message_id=step.envelope.message_id,
            ori=agency.ori,
            agency=agency.name,
            purpose=message.purpose,
            addressees=Addressee.of([*step.found.drivers, *step.found.vehicles]),
            released_on=step.at.date(),
            business_days=terms.notice_days,
            holidays=terms.holidays,
        )

    def unavailable(self, step: AuditStep, error: AuditUnavailable) -> StateAnswer:
        """What the requester gets when a step could not be logged: nothing."""
        return StateAnswer(
            state=self.state,
            status=Status.UNAVAILABLE,
            detail=f"the audit log could not be written ({error.message}); nothing is released",
            elapsed_ms=elapsed_ms(step.started),
        )


def elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
