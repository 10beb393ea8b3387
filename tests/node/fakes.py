"""In-memory fakes of a node's collaborators, for fast node and review tests without a
nation: an audit sink that keeps entries (and can be made to fail), records that
return what they are given, and a decider that answers from a table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from statelink.audit.record import Entry
from statelink.clock import Clock
from statelink.directory import Agency, Directory
from statelink.directory.source import DirectorySource
from statelink.errors import AuditUnavailable, StoreError
from statelink.messages.model import Message
from statelink.messages.response import (
    Address,
    DriverRecord,
    PolicyReason,
    Receipt,
)
from statelink.node import StateNode
from statelink.node.ledger import Ledger
from statelink.node.parts import NodeParts
from statelink.node_database import NodeDatabase
from statelink.policy.engine import Decision, Outcome, Request, derive_context
from statelink.policy.settings import Snapshot
from statelink.records.store import Found

POLICE = Agency("NY0303000", "NYPD", "NY", "PD", groups=("local-law-enforcement",))
HSI = Agency("WAHSI0100", "HSI Seattle", "WA", "FE", "DHS", "HSI", ("federal-immigration",))
DIGEST = "d" * 64
TODAY = dt.date(2026, 6, 1)
DRIVER = DriverRecord(
    state="WA",
    oln="WDL000000001",
    name="DOE, JANE",
    dob="19800401",
    sex="F",
    address=Address(street="1 MAIN ST", city="OLYMPIA", state="WA", zip="98501"),
    height_in=66,
    eyes="BRO",
    license_class="C",
    status="VALID",
    restrictions="",
    issued="2020-01-01",
    expires="2028-01-01",
)


class FakeAudit:
    """Keeps every entry; ``failing`` makes appends fail as the real service would,
    ``broken`` as a programming error would."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.failing = False
        self.broken = False

    async def append(self, state: str, entry: Entry) -> Receipt:
        if self.broken:
            raise TypeError("a bug in the audit path")
        if self.failing:
            raise AuditUnavailable("disk full")
        self.entries.append(entry)
        return Receipt(log=f"{state}/audit", seq=len(self.entries) - 1, leaf_hash="00")

    @property
    def statuses(self) -> list[str]:
        return [e.record.status for e in self.entries]


@dataclass
class FakeRecords:
    found: Found = field(default_factory=lambda: Found([DRIVER], [], ["driver:WDL000000001"]))
    failing: bool = False

    def find(self, mke: str, fields: Mapping[str, str]) -> Found:
        if self.failing:
            raise StoreError("WA records could not be read: OperationalError")
        return self.found


@dataclass
class FakeDecider:
    """Decides by the requester's ORI (permit by default); approval turns hold into permit."""

    outcomes: dict[str, Outcome] = field(default_factory=dict)
    snapshot: Snapshot = field(
        default_factory=lambda: Snapshot((), notice_groups=frozenset({"federal-immigration"}))
    )
    digest: str = DIGEST
    days: list[dt.date | None] = field(default_factory=list)  # the day of each request

    def request(
        self,
        message: Message,
        agency: Agency,
        *,
        review_approved: bool = False,
        today: dt.date | None = None,
    ) -> Request:
        self.days.append(today)
        context = derive_context(
            message,
            agency,
            "WA",
            self.snapshot,
            today=today or TODAY,
            review_approved=review_approved,
        )
        return Request(agency.ori, message.mke, f"WA/{message.key.dataset}", context)

    def decide(self, request: Request, *, cached: bool = True) -> Decision:
        outcome = self.outcomes.get(request.ori, Outcome.PERMIT)
        if outcome is Outcome.HOLD and request.context["review_approved"]:
            outcome = Outcome.PERMIT
        return Decision(outcome, (self.reason(f"rule-{outcome.value}"),), self.digest)

    def reason(self, policy_id: str) -> PolicyReason:
        return PolicyReason(id=policy_id, reason="because", law="RCW 0.0")


@dataclass
class Rig:
    """A WA node over fakes, and its node database in a temporary folder."""

    node: StateNode
    audit: FakeAudit
    records: FakeRecords
    policy: FakeDecider
    db: NodeDatabase


def rig(
    folder: Path, agencies: tuple[Agency, ...] = (POLICE, HSI), clock: Clock | None = None
) -> Rig:
    """The rig; its node keeps its own (wall) clock unless given another."""
    db = NodeDatabase.open("WA", folder / "node.sqlite")
    audit, records, policy = FakeAudit(), FakeRecords(), FakeDecider()
    ledger = Ledger("WA", audit, db.notices, lambda: policy.digest)
    directories = DirectorySource(Directory(agencies))
    parts = NodeParts("WA", records, directories, policy, db.queue, ledger, clock or Clock())
    return Rig(StateNode(parts, owned=(db,)), audit, records, policy, db)
