"""The demo year's casework: simulated reviewers, requesters and notice clerks, each
acting at a simulated moment of the year, so that the review queues, the notices and the
audit logs tell one story.

- **Reviewers** decide each held message within its review window, at a working hour
  after it was held: most approve or deny it with a short note, about one in ten is left
  to expire. The node carries a decision out at once (:meth:`ReviewDesk.carry_out`, at
  the decision's moment): it evaluates the message again under the policy and the
  certifications of that day, logs the step with the reviewer, and keeps the answer.
- **Requesters** collect an approved answer within a day (one in ten never does, and the
  kept answer expires); the collection is the release, logged, owing its notices.
- **Clerks** close each notice owed: most are sent on a business day by their due date,
  about one in ten is sent late, one in twenty is withheld with a reason. A notice whose
  day falls after the year is still due.

Nothing happens at or after the year's ``end``: a hold of the last days whose decision
would come later is still pending when the demo starts serving, and the dashboard's
people take it from there, at the real time.

Every choice is a crc32 of the seed and the case (the state, the requester, the moment),
so the same year gets the same casework.
"""

from __future__ import annotations

import datetime as dt
import heapq
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from enum import StrEnum

from statelink.embedded import EmbeddedNetwork
from statelink.notices.calendar import add_business_days
from statelink.notices.store import Notice
from statelink.review import ItemStatus

REVIEWERS = ("r.lee", "m.okafor", "j.alvarez", "s.novak", "t.begay", "k.nguyen")
"""The simulated reviewers' handles (fictional staff of each state)."""
APPROVALS = (
    "serious-crime investigation with a case number: the basis is sufficient",
    "case confirmed with the requesting office: approved for this record only",
    "offense on the state's serious-crime list and the case is open: approved",
)
DENIALS = (
    "no judicial warrant, and the case number could not be confirmed",
    "the request reads as civil immigration enforcement: denied",
    "the basis given does not name the offense under investigation",
)
WITHHOLDING = (
    "would impede an ongoing criminal investigation (the requester asked in writing)",
    "the person is a protected witness; the letter goes through the prosecutor",
)
FIRST_HOUR, LAST_HOUR = 8, 18
"""Reviewers work from 08:00 to 18:00 UTC."""


_DECIDED = {
    ItemStatus.READY: "approved",
    ItemStatus.CLOSED: "denied",
    ItemStatus.REFUSED: "approved, then refused by the policy in force",
}


class Act(StrEnum):
    DECIDE = "decide"  # a reviewer decides; the node carries it out
    COLLECT = "collect"  # the requester collects the kept answer
    EXPIRE = "expire"  # the node's round at an item's time: it expires


@dataclass(frozen=True)
class Case:
    """One held message in one state, and the hash its fate is drawn from."""

    state: str
    message_id: str
    ori: str
    fate: int


@dataclass(frozen=True)
class Event:
    act: Act
    case: Case


def fate(*parts: object) -> int:
    return zlib.crc32("|".join(str(p) for p in parts).encode())


def working_moment(after: dt.datetime, minutes: int) -> dt.datetime:
    """``minutes`` after ``after``, moved on to the next working hour if it falls outside
    them (reviewers decide from :data:`FIRST_HOUR` to :data:`LAST_HOUR`)."""
    moment = after + dt.timedelta(minutes=minutes)
    if moment.hour < FIRST_HOUR:
        return moment.replace(hour=FIRST_HOUR)
    if moment.hour >= LAST_HOUR:
        next_day = moment + dt.timedelta(days=1)
        return next_day.replace(hour=FIRST_HOUR)
    return moment


class Casework:
    """The casework of one simulated year on an embedded network, ending at ``end``."""

    def __init__(self, network: EmbeddedNetwork, *, seed: int, end: dt.datetime) -> None:
        self.network = network
        self.seed = seed
        self.end = end
        self.tally: Counter[str] = Counter()
        self._events: list[tuple[dt.datetime, int, Event]] = []
        self._scheduled = 0

    def held(self, state: str, message_id: str, ori: str, at: dt.datetime) -> None:
        """A message ``state`` held at ``at``: its reviewer decides it, or nobody does."""
        case = Case(state, message_id, ori, fate(self.seed, state, ori, at.isoformat()))
        window = dt.timedelta(hours=self._review_hours(state))
        self.tally["held"] += 1
        if case.fate % 10 == 0:  # left to expire
            self._schedule(at + window, Event(Act.EXPIRE, case))
            return
        spread = max(1, int(window.total_seconds() // 60) - 20 * 60)  # decided well in time
        decided = working_moment(at, 20 + (case.fate // 10) % spread)
        self._schedule(min(decided, at + window - dt.timedelta(minutes=1)), Event(Act.DECIDE, case))

    def due(self, moment: dt.datetime) -> bool:
        """Whether something is due before ``moment``."""
        return bool(self._events) and self._events[0][0] < min(moment, self.end)

    async def until(self, moment: dt.datetime) -> None:
        """Everything due before ``moment`` (and before the year's end), in time order."""
        stop = min(moment, self.end)
        while self._events and self._events[0][0] < stop:
            at, _, event = heapq.heappop(self._events)
            await self._act(event, at)

    async def _act(self, event: Event, at: dt.datetime) -> None:
        case = event.case
        node = self.network.nodes[case.state]
        if event.act is Act.DECIDE:
            approve = (case.fate // 7) % 5 < 3
            notes = APPROVALS if approve else DENIALS
            node.queue.decide(
                case.message_id,
                approve=approve,
                reviewer=REVIEWERS[(case.fate // 3) % len(REVIEWERS)],
                note=notes[(case.fate // 11) % len(notes)],
                at=at,
            )
            await node.reviews.carry_out(at)
            self._decided(case, at)
        elif event.act is Act.COLLECT:
            answer = await node.reviews.collect(case.message_id, case.ori, at)
            self.tally[f"collected {answer.status.value}"] += 1
        else:
            await node.reviews.carry_out(at)
            self.tally["expired"] += 1

    def _decided(self, case: Case, at: dt.datetime) -> None:
        """What follows a decision carried out: an approved answer is collected (or, one
        time in ten, left to expire)."""
        item = self.network.nodes[case.state].queue.get(case.message_id)
        self.tally[_DECIDED.get(item.status, str(item.status))] += 1
        if item.status is not ItemStatus.READY:
            return
        if (case.fate // 13) % 10 == 0:
            self._schedule(item.expires_at.replace(tzinfo=dt.UTC), Event(Act.EXPIRE, case))
            return
        later = dt.timedelta(minutes=10 + (case.fate // 17) % (24 * 60))
        self._schedule(at + later, Event(Act.COLLECT, case))

    def _schedule(self, at: dt.datetime, event: Event) -> None:
        self._scheduled += 1
        heapq.heappush(self._events, (at, self._scheduled, event))

    def _review_hours(self, state: str) -> int:
        return self.network.nodes[state].policy.snapshot.review_hours

    # --- the notice clerks ---------------------------------------------------------------

    def close_notices(self) -> None:
        """Close every notice owed in the year, as each state's clerks would have: sent
        by its due date, sent late, or withheld; one whose day is after the year stays due."""
        for state in self.network.nodes:
            db = self.network.database(state)
            due = db.notices.find("due")
            if not due:
                continue
            holidays = [day for day, _ in db.settings.holidays()]
            retention = db.settings.number("notice_retention_days")
            batches: defaultdict[tuple[dt.date, str], list[int]] = defaultdict(list)
            for notice in due:
                day, reason = self._clerk(state, notice, holidays)
                if day >= self.end.date():
                    self.tally["notice still due"] += 1
                    continue
                batches[day, reason].append(notice.id)
                late = not reason and day > notice.due_on
                self.tally["notice " + ("withheld" if reason else "late" if late else "sent")] += 1
            for (day, reason), ids in sorted(batches.items()):
                if reason:
                    db.notices.withhold(ids, reason=reason, on=day, retention_days=retention)
                else:
                    db.notices.mark_sent(ids, on=day, retention_days=retention)

    def _clerk(self, state: str, notice: Notice, holidays: list[dt.date]) -> tuple[dt.date, str]:
        """The day a notice is closed, and the reason if it is withheld ("" if sent)."""
        n = notice
        h = fate(self.seed, state, n.released_on, n.ori, n.record_kind, n.name)
        if h % 20 == 0:
            return add_business_days(n.released_on, 1, holidays), WITHHOLDING[h // 20 % 2]
        if h % 10 == 1:
            return add_business_days(n.due_on, 1 + (h // 20) % 5, holidays), ""
        return sent_by(n, h // 20, holidays), ""


def sent_by(notice: Notice, pick: int, holidays: list[dt.date]) -> dt.date:
    """A business day after the release, by the notice's due date (``pick`` chooses)."""
    days = [add_business_days(notice.released_on, 1, holidays)]
    while (after := add_business_days(days[-1], 1, holidays)) <= notice.due_on:
        days.append(after)
    return days[pick % len(days)]
