"""The dashboard's glossary, ``GET /dashboard/glossary``: what the reports count and what
their codes mean, open to anyone (it holds no data), linked from every page.

The code lists are made from the code's own tables, so they cannot drift from what the
network uses: message keys (:data:`~statelink.messages.keys.MESSAGE_KEYS`), purpose codes
(:data:`~statelink.messages.fields.PURPOSES`), answer statuses
(:class:`~statelink.messages.response.Status`) and review steps
(:class:`~statelink.node.ledger.ReviewStep`) with the record card's words for them,
decisions (:class:`~statelink.policy.engine.Outcome`), agency kinds (ORION types) and
the seed directory's groups. Every entry has an anchor a page can link to:
``/dashboard/glossary#purpose-I``, ``#mke-DQ``, ``#status-HELD``, ``#decision-hold``,
``#class-immigration-agencies``, ``#kind-FE``, ``#group-ice``, ``#term-checkpoint``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from fastapi import Request
from fastapi.responses import Response
from starlette.routing import BaseRoute

from statelink.directory.agency import KINDS
from statelink.directory.federal import IMMIGRATION, federal_agencies
from statelink.directory.seed import LOCAL_GROUPS, generic_agencies
from statelink.messages.fields import PURPOSES
from statelink.messages.keys import MESSAGE_KEYS
from statelink.messages.response import Status
from statelink.node.ledger import ReviewStep
from statelink.policy.engine import Outcome
from statelink.web.record_card import DECISIONS, STATUSES
from statelink.web.signin import current_account
from statelink.web.site import Shared, route

PATH = "/dashboard/glossary"


@dataclass(frozen=True)
class Entry:
    anchor: str  # the id a link points to: "purpose-I"
    term: str
    meaning: str
    code: bool = True  # whether the term is a code (shown as code)
    also: tuple[str, ...] = ()  # more anchors for the same entry (a response key)


@dataclass(frozen=True)
class Section:
    anchor: str
    title: str
    intro: str
    entries: tuple[Entry, ...]


COUNTS: tuple[tuple[str, str, str], ...] = (
    (
        "request",
        "request",
        "One message as one state answered it: one audit record with an answer status (HIT, "
        "NO_HIT, DENIED, HELD, REJECTED, UNAVAILABLE). A message sent to three states is "
        "three requests, one in each state's report. Reports count requests, and their "
        "totals add up to the requests shown at the top of a page.",
    ),
    (
        "answer",
        "answer",
        "What a state sent back for a message, with its status. Every request is one "
        "answer, so the two counts are the same number.",
    ),
    (
        "decision",
        "decision",
        "What the state's policy decided on a request: permit, deny or hold. A request has "
        "one decision at most: one rejected as invalid, or left unanswered, has none.",
    ),
    (
        "deciding-policy",
        "deciding policy",
        "A rule of the state's policy set that decided a request. Several rules can decide "
        "the same request (two rules that both forbid it), so a table of requests by "
        "deciding policy counts such a request once in each rule's row: its rows can add "
        "up to more than the requests.",
    ),
    (
        "records-released",
        "records released",
        "The driver and vehicle records a state sent in its answers: a different unit from "
        "requests. A request that found nothing, or was refused, releases none; one that "
        "found a person with two vehicles releases two.",
    ),
    (
        "audit-record",
        "audit record",
        "One entry of a state's audit log: an answer (a request), or a later review step "
        "of a held request (approved, denied on review, collected, ...). Review steps are "
        "counted apart from requests.",
    ),
    (
        "agency",
        "agency (requester)",
        "The agency that sent a message, named by its ORI. An agency that asked once and "
        "one that asked a thousand times each count as one agency.",
    ),
)

TERMS: tuple[tuple[str, str, str], ...] = (
    (
        "ori",
        "ORI",
        "Originating agency identifier: 9 characters naming an agency on the network; the "
        "first two are its home state (federal offices use the state where they sit, "
        "e.g. VTICE0900).",
    ),
    (
        "received",
        "received time",
        "When the hub took the message, in UTC: the time reports count by. A period "
        "runs from its first day ('from') up to, not including, its 'before' day.",
    ),
    (
        "policy-set",
        "policy set",
        "All of a state's policy rules in force at one time, named by its digest (a hash): "
        "a change of policy starts a new set.",
    ),
    (
        "hold",
        "hold, review",
        "A request the policy refuses now but would permit if a reviewer of the state "
        "approves it case by case; it waits in the state's review queue.",
    ),
    (
        "certification",
        "certification",
        "An agency's signed promise to the state (e.g. not to use the data for civil "
        "immigration enforcement), valid from one day to another; a state's policy can "
        "require one on file.",
    ),
    (
        "notice",
        "notice",
        "A letter a state owes the person whose record was released to certain agencies, "
        "within a set number of days (e.g. 3 business days in NY, IL and MA).",
    ),
    (
        "audit-log",
        "audit log",
        "Each state's tamper-evident record of every answer, written before the answer "
        "leaves. Personal values (names, licence numbers, plates) are kept only as keyed "
        "hashes.",
    ),
    (
        "keyed-hash",
        "keyed hash",
        "A fingerprint of a value made with the state's secret key: the same value gives "
        "the same fingerprint, but the value cannot be read back from it.",
    ),
    (
        "checkpoint",
        "checkpoint",
        "The audit log's size and root hash, signed by the state's key. Anyone holding it "
        "can check that no record it covers was changed or removed since. Every report "
        "names the checkpoint it covers.",
    ),
    (
        "inclusion-proof",
        "inclusion proof",
        "The hashes that show one record is in the log a checkpoint signed (RFC 9162).",
    ),
    (
        "witness",
        "witness",
        "An independent service that cosigns a state's checkpoints after checking that the "
        "log only grew: a state cannot show different logs to different people.",
    ),
    (
        "suppression",
        "suppression",
        "In the public report, counts from 1 to 9 are hidden (and other counts with them, "
        "where the hidden ones could be worked out from them), so that no small count "
        "points to a few people.",
    ),
)

REQUESTER_CLASSES: dict[str, str] = {
    "immigration agencies": f"Agencies in the group {IMMIGRATION}: ICE (ERO, the LESC and "
    "HSI) and CBP, whatever else they are.",
    "other federal agencies": "Federal agencies outside that group (FBI, DEA, USMS, ATF, ...).",
    "in-state agencies": "State and local agencies of the state whose data it is.",
    "out-of-state agencies": "State and local agencies of other states.",
}
"""The requester classes of the reports (``table.DERIVED``), first match wins."""

DECISION_MEANINGS: dict[str, str] = {
    Outcome.PERMIT: "a rule permitted it and none forbade it: the state searched and answered",
    Outcome.DENY: "no rule permitted it, or a rule forbade it: nothing was released",
    Outcome.HOLD: "refused for now; a reviewer of the state may approve it case by case",
    "none": "the message was rejected as invalid, or the state did not answer",
}

GROUP_MEANINGS: dict[str, str] = {
    "federal": "every federal office",
    IMMIGRATION: "agencies whose main task is immigration enforcement",
    "dmv": "each state's driver bureau and registration office",
    "local-law-enforcement": "city and county police, sheriffs and other local law enforcement",
    "state-law-enforcement": "statewide agencies: state police, highway patrol",
}


@cache
def sections() -> tuple[Section, ...]:
    """The glossary, section by section (made once)."""
    return (
        Section(
            "counts",
            "What the numbers count",
            "Every number on the report pages says which of these it counts.",
            tuple(Entry(f"term-{a}", t, m, code=False) for a, t, m in COUNTS),
        ),
        _keys(),
        Section(
            "purposes",
            "Purpose codes",
            "Why the requester says it asked (PUR/ in the text form).",
            tuple(Entry(f"purpose-{c}", c, meaning) for c, meaning in PURPOSES.items()),
        ),
        _statuses(),
        Section(
            "decisions",
            "Decisions",
            "What the state's policy decided on a request.",
            tuple(
                Entry(f"decision-{d}", d, f"{DECISIONS.get(d, DECISIONS[''])}: {meaning}")
                for d, meaning in DECISION_MEANINGS.items()
            ),
        ),
        _requesters(),
        Section(
            "terms",
            "Other terms",
            "",
            tuple(Entry(f"term-{a}", t, m, code=False) for a, t, m in TERMS),
        ),
    )


def _keys() -> Section:
    return Section(
        "keys",
        "Message keys (MKE)",
        "What a message asks for; each query key has its response key.",
        tuple(
            Entry(
                f"mke-{k.code}",
                f"{k.code} / {k.response}",
                f"{k.title} ({k.dataset} records), searched by {k.describe_forms()}"
                + (", one state only" if k.single_state else ""),
                also=(f"mke-{k.response}",),
            )
            for k in MESSAGE_KEYS.values()
        ),
    )


def _statuses() -> Section:
    answers = (Entry(f"status-{s}", s, STATUSES[s]) for s in Status)
    steps = (Entry(f"status-{s}", s, f"review step: {STATUSES[s]}") for s in ReviewStep)
    return Section(
        "statuses",
        "Statuses",
        "An answer's status (each answer is a request), then the review steps that may "
        "follow a held request (audit records, not requests).",
        (*answers, *steps),
    )


def _requesters() -> Section:
    classes = (
        Entry(f"class-{name.replace(' ', '-')}", name, meaning, code=False)
        for name, meaning in REQUESTER_CLASSES.items()
    )
    kinds = (Entry(f"kind-{k}", k, f"agency kind: {meaning}") for k, meaning in KINDS.items())
    groups = (Entry(f"group-{g}", g, meaning) for g, meaning in directory_groups().items())
    return Section(
        "requesters",
        "Who asks: requester classes, agency kinds and groups",
        "Reports sort agencies into four classes. Agencies also have a kind (the ORION "
        "type code) and belong to groups, which policies name.",
        (*classes, *kinds, *groups),
    )


def directory_groups() -> dict[str, str]:
    """The seed directory's groups, each with what it means or who is in it."""
    members: dict[str, list[str]] = {}
    federal = federal_agencies()
    for agency in federal:
        for group in agency.groups:
            _add(members.setdefault(group, []), agency.component)
    for kind, groups in LOCAL_GROUPS.items():
        for group in groups:
            _add(members.setdefault(group, []), KINDS[kind])
    for agency in generic_agencies():
        for group in agency.groups:
            members.setdefault(group, [])
    return {
        group: GROUP_MEANINGS.get(group, "")
        + ("; " if group in GROUP_MEANINGS and who else "")
        + (f"in it: {', '.join(who)}" if who else "")
        for group, who in sorted(members.items())
    }


def _add(names: list[str], name: str) -> None:
    if name not in names:
        names.append(name)


def anchors(found: Sequence[Section]) -> set[str]:
    """Every anchor a link may point to."""
    return {a for s in found for e in s.entries for a in (e.anchor, *e.also)} | {
        s.anchor for s in found
    }


async def glossary(request: Request, site: Shared) -> Response:
    return site.page(
        request, "glossary.html", account=current_account(request, site), sections=sections()
    )


routes: list[BaseRoute] = [route("/glossary", glossary)]
