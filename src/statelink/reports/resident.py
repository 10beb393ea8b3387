"""A resident's access report: every access to their record, found by keyed hash.

The audit log never holds a licence number or a plate in clear: each released record is
there as the node's keyed hash of ``driver:<OLN>`` or ``vehicle:<VIN>``, and each
released vehicle's owner as the hash of ``driver:<OLN>`` too. The state computes those
hashes and looks them up in the Parquet copy; nothing in clear is searched, and the
number itself is not kept.

- By **licence number**: the hash of ``driver:<OLN>`` finds every release of the
  person's driver record and of every vehicle released as theirs.
- By **plate**: the plate is first looked up in the state's own records (the vehicles
  registered under it today); the hashes of ``vehicle:<VIN>`` of those vehicles then
  find every release of their registration, whoever owned them at the time.

Only releases are accesses: a refused request released nothing, and its record holds
no released record's hash. Each access comes with its legal basis, the deciding
policies' reason and law from the very policy set that decided (its digest is in the
record), as a notice's letter gives them (:mod:`statelink.notices.basis`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypedDict

from statelink.audit.keys import NodeKeys
from statelink.audit.lookup import LookupKind
from statelink.errors import StatelinkError, UsageError
from statelink.messages.fields import PURPOSES
from statelink.messages.response import VehicleRecord
from statelink.nation import Layout, open_policy_store
from statelink.notices.basis import Rule
from statelink.notices.letters import PURPOSE_WORDS, long_date, office
from statelink.notices.names import display_name, salutation
from statelink.notices.store import Addressee
from statelink.policy.engine import DEFAULT_DENY, POLICY_ERROR
from statelink.records.store import Found
from statelink.reports.model import AnchorJson
from statelink.reports.report import ALL_TIME, session
from statelink.reports.table import AuditTable
from statelink.states import STATES

if TYPE_CHECKING:
    from statelink.policy.contact import Contact

STATUSES = {
    "HIT": "released",
    "COLLECTED": "released after a case-by-case review",
}
"""What the status of an access means, in words (any other is shown as it is)."""


class Access(TypedDict):
    """One access to a resident's record, as ``access-report --json`` writes it."""

    received_at: str  # ISO, UTC
    ori: str
    component: str
    mke: str
    purpose: str
    decision: str
    status: str
    message_id: str
    agency: str  # the directory's name of the ORI
    purpose_label: str
    seq: int  # the audit record's number
    dataset: str  # XX/driver or XX/vehicle
    released: int
    policies: list[str]  # the deciding policies
    policy_digest: str  # the policy set that decided


def accesses(
    table: AuditTable,
    keys: NodeKeys,
    licence: str,
    *,
    agencies: Mapping[str, str] | None = None,
) -> list[Access]:
    """When, which agency, what purpose and what was decided, oldest first."""
    return accesses_of(table, [keys.hash(f"driver:{licence.strip().upper()}")], agencies=agencies)


def accesses_of(
    table: AuditTable, hashes: Sequence[str], *, agencies: Mapping[str, str] | None = None
) -> list[Access]:
    """Every record that released a record with one of these keyed hashes, oldest first."""
    if not table.parts() or not hashes:
        return []
    with session(table, ALL_TIME) as con:
        rows = con.execute(
            """SELECT received_at, ori, component, mke, purpose, decision, status, message_id,
                      seq, dataset, released, policies, policy_digest
               FROM steps WHERE list_has_any(records, ?::VARCHAR[]) ORDER BY received_at, seq""",
            [list(hashes)],
        ).fetchall()
    names = agencies or {}
    return [
        {
            "received_at": received_at.isoformat(),
            "ori": ori,
            "component": component,
            "mke": mke,
            "purpose": purpose,
            "decision": decision,
            "status": status,
            "message_id": message_id,
            "agency": names.get(ori, ""),
            "purpose_label": PURPOSES.get(purpose, ""),
            "seq": int(seq),
            "dataset": dataset,
            "released": int(released or 0),
            "policies": list(policies),
            "policy_digest": digest,
        }
        for received_at, ori, component, mke, purpose, decision, status, message_id, seq,
        dataset, released, policies, digest in rows
    ]  # fmt: skip


def rules(layout: Layout, state: str, digests: Iterable[str]) -> dict[str, dict[str, Rule]]:
    """Each policy set's rules by id, by digest (a set not on file gives only the built-in
    default-deny and policy-error rules)."""
    built_in = {p.id: Rule(p.id, p.reason, p.law) for p in (DEFAULT_DENY, POLICY_ERROR)}
    store = open_policy_store(layout, state)
    found: dict[str, dict[str, Rule]] = {}
    for digest in sorted(set(digests)):
        try:
            infos = store.load(digest).infos.values() if digest else ()
        except StatelinkError:
            infos = ()  # not on file (or changed since): the record still names the ids
        found[digest] = {**built_in, **{i.id: Rule(i.id, i.reason, i.law) for i in infos}}
    return found


class Records(Protocol):
    """A state's records, as its node searches them."""

    def find(self, mke: str, fields: Mapping[str, str]) -> Found: ...


@dataclass(frozen=True)
class Subject:
    """What a look-up found in the state's own records: the keyed hashes to look for in
    the audit log, the resident (when one person is found) and the vehicles of a plate."""

    hashes: tuple[str, ...]
    resident: Addressee | None
    vehicles: tuple[VehicleRecord, ...]


def subject(records: Records, keys: NodeKeys, kind: LookupKind, value: str) -> Subject:
    """The hashes and the resident of a look-up of ``value`` (a valid licence number or
    plate): a licence number's hash is looked for even when the records no longer hold it."""
    if kind is LookupKind.LICENCE:
        drivers = records.find("DQ", {"OLN": value}).drivers
        resident = Addressee.of(drivers[:1])[0] if drivers else None
        return Subject((keys.hash(f"driver:{value}"),), resident, ())
    vehicles = records.find("RQ", {"LIC": value}).vehicles
    owners = Addressee.of(vehicles)
    hashes = tuple(dict.fromkeys(keys.hash(f"vehicle:{v.vin}") for v in vehicles))
    return Subject(hashes, owners[0] if len(owners) == 1 else None, tuple(vehicles))


@dataclass(frozen=True)
class Line:
    """One access and the rules that decided it (those of its set that are on file)."""

    access: Access
    rules: tuple[Rule, ...]

    @property
    def when(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.access["received_at"])

    @property
    def outcome(self) -> str:
        status = self.access["status"]
        return STATUSES.get(status, status)

    @property
    def unexplained(self) -> tuple[str, ...]:
        """Deciding policies whose reason the sets on file do not give."""
        known = {r.id for r in self.rules}
        return tuple(p for p in self.access["policies"] if p not in known)


@dataclass(frozen=True)
class ResidentReport:
    """A look-up's result: what is shown to the official and what a letter says."""

    state: str
    kind: LookupKind
    value: str  # the licence number or plate, as looked up (kept in memory only)
    subject: Subject
    lines: tuple[Line, ...]
    anchor: AnchorJson | None  # the signed checkpoint the copy was checked against
    lookup_seq: int  # the audit record of the look-up itself
    made_on: dt.date


def lines(layout: Layout, state: str, found: Sequence[Access]) -> tuple[Line, ...]:
    """Each access with its legal basis."""
    by_digest = rules(layout, state, (a["policy_digest"] for a in found))
    return tuple(
        Line(a, tuple(r for p in a["policies"] if (r := by_digest[a["policy_digest"]].get(p))))
        for a in found
    )


# --- the letter to the resident ------------------------------------------------------------

RECORDS = {"driver": "driver licence record", "vehicle": "vehicle registration"}
RELEASES = {
    "HIT": "We released it.",
    "COLLECTED": "We released it after a reviewer approved the request case by case.",
}


@dataclass(frozen=True)
class Item:
    """One access, as the letter tells it: a heading and its lines."""

    heading: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class AccessLetter:
    """What a letter to the resident says, before it is written as HTML or PDF."""

    sender: tuple[str, ...]  # the state's office: name, then its address
    date: str
    addressee: tuple[str, ...]  # name, street, city
    title: str
    salutation: str
    opening: tuple[str, ...]
    items: tuple[Item, ...]
    closing: tuple[str, ...]
    contact: tuple[str, ...]
    reference: str


def letter(report: ResidentReport, contact: Contact | None) -> AccessLetter:
    """The letter that answers a resident who asked who received their records; only for
    a look-up that found the resident (their name and address)."""
    resident = report.subject.resident
    if resident is None:
        raise UsageError("no letter: the look-up found no one resident to address it to")
    state = STATES[report.state].name
    a = resident.address
    count = len(report.lines)
    found = (
        f"Our audit log records {count} release{'s' if count != 1 else ''} of "
        f"{'them' if report.kind is LookupKind.LICENCE else 'it'}, oldest first:"
        if count
        else "Our audit log records no release of them to another state's or a federal agency."
    )
    return AccessLetter(
        sender=(contact.name, *contact.address) if contact else (office(report.state),),
        date=long_date(report.made_on),
        addressee=(display_name(resident.name), a.street, f"{a.city}, {a.state} {a.zip}"),
        title=f"Who received your {RECORDS[report.kind.dataset]}",
        salutation=salutation(resident.name),
        opening=(_asked(report), found),
        items=tuple(_item(line) for line in report.lines),
        closing=(
            f"{_complete(report.anchor)} Requests that we refused released nothing and are not "
            "listed.",
            "If you think a release was wrong, or you want to know more about one, contact us, "
            "quoting the reference below.",
        ),
        contact=(contact.name, *(f"{k}: {v}" for k, v in contact.ways()))
        if contact
        else (f"{state} has not set its contact details for these letters yet.",),
        reference=(
            f"Reference: access report of {report.made_on.isoformat()}, record "
            f"{report.lookup_seq} of {report.state}'s audit log."
        ),
    )


def _complete(anchor: AnchorJson | None) -> str:
    """Up to where the list is complete: the signed checkpoint the copy was checked against."""
    if anchor is None:
        return "Our audit log had no signed checkpoint yet when we wrote this letter."
    return (
        f"This list is complete up to record {max(anchor['size'] - 1, 0):,} of our audit log, "
        f"the last one signed when we wrote this letter (checkpoint {anchor['origin']}, size "
        f"{anchor['size']:,}, root {anchor['root'][:16]}…)."
    )


def _asked(report: ResidentReport) -> str:
    state = STATES[report.state].name
    log = (
        f"{state} keeps a tamper-evident audit log of every answer it gives to other states' "
        "and federal agencies through the interstate switch; this is what it records."
    )
    if report.kind is LookupKind.LICENCE:
        return (
            "You asked us which agencies have received your driver licence record (licence "
            f"number ending in {report.value[-4:]}) and the registrations of vehicles in your "
            f"name. {log}"
        )
    cars = ", ".join(f"{v.year} {v.make} {v.model}".title() for v in report.subject.vehicles)
    return (
        f"You asked us which agencies have received the registration of your vehicle with "
        f"plate {report.value} ({cars}). {log} It lists every release of that vehicle's "
        "registration, whoever owned it then; for your driver licence record, ask us by "
        "your licence number."
    )


def _item(line: Line) -> Item:
    a = line.access
    what = RECORDS.get(a["dataset"].partition("/")[2], "record")
    if a["mke"] == "KQ":
        what += " and driving history"
    why = PURPOSE_WORDS.get(a["purpose"], a["purpose_label"] or "a purpose it did not give")
    basis = [
        f"Why the law allowed it: {_sentence(r.reason) if r.reason else f'rule {r.id}.'}"
        + (f" Law: {r.law}." if r.law else "")
        for r in line.rules
    ]
    basis += [
        f"Why the law allowed it: rule {p}, recorded in the state's audit log under message "
        f"{a['message_id']}."
        for p in line.unexplained
    ]
    agency = a["agency"] or "an agency no longer in the directory"
    done = RELEASES.get(a["status"], f"Outcome: {line.outcome}.")
    return Item(
        f"{long_date(line.when.date())}: {agency} (agency identifier {a['ori']})",
        (f"It asked for your {what} for {why}. {done}", *basis),
    )


def letter_pdf(made: AccessLetter) -> bytes:
    """The letter as a PDF (one or more pages of US letter)."""
    from statelink.reports import pdf

    blocks: list[pdf.Block] = [pdf.Text(line, 10) for line in made.sender]
    blocks += [pdf.Text(made.date, before=14)]
    blocks += [pdf.Text(line, before=14 if i == 0 else 0) for i, line in enumerate(made.addressee)]
    blocks += [pdf.Text(made.title, 13, pdf.Face.BOLD, before=22, keep=True)]
    blocks += [pdf.Text(made.salutation, before=8)]
    blocks += [pdf.Text(p, before=6) for p in made.opening]
    for item in made.items:
        blocks.append(pdf.Text(item.heading, 10, pdf.Face.BOLD, before=8, keep=True, indent=12))
        blocks += [pdf.Text(line, 10, indent=24) for line in item.lines]
    blocks += [pdf.Text(p, before=8) for p in made.closing]
    blocks.append(pdf.Text("How to contact us", 11, pdf.Face.BOLD, before=12, keep=True))
    blocks += [pdf.Text(line) for line in made.contact]
    blocks.append(pdf.Text(made.reference, 8.5, gray=True, before=14))
    return pdf.document(blocks, title=made.title, footer=made.reference.removeprefix("Reference: "))


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else text + "."
