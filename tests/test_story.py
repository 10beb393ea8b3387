"""The demo year tells one story: replayed on a copy of the session's nation, every audit
record, review item and notice agrees with the others and with the certifications as
they stood at its moment.

The year is the demo's (:func:`statelink.simulation.plan`, at a small scale), with a few
more messages merged in by time so that every case is met whatever the draw: an HSI
office's serious-crime requests that WA holds for review, and, from one agency of each
certification history (Houston's among them), a request to WA a week.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import heapq
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from statelink.audit.log import AuditLog, Filters
from statelink.audit.record import AuditRecord
from statelink.clock import moment_of, naive
from statelink.directory import Directory
from statelink.embedded import EmbeddedNetwork
from statelink.messages import decode
from statelink.messages.model import Message
from statelink.nation import Layout, open_node_database, read_manifest
from statelink.notices.calendar import add_business_days
from statelink.notices.store import notice
from statelink.policy.settings import Certification
from statelink.provision import HOUSTON, History, history_of, terms
from statelink.review import ItemStatus, ReviewItem
from statelink.review.queue import review_item
from statelink.simulation import YearResult, plan, send_year
from statelink.states import CODES
from statelink.store import engine_for
from tests.conftest import copy_nation, records_of

SCALE = 0.00001  # about 2,900 messages, besides the 616 merged in
HSI = "WAHSI0100"
HELD = 100  # HSI's held requests (and as many with a warrant), spread over the year
CERTIFICATION_POLICIES = {"certification-required", "yearly-certification"}
RELEASES = ("HIT", "COLLECTED")


@dataclass(frozen=True)
class Year:
    layout: Layout
    first: dt.datetime  # the year's first moment
    end: dt.datetime  # the moment after its last
    result: YearResult
    agencies: dict[History, str]  # one requester of each certification history


def merged(
    network: EmbeddedNetwork, until: dt.date, seed: int, agencies: list[str]
) -> Iterator[tuple[dt.datetime, Message]]:
    """The demo's plan, with HSI's requests to WA (serious crime without a warrant, held
    for review, and with a judicial warrant, released at once, each owing its notices)
    and one request a week to WA from each of ``agencies``, all in time order."""
    first = dt.datetime.combine(until - dt.timedelta(days=365), dt.time(), dt.UTC)
    olns = [d.oln for d in records_of(network.nodes["WA"]).list_drivers(HELD)]
    added: list[tuple[dt.datetime, Message]] = []
    for n in range(HELD):
        at = first + dt.timedelta(hours=87 * n + 9, minutes=n)
        held = f"DQ.{HSI}.WA.OLN/{olns[n]}.PUR/C.OFF/6499.CAS/26-{n:04d}."
        added.append((at, decode(held)))
        warrant = "WKD/judicial.WID/2:26-mj-{n:05d}.WCT/W\\.D\\. Wash\\.."
        added.append((at + dt.timedelta(hours=40), decode(f"{held}{warrant.format(n=n)}")))
    for k, ori in enumerate(agencies):
        for week in range(52):
            at = first + dt.timedelta(days=7 * week + 3, hours=11, minutes=k)
            added.append((at, decode(f"DQ.{ori}.WA.OLN/{olns[week]}.PUR/C.")))
    added.sort(key=lambda sent: sent[0])
    return heapq.merge(plan(network, SCALE, seed, until), added, key=lambda sent: sent[0])


def one_of_each(directory: Directory) -> dict[History, str]:
    """An out-of-state local agency of each certification history."""
    found: dict[History, str] = {}
    for agency in directory:
        if agency.state != "WA" and "federal" not in agency.groups:
            found.setdefault(history_of(agency.ori), agency.ori)
    return found


def without_casework(layout: Layout) -> Layout:
    """The nation without review items or notices: a copy of the session's leaves out the
    audit logs, and with them the records of what other tests held or released."""
    for state in CODES:
        engine = engine_for(layout.node_db(state))
        try:
            with engine.begin() as conn:
                conn.execute(review_item.delete())
                conn.execute(notice.delete())
        finally:
            engine.dispose()
    return layout


@pytest.fixture(scope="module")
def year(layout: Layout, tmp_path_factory: pytest.TempPathFactory) -> Year:
    own = without_casework(copy_nation(layout, tmp_path_factory.mktemp("story")))
    manifest = read_manifest(own)
    assert manifest is not None
    # the certification histories end on the build's first day: the demo's year does too
    until = (manifest.built_at - dt.timedelta(seconds=manifest.build_seconds)).date()
    first = dt.datetime.combine(until - dt.timedelta(days=365), dt.time(), dt.UTC)

    async def send() -> tuple[YearResult, dict[History, str]]:
        async with EmbeddedNetwork.open(own) as network:
            agencies = one_of_each(network.directory)
            planned = merged(network, until, manifest.seed, list(agencies.values()))
            result = await send_year(network, planned, seed=manifest.seed, until=until, total=0)
        return result, agencies

    result, agencies = asyncio.run(send())
    end = dt.datetime.combine(until, dt.time(), dt.UTC)
    return Year(own, first, end, result, agencies)


# --- the checks ------------------------------------------------------------------------


@dataclass
class Story:
    """What was checked, and every contradiction found."""

    counts: Counter[str] = field(default_factory=Counter)
    contradictions: list[str] = field(default_factory=list)

    def check(self, what: str, holds: bool, why: str) -> None:
        self.counts[what] += 1
        if not holds:
            self.contradictions.append(f"{what}: {why}")


def covered(certifications: list[Certification], day: dt.date) -> bool:
    """Whether a certification covered ``day``: from its first to its last day, and not
    from the day it was revoked on (written here again, not taken from the settings)."""
    return any(
        c.valid_from <= day <= c.valid_to and (c.revoked_at is None or day < c.revoked_at.date())
        for c in certifications
    )


def needs_certification(record: AuditRecord) -> bool:
    requester = record.requester
    return "federal" in requester.groups or requester.ori[:2] != record.owner


def check_state(story: Story, year: Year, state: str) -> None:
    db = open_node_database(year.layout, state)
    log = AuditLog.open(state, year.layout.audit_store(state))
    try:
        records = list(log.find(Filters()))
        certifications: defaultdict[str, list[Certification]] = defaultdict(list)
        for c in db.settings.certifications():
            certifications[c.ori].append(c)
        required = bool(certifications)
        by_message: defaultdict[str, list[AuditRecord]] = defaultdict(list)
        for record in records:
            by_message[record.message_id].append(record)
            check_record(story, year, record, certifications, required)
        items = {i.message_id: i for i in db.queue.find("all", limit=100_000)}
        hours = dt.timedelta(hours=db.settings.number("review_hours"))
        for record in records:
            if record.status == "HELD":
                item = items.pop(record.message_id, None)
                check_hold(story, year, record, item, by_message[record.message_id], hours)
        story.check("review item held", not items, f"{state} items without a HELD record")
        notice_days = db.settings.number("notice_days")
        holidays = [day for day, _ in db.settings.holidays()]
        for notice in db.notices.find():
            released = [r for r in by_message[notice.message_id] if r.status in RELEASES]
            story.check("notice", len(released) == 1, f"{notice.id}: {len(released)} releases")
            if len(released) != 1:
                continue
            day = moment_of(released[0].time).date()
            due = add_business_days(day, notice_days, holidays)
            story.check("notice released", notice.released_on == day, f"{notice} vs {day}")
            story.check("notice due", notice.due_on == due, f"{notice.id}: due {due}")
            closed = notice.closed_on is None or day <= notice.closed_on < year.end.date()
            story.check("notice closed", closed, f"{notice.id} closed {notice.closed_on}")
    finally:
        log.close()
        db.close()


def check_record(
    story: Story,
    year: Year,
    record: AuditRecord,
    certifications: dict[str, list[Certification]],
    required: bool,
) -> None:
    at = moment_of(record.time)
    seq = f"{record.owner} #{record.seq} {record.status} at {record.time}"
    story.check("record in the year", year.first <= at < year.end, seq)
    truth = covered(certifications.get(record.requester.ori, []), at.date())
    if "certified" in record.context:
        said = record.context["certified"]
        story.check("certified as on its day", said == truth, f"{seq}: {said}, truly {truth}")
    if record.decision == "deny" and CERTIFICATION_POLICIES.intersection(record.policies):
        story.check("refused for certification", not truth, f"{seq}: it was certified")
    if record.decision == "permit" and required and needs_certification(record):
        story.check("permitted with certification", truth, f"{seq}: none covered the day")


def check_hold(
    story: Story,
    year: Year,
    held: AuditRecord,
    item: ReviewItem | None,
    steps: list[AuditRecord],
    hours: dt.timedelta,
) -> None:
    at = naive(moment_of(held.time))
    seq = f"{held.owner} #{held.seq} held at {held.time}"
    story.check("hold queued", item is not None, f"{seq}: no review item")
    if item is None:
        return
    story.check("held at its moment", item.created_at == at, f"{seq}: item {item.created_at}")
    kept = (ItemStatus.READY, ItemStatus.COLLECTED, ItemStatus.EXPIRED)  # once approved
    approved = item.status in kept and item.decided_at is not None
    if item.decided_at is not None:
        decided = at < item.decided_at < at + hours
        story.check("decided in its window", decided, f"{seq}: decided {item.decided_at}")
    ends = (item.decided_at or at) + hours if approved else at + hours  # a kept answer's
    story.check("held for its hours", item.expires_at == ends, f"{seq}: {item.expires_at}")
    if item.status is ItemStatus.PENDING:
        late = item.expires_at >= naive(year.end)
        story.check("pending only at the year's end", late, f"{seq}: expires {item.expires_at}")
    times = {r.status: naive(moment_of(r.time)) for r in steps if r.seq != held.seq}
    story.check("steps after the hold", all(t > at for t in times.values()), f"{seq}: {times}")
    closing = {
        ItemStatus.CLOSED: "REVIEW_DENIED",
        ItemStatus.EXPIRED: "EXPIRED",
        ItemStatus.COLLECTED: "COLLECTED",
        ItemStatus.REFUSED: "REFUSED",
    }.get(item.status)
    if closing is not None:
        logged = times.get(closing) == item.closed_at
        story.check("closed as logged", logged, f"{seq}: {item.status} {item.closed_at} {times}")
    if approved:
        story.check("approval logged", times.get("APPROVED") == item.decided_at, f"{seq}: {times}")


def told(year: Year) -> Story:
    story = Story()
    for state in CODES:
        if year.layout.has_audit(state):
            check_state(story, year, state)
    return story


# --- the tests ---------------------------------------------------------------------------


def test_the_demo_year_has_no_contradictions(year: Year) -> None:
    story = told(year)
    print("\nchecked:", dict(sorted(story.counts.items())), "casework:", year.result.casework)
    assert story.contradictions == []
    assert story.counts["record in the year"] > 3_000
    assert story.counts["refused for certification"] > 100
    assert story.counts["hold queued"] >= HELD
    assert story.counts["notice"] > HELD
    work = year.result.casework
    for what in ("approved", "denied", "expired", "notice sent", "notice late", "notice withheld"):
        assert work.get(what, 0) > 0, what


def wa_requests(year: Year, ori: str) -> list[AuditRecord]:
    log = AuditLog.open("WA", year.layout.audit_store("WA"))
    try:
        return list(log.find(Filters(ori=ori)))
    finally:
        log.close()


def test_houston_is_refused_only_while_its_certification_lapsed(year: Year) -> None:
    first, renewal = terms(HOUSTON, year.end.date())
    lapse_starts, lapse_ends = first.valid_to, renewal.valid_from
    found = Counter[str]()
    for record in wa_requests(year, HOUSTON):
        day = moment_of(record.time).date()
        when = "before" if day <= lapse_starts else "after" if day >= lapse_ends else "lapsed"
        found[f"{when} {record.decision}"] += 1
    assert found["before permit"] >= 15
    assert found["lapsed deny"] >= 5
    assert found["after permit"] >= 15
    assert set(found) == {"before permit", "lapsed deny", "after permit"}


ALL_YEAR = (History.WHOLE, History.ENDING, History.RENEWED)


@pytest.mark.parametrize("history", [h for h in History if h is not History.HOUSTON])
def test_each_certification_history_meets_the_year_s_requests(year: Year, history: History) -> None:
    """A week's request from an agency of each history: all permitted (certified all
    year, if renewed on time), all refused (never certified), or both (lapsed, revoked)."""
    permitted = {
        moment_of(r.time).date(): r.decision == "permit"
        for r in wa_requests(year, year.agencies[history])
    }
    assert len(permitted) >= 52
    if history in ALL_YEAR:
        assert all(permitted.values())
    elif history is History.NEVER:
        assert not any(permitted.values())
    else:
        assert set(permitted.values()) == {True, False}
