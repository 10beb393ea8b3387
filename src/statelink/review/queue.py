"""A state's queue of held messages waiting for case-by-case review (``node.sqlite``).

A message the state's policy holds becomes an item: the message, the requester, the
basis it claimed (offense, case number, warrant) and the policies that held it. A
reviewer approves or denies it with a note; the node then carries the decision out
(evaluates again with ``review_approved = true``, searches, keeps the answer) and the
requester collects the answer by message id. Items nobody decides expire.

Life of an item (:class:`ItemStatus`)::

    pending ──approve──▶ approved ──node──▶ ready ──collect──▶ collected
       │                     └─────node (policy now denies)──▶ refused
       ├──deny─────▶ denied ──node──▶ closed
       └──time─────▶ expired

Every move is one conditional UPDATE (:meth:`ReviewQueue.transition`): it happens only
if the item is still where the mover saw it, so two processes can never both move it.
While the node carries out a step (logs it, then records it) the item is ``busy``: the
node claims it first, so a step is logged once and a kept answer is released once, even
with several processes on one queue. A step that cannot be logged puts the item back
where it was; an item left busy by a process that died expires ten minutes after its
time (``STALE``), claimed by one process only.

The message (with its search values) and the kept answer are personal data: they are
kept only as long as the item needs them, then erased.

Every move happens at a moment: ``at`` when the caller gives one (the node holds a
message at the moment it decided it, see :mod:`statelink.clock`; the demo year's
simulated reviewers act at simulated times), the wall clock otherwise (a person on the
dashboard or the command line decides now). A decision cannot precede its hold.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict

from statelink.clock import naive, wall_now
from statelink.errors import NotFound, UsageError
from statelink.messages.model import Message
from statelink.messages.response import DriverRecord, PolicyReason, VehicleRecord
from statelink.store.table_store import TableStore


class ItemStatus(StrEnum):
    """Where a held message is in its review: the queue's one status vocabulary."""

    PENDING = "pending"  # waiting for a reviewer
    APPROVED = "approved"  # a reviewer approved; the node has not acted yet
    DENIED = "denied"  # a reviewer denied; the node has not closed it yet
    BUSY = "busy"  # the node is logging a step on it right now
    READY = "ready"  # approved and searched: the answer waits for the requester
    COLLECTED = "collected"  # released to the requester, once
    REFUSED = "refused"  # approved, but the policy in force then refused it
    CLOSED = "closed"  # denied on review, and closed
    EXPIRED = "expired"  # nobody decided, or nobody collected, in time

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES


OPEN_STATUSES = frozenset(
    {ItemStatus.PENDING, ItemStatus.APPROVED, ItemStatus.DENIED, ItemStatus.BUSY, ItemStatus.READY}
)
CLOSED_STATUSES = frozenset(set(ItemStatus) - OPEN_STATUSES)
EXPIRING = (ItemStatus.PENDING, ItemStatus.READY)
STALE = dt.timedelta(minutes=10)
"""How long past its time an item may stay ``busy`` before it counts as left by a process
that died (a step takes milliseconds)."""
ALL_STATES = tuple(s.value for s in ItemStatus)

metadata = sa.MetaData()
review_item = sa.Table(
    "review_item",
    metadata,
    sa.Column("message_id", sa.String(40), primary_key=True),
    sa.Column("status", sa.String(10), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    sa.Column("ori", sa.String(9), nullable=False),
    sa.Column("agency", sa.String(120), nullable=False),
    sa.Column("mke", sa.String(3), nullable=False),
    sa.Column("purpose", sa.String(1), nullable=False),
    sa.Column("offense", sa.String(4), nullable=False),
    sa.Column("case_number", sa.String(40), nullable=False),
    sa.Column("warrant", sa.String(200), nullable=False),  # "kind id (court)" or ""
    sa.Column("policies", sa.Text, nullable=False),  # JSON: the deciding policies
    sa.Column("message", sa.Text, nullable=True),  # JSON, erased once closed
    sa.Column("reviewer", sa.String(120), nullable=False, server_default=""),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("decided_at", sa.DateTime, nullable=True),
    sa.Column("answer", sa.Text, nullable=True),  # JSON, kept until collected
    sa.Column("closed_at", sa.DateTime, nullable=True),
)


def now() -> dt.datetime:
    """The wall clock as the queue keeps times: naive, in UTC."""
    return naive(wall_now())


def _moment(at: dt.datetime | None) -> dt.datetime:
    """``at`` as the queue keeps times, or now."""
    return naive(at) if at is not None else now()


class KeptAnswer(BaseModel):
    """What an approved item keeps for its requester until collection: the records found
    and the policies that permitted the release (for the release's audit record)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    drivers: tuple[DriverRecord, ...] = ()
    vehicles: tuple[VehicleRecord, ...] = ()
    subjects: tuple[str, ...] = ()
    policies: tuple[PolicyReason, ...] = ()


@dataclass(frozen=True)
class ReviewItem:
    message_id: str
    status: ItemStatus
    created_at: dt.datetime
    expires_at: dt.datetime
    ori: str
    agency: str
    mke: str
    purpose: str
    offense: str
    case_number: str
    warrant: str
    policies: tuple[PolicyReason, ...]
    message: Message | None  # erased once the item closes
    reviewer: str
    note: str
    decided_at: dt.datetime | None
    answer: KeptAnswer | None  # erased once collected
    closed_at: dt.datetime | None

    @property
    def searched_by(self) -> list[str]:
        """The names of the fields searched (never their values)."""
        return sorted(self.message.fields) if self.message else []

    def to_json(self) -> dict[str, Any]:  # JSON boundary: `review --json` and the API
        """For people and JSON: no search values, no records."""
        return {
            "message_id": self.message_id,
            "status": self.status.value,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "ori": self.ori,
            "agency": self.agency,
            "mke": self.mke,
            "purpose": self.purpose,
            "offense": self.offense,
            "case_number": self.case_number,
            "warrant": self.warrant,
            "policies": [p.model_dump() for p in self.policies],
            "reviewer": self.reviewer,
            "note": self.note,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
        }


def _warrant(message: Message) -> str:
    w = message.warrant
    if w is None:
        return ""
    return " ".join(filter(None, (w.kind, w.id, f"({w.court})" if w.court else "")))


def _policies(policies: Sequence[PolicyReason]) -> str:
    return json.dumps([p.model_dump() for p in policies])


class ReviewQueue(TableStore):
    metadata = metadata
    migrations = "review"
    what = "review queue"

    # --- the node ----------------------------------------------------------------------

    def hold(
        self,
        *,
        message_id: str,
        message: Message,
        agency: str,
        policies: Sequence[PolicyReason],
        expires_in: dt.timedelta,
        at: dt.datetime | None = None,
    ) -> ReviewItem:
        """Queue a held message (once: a message is held at most once per state), held
        at ``at`` (now if not given)."""
        created = _moment(at)
        row = {
            "message_id": message_id,
            "status": ItemStatus.PENDING.value,
            "created_at": created,
            "expires_at": created + expires_in,
            "ori": message.ori,
            "agency": agency,
            "mke": message.mke,
            "purpose": message.purpose,
            "offense": message.offense,
            "case_number": message.case_number,
            "warrant": _warrant(message),
            "policies": _policies(policies),
            "message": json.dumps(message.to_json()),
        }
        with self._write() as conn:
            conn.execute(review_item.insert().values(**row))
        return self.get(message_id)

    def transition(
        self,
        message_id: str,
        from_: ItemStatus,
        to: ItemStatus,
        *,
        answer: KeptAnswer | None = None,
        policies: Sequence[PolicyReason] | None = None,
        expires_at: dt.datetime | None = None,
        seen_expiring: dt.datetime | None = None,
        at: dt.datetime | None = None,
    ) -> bool:
        """Move an item from ``from_`` to ``to`` if it is still ``from_`` (and, given
        ``seen_expiring``, still expires then: how a ``busy`` item left by a dead process
        is claimed once) in one conditional UPDATE; False if it is not. A closed item
        keeps no personal data, and is closed at ``at`` (now if not given)."""
        values: dict[str, object] = {"status": to.value}
        if answer is not None:
            values["answer"] = answer.model_dump_json()
        if policies is not None:
            values["policies"] = _policies(policies)
        if expires_at is not None:
            values["expires_at"] = naive(expires_at)
        if to in CLOSED_STATUSES:
            values.update(message=None, answer=None, closed_at=_moment(at))
        query = (
            review_item.update()
            .where(review_item.c.message_id == message_id)
            .where(review_item.c.status == from_.value)
            .values(**values)
        )
        if seen_expiring is not None:
            query = query.where(review_item.c.expires_at == naive(seen_expiring))
        with self._write() as conn:
            return conn.execute(query).rowcount == 1

    def discard(self, message_id: str) -> None:
        """Forget an item whose hold could not be logged (it was never answered HELD)."""
        query = review_item.delete().where(
            review_item.c.message_id == message_id,
            review_item.c.status == ItemStatus.PENDING.value,
        )
        with self._write() as conn:
            conn.execute(query)

    def to_carry_out(self, at: dt.datetime | None = None) -> list[ReviewItem]:
        """Decided items the node has not acted on yet, and open ones past their time at
        ``at`` (now if not given)."""
        moment = _moment(at)
        decided = review_item.c.status.in_((ItemStatus.APPROVED.value, ItemStatus.DENIED.value))
        late = sa.and_(
            review_item.c.status.in_([s.value for s in EXPIRING]),
            review_item.c.expires_at <= moment,
        )
        left = sa.and_(
            review_item.c.status == ItemStatus.BUSY.value,
            review_item.c.expires_at <= moment - STALE,
        )
        query = sa.select(review_item).where(sa.or_(decided, late, left))
        return [self._item(r) for r in self._read(query.order_by(review_item.c.created_at))]

    # --- reviewers -------------------------------------------------------------------------

    def decide(
        self,
        message_id: str,
        *,
        approve: bool,
        reviewer: str,
        note: str,
        at: dt.datetime | None = None,
    ) -> ReviewItem:
        """Record a reviewer's decision, taken at ``at`` (now if not given)."""
        item = self.get(message_id)
        moment = _moment(at)
        verb = "approved" if approve else "denied"
        if item.status is not ItemStatus.PENDING:
            raise UsageError(f"{message_id} is {item.status}, not pending: it cannot be {verb} now")
        if item.expires_at <= moment:
            raise UsageError(f"{message_id} expired at {item.expires_at:%Y-%m-%d %H:%M} UTC")
        if moment < item.created_at:
            raise UsageError(
                f"{message_id} was held at {item.created_at:%Y-%m-%d %H:%M} UTC: "
                "it cannot be decided before"
            )
        if not reviewer.strip() or not note.strip():
            raise UsageError("a decision needs the reviewer's name and a note")
        to = ItemStatus.APPROVED if approve else ItemStatus.DENIED
        query = (
            review_item.update()
            .where(review_item.c.message_id == item.message_id)
            .where(review_item.c.status == ItemStatus.PENDING.value)
            .values(status=to.value, reviewer=reviewer, note=note, decided_at=moment)
        )
        with self._write() as conn:
            moved = conn.execute(query).rowcount == 1
        if not moved:
            raise UsageError(f"{message_id} changed meanwhile: it cannot be {verb} now")
        return self.get(item.message_id)

    # --- reading ---------------------------------------------------------------------------

    def get(self, message_id: str) -> ReviewItem:
        rows = self._read(
            sa.select(review_item).where(review_item.c.message_id == message_id.strip().upper())
        )
        if not rows:
            raise NotFound(f"{self.state} has no held message {message_id}")
        return self._item(rows[0])

    def find(self, status: str | None = None, limit: int = 100) -> list[ReviewItem]:
        query = sa.select(review_item).order_by(review_item.c.created_at.desc()).limit(limit)
        if status == "all":
            status = None
        if status == "open":
            query = query.where(review_item.c.status.in_([s.value for s in OPEN_STATUSES]))
        elif status:
            if status not in ALL_STATES:
                raise UsageError(
                    f"review status: expected open, all or one of {', '.join(ALL_STATES)}; "
                    f"given {status!r}"
                )
            query = query.where(review_item.c.status == status)
        return [self._item(r) for r in self._read(query)]

    @staticmethod
    def _item(row: sa.Row[Any]) -> ReviewItem:
        m = row._mapping
        return ReviewItem(
            message_id=m["message_id"],
            status=ItemStatus(m["status"]),
            created_at=m["created_at"],
            expires_at=m["expires_at"],
            ori=m["ori"],
            agency=m["agency"],
            mke=m["mke"],
            purpose=m["purpose"],
            offense=m["offense"],
            case_number=m["case_number"],
            warrant=m["warrant"],
            policies=tuple(PolicyReason(**p) for p in json.loads(m["policies"])),
            message=Message.parse(m["message"]) if m["message"] else None,
            reviewer=m["reviewer"],
            note=m["note"],
            decided_at=m["decided_at"],
            answer=KeptAnswer.model_validate_json(m["answer"]) if m["answer"] else None,
            closed_at=m["closed_at"],
        )
