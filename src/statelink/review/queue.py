"""A state's queue of held messages waiting for case-by-case review (``node.sqlite``).

A message the state's policy holds becomes an item: the message, the requester, the
basis it claimed (offense, case number, warrant) and the policies that held it. A
reviewer approves or denies it with a note; the node then carries the decision out
(evaluates again with ``review_approved = true``, searches, keeps the answer) and the
requester collects the answer by message id. Items nobody decides expire.

Life of an item::

    pending ──approve──▶ approved ──node──▶ ready ──collect──▶ collected
       │                     └─────node (policy now denies)──▶ refused
       ├──deny─────▶ denied ──node──▶ closed
       └──time─────▶ expired

The message (with its search values) and the kept answer are personal data: they are
kept only as long as the item needs them, then erased.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from statelink.errors import NotFound, UsageError
from statelink.store.table_store import TableStore

PENDING, APPROVED, DENIED, READY, COLLECTED, REFUSED, CLOSED, EXPIRED = (
    "pending",
    "approved",
    "denied",
    "ready",
    "collected",
    "refused",
    "closed",
    "expired",
)
ALL_STATES = (PENDING, APPROVED, DENIED, READY, COLLECTED, REFUSED, CLOSED, EXPIRED)
OPEN_STATES = (PENDING, APPROVED, DENIED, READY)
CLOSED_STATES = (COLLECTED, REFUSED, CLOSED, EXPIRED)

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
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Item:
    message_id: str
    status: str
    created_at: dt.datetime
    expires_at: dt.datetime
    ori: str
    agency: str
    mke: str
    purpose: str
    offense: str
    case_number: str
    warrant: str
    policies: list[dict[str, str]]
    message: dict[str, Any] | None
    reviewer: str
    note: str
    decided_at: dt.datetime | None
    answer: dict[str, Any] | None
    closed_at: dt.datetime | None

    def as_dict(self) -> dict[str, Any]:
        """For people and JSON: no search values, no records."""
        return {
            "message_id": self.message_id,
            "status": self.status,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "ori": self.ori,
            "agency": self.agency,
            "mke": self.mke,
            "purpose": self.purpose,
            "offense": self.offense,
            "case_number": self.case_number,
            "warrant": self.warrant,
            "policies": self.policies,
            "reviewer": self.reviewer,
            "note": self.note,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
        }


class ReviewQueue(TableStore):
    metadata = metadata
    migrations = "review"
    what = "review queue"

    # --- the node ----------------------------------------------------------------------

    def hold(
        self,
        *,
        message_id: str,
        message: dict[str, Any],
        agency: str,
        policies: list[dict[str, str]],
        expires_in: dt.timedelta,
    ) -> Item:
        """Queue a held message (once: a message is held at most once per state)."""
        created = now()
        warrant = message.get("warrant") or {}
        row = {
            "message_id": message_id,
            "status": PENDING,
            "created_at": created,
            "expires_at": created + expires_in,
            "ori": message["ori"],
            "agency": agency,
            "mke": message["mke"],
            "purpose": message["purpose"],
            "offense": message.get("offense", ""),
            "case_number": message.get("case_number", ""),
            "warrant": " ".join(
                filter(
                    None,
                    (
                        warrant.get("kind", ""),
                        warrant.get("id", ""),
                        f"({warrant['court']})" if warrant.get("court") else "",
                    ),
                )
            ),
            "policies": json.dumps(policies),
            "message": json.dumps(message),
        }
        with self._write() as conn:
            conn.execute(review_item.insert().values(**row))
        return self.get(message_id)

    def settle(
        self,
        message_id: str,
        status: str,
        *,
        answer: dict[str, Any] | None = None,
        policies: list[dict[str, str]] | None = None,
        expires_at: dt.datetime | None = None,
    ) -> None:
        """Record what the node did with an item; a closed item keeps no personal data
        (its message and kept answer are erased)."""
        values: dict[str, Any] = {"status": status}
        if status == READY:
            values["answer"] = json.dumps(answer)
        if policies is not None:
            values["policies"] = json.dumps(policies)
        if expires_at is not None:
            values["expires_at"] = expires_at
        if status in CLOSED_STATES:
            values.update(message=None, answer=None, closed_at=now())
        with self._write() as conn:
            conn.execute(
                review_item.update().where(review_item.c.message_id == message_id).values(**values)
            )

    def discard(self, message_id: str) -> None:
        """Forget an item whose hold could not be logged (it was never answered HELD)."""
        with self._write() as conn:
            conn.execute(review_item.delete().where(review_item.c.message_id == message_id))

    def to_carry_out(self) -> list[Item]:
        """Decided items the node has not acted on yet, and open ones past their time."""
        query = (
            sa.select(review_item)
            .where(
                sa.or_(
                    review_item.c.status.in_((APPROVED, DENIED)),
                    sa.and_(
                        review_item.c.status.in_((PENDING, READY)),
                        review_item.c.expires_at <= now(),
                    ),
                )
            )
            .order_by(review_item.c.created_at)
        )
        return [self._item(r) for r in self._read(query)]

    # --- reviewers -------------------------------------------------------------------------

    def decide(self, message_id: str, *, approve: bool, reviewer: str, note: str) -> Item:
        item = self.get(message_id)
        if item.status != PENDING:
            raise UsageError(
                f"{message_id} is {item.status}, not pending: it cannot be "
                f"{'approved' if approve else 'denied'} now"
            )
        if item.expires_at <= now():
            raise UsageError(f"{message_id} expired at {item.expires_at:%Y-%m-%d %H:%M} UTC")
        if not reviewer.strip() or not note.strip():
            raise UsageError("a decision needs the reviewer's name and a note")
        with self._write() as conn:
            conn.execute(
                review_item.update()
                .where(review_item.c.message_id == item.message_id)
                .values(
                    status=APPROVED if approve else DENIED,
                    reviewer=reviewer,
                    note=note,
                    decided_at=now(),
                )
            )
        return self.get(item.message_id)

    # --- reading ---------------------------------------------------------------------------

    def get(self, message_id: str) -> Item:
        rows = self._read(
            sa.select(review_item).where(review_item.c.message_id == message_id.strip().upper())
        )
        if not rows:
            raise NotFound(f"{self.state} has no held message {message_id}")
        return self._item(rows[0])

    def find(self, status: str | None = None, limit: int = 100) -> list[Item]:
        query = sa.select(review_item).order_by(review_item.c.created_at.desc()).limit(limit)
        if status == "open":
            query = query.where(review_item.c.status.in_(OPEN_STATES))
        elif status:
            if status not in ALL_STATES:
                raise UsageError(
                    f"review status: expected open, all or one of {', '.join(ALL_STATES)}; "
                    f"given {status!r}"
                )
            query = query.where(review_item.c.status == status)
        return [self._item(r) for r in self._read(query)]

    @staticmethod
    def _item(row: sa.Row[Any]) -> Item:
        m = row._mapping
        return Item(
            message_id=m["message_id"],
            status=m["status"],
            created_at=m["created_at"],
            expires_at=m["expires_at"],
            ori=m["ori"],
            agency=m["agency"],
            mke=m["mke"],
            purpose=m["purpose"],
            offense=m["offense"],
            case_number=m["case_number"],
            warrant=m["warrant"],
            policies=json.loads(m["policies"]),
            message=json.loads(m["message"]) if m["message"] else None,
            reviewer=m["reviewer"],
            note=m["note"],
            decided_at=m["decided_at"],
            answer=json.loads(m["answer"]) if m["answer"] else None,
            closed_at=m["closed_at"],
        )
