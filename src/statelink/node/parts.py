"""What a state's node works with, shared by its two peers: the node (new messages) and
its review desk (held messages). Each part is named by what the node needs of it, so a
test can hand in a fake. The clock says what moment a step is decided at (see
:mod:`statelink.clock`): by default the node's own."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from statelink.audit.record import AuditRecord
from statelink.clock import Clock
from statelink.directory import Agency, Directory
from statelink.messages.model import Message
from statelink.messages.response import PolicyReason
from statelink.node.ledger import Ledger
from statelink.policy.engine import Decision, Request
from statelink.policy.settings import Snapshot
from statelink.records.store import Found
from statelink.review import ReviewQueue


class RecordSearch(Protocol):
    def find(self, mke: str, fields: Mapping[str, str]) -> Found: ...


class Agencies(Protocol):
    def current(self) -> Directory: ...


class Decider(Protocol):
    @property
    def digest(self) -> str: ...

    @property
    def snapshot(self) -> Snapshot: ...

    def request(
        self,
        message: Message,
        agency: Agency,
        *,
        review_approved: bool = False,
        today: dt.date | None = None,
    ) -> Request: ...

    def decide(self, request: Request, *, cached: bool = True) -> Decision: ...

    def reason(self, policy_id: str) -> PolicyReason: ...


class AnswerLog(Protocol):
    """Where a node finds the first answer it logged for a message id (redelivery)."""

    def first_answer(self, message_id: str) -> tuple[AuditRecord, str] | None:
        """The record and its leaf hash (hex), or None if the message was never answered."""
        ...


class Closable(Protocol):
    def close(self) -> None: ...


@dataclass(frozen=True)
class NodeParts:
    state: str
    records: RecordSearch
    directories: Agencies
    policy: Decider
    queue: ReviewQueue
    ledger: Ledger
    clock: Clock = field(default_factory=Clock)
    answers: AnswerLog | None = None  # None: a resubmitted message is decided again

    def agency(self, ori: str) -> Agency | None:
        return self.directories.current().get(ori)
