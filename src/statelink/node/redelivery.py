"""Redelivery: a message the node answered before is answered again from its audit log.

A hub replica that dies after a node answered, or a member that loses the hub's reply,
leads the member to send the same message again with the same control field; the hub
gives it the same message id and marks it ``resubmitted`` (see
:mod:`statelink.hub.resubmissions`). The node must not decide or log it a second time: its
audit log already holds the one record of that message. So the node finds that record
(the first answer logged for the message id, never a later review step) and answers as
it did then:

- DENIED, REJECTED and HELD come back with the logged status, detail and deciding
  policy ids;
- HIT and NO_HIT search the records again (the logged record says how many were
  released); if the search no longer finds as many, nothing is released and the answer
  is UNAVAILABLE, asking for a new message (a release must match its audit record);
- a message whose first answer was UNAVAILABLE released nothing, so it is decided afresh
  (and logged: that is its first release).

Every answer carries the receipt of the record it repeats.
"""

from __future__ import annotations

from collections.abc import Callable

from statelink.audit.keys import ORIGIN
from statelink.audit.log import AuditLog, Filters
from statelink.audit.record import AuditRecord
from statelink.errors import StoreError
from statelink.messages.envelope import Envelope
from statelink.messages.response import PolicyReason, Receipt, StateAnswer, Status
from statelink.node.ledger import elapsed_ms
from statelink.node.parts import AnswerLog, RecordSearch
from statelink.store import Where

ANSWERS = frozenset(s.value for s in Status)
"""The statuses of an answer's record (review steps are logged with other statuses)."""


class AuditAnswers:
    """The state's audit log, opened for reading on first use (by then the audit service,
    its one writer, has created it)."""

    def __init__(self, state: str, where: Where) -> None:
        self.state = state
        self.where = where
        self._log: AuditLog | None = None

    def first_answer(self, message_id: str) -> tuple[AuditRecord, str] | None:
        if self._log is None:
            self._log = AuditLog.open(self.state, self.where)
        found = self._log.find(Filters(message_id=message_id))
        for record in found:
            if record.status in ANSWERS:
                return record, self._log.leaf_hash(record.seq).hex()
        return None

    def close(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


def replay(
    state: str,
    envelope: Envelope,
    answers: AnswerLog,
    parts: tuple[RecordSearch, Callable[[str], PolicyReason]],
    started: float,
) -> StateAnswer | None:
    """The answer the node gave ``envelope``'s message before, or None when it has to be
    decided now (never answered, or answered UNAVAILABLE: nothing was released)."""
    try:
        first = answers.first_answer(envelope.message_id)
    except StoreError as e:
        return _unavailable(state, started, f"its audit log could not be read ({e.message})")
    if first is None:
        return None
    records, reason = parts
    record, leaf_hash = first
    message = envelope.message
    if (record.requester.ori, record.control, record.mke) != (
        message.ori,
        message.control,
        message.mke,
    ):
        return _unavailable(state, started, "the message id names another message here")
    status = Status(record.status)
    if status is Status.UNAVAILABLE:
        return None
    receipt = Receipt(log=ORIGIN.format(state=state), seq=record.seq, leaf_hash=leaf_hash)
    again = StateAnswer(
        state=state,
        status=status,
        detail=record.detail,
        elapsed_ms=elapsed_ms(started),
        receipt=receipt,
    )
    if status in (Status.DENIED, Status.HELD):
        reasons = [reason(p) for p in record.policies]
        return again.model_copy(update={"reasons": reasons})
    if status not in (Status.HIT, Status.NO_HIT):
        return again
    try:
        found = records.find(message.mke, message.fields)
    except Exception:
        return _unavailable(state, started, "its records could not be searched again")
    if found.count != record.released:
        return _unavailable(
            state,
            started,
            f"its records changed since it answered this message ({record.released} "
            "released then); send it again with a new control field",
        )
    return again.model_copy(update={"drivers": found.drivers, "vehicles": found.vehicles})


def _unavailable(state: str, started: float, why: str) -> StateAnswer:
    return StateAnswer(
        state=state,
        status=Status.UNAVAILABLE,
        detail=f"{state} answered this message before, but {why}; nothing is released",
        elapsed_ms=elapsed_ms(started),
    )
