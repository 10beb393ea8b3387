"""One audit record as a card a person can read: who asked, when, for what and why, what
the state decided and by which rules, what was released, and the receipt; with the
record's JSON and its inclusion proof against the log's latest signed checkpoint.

Everything shown is what the record itself holds (the searched values, the released
records and the operator are keyed hashes in it), plus three look-ups that add no
personal data: the agency's name in the directory, each deciding rule's reason and law
in the very policy set that decided (the record's digest names it), and the titles of
message keys and purpose codes. The proof is checked here with the independent verifier
(:mod:`statelink.audit.verifier`): the leaf's hash, the path to the signed root, and the
checkpoint's signature by the state's key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from statelink.audit import verifier
from statelink.audit.keys import ORIGIN, NodeKeys
from statelink.audit.log import AuditLog, CheckpointRow, Filters
from statelink.audit.record import AuditRecord
from statelink.errors import AuditInvalid, NotFound, StatelinkError
from statelink.messages.fields import PURPOSES
from statelink.messages.keys import MESSAGE_KEYS
from statelink.nation import Layout, open_policy_store
from statelink.policy.engine import DEFAULT_DENY, POLICY_ERROR

DECISIONS = {
    "permit": "permitted",
    "deny": "refused",
    "hold": "held for review",
    "": "no decision",
}
STATUSES = {
    "HIT": "answered: records found and released",
    "NO_HIT": "answered: nothing found",
    "DENIED": "refused by the state's policy",
    "HELD": "held for a reviewer to decide case by case",
    "REJECTED": "rejected: the message is not valid for this state",
    "UNAVAILABLE": "not answered: the state's node was unavailable",
    "APPROVED": "approved on review: the answer is kept for the requester",
    "REVIEW_DENIED": "denied on review",
    "REFUSED": "approved on review, but the policy in force refused it",
    "EXPIRED": "expired: nobody decided, or nobody collected, in time",
    "COLLECTED": "the kept answer, collected by the requester",
}
OTHER_STEPS = 20
"""How many of the message's other records a card lists."""


@dataclass(frozen=True)
class Rule:
    """A deciding policy and why it decides (from the set that decided)."""

    id: str
    reason: str
    law: str


@dataclass(frozen=True)
class Proof:
    """The record's inclusion proof in the latest signed checkpoint, and what checking it
    here found ("" when every check passed)."""

    tree_size: int
    path: tuple[str, ...]
    root: str
    checkpoint: str  # the signed note, as kept
    problem: str


@dataclass(frozen=True)
class Step:
    """Another record of the same message (a review step, or the answer it followed)."""

    seq: int
    status: str
    time: str

    @property
    def when(self) -> str:
        return shown(self.time)


@dataclass(frozen=True)
class Card:
    state: str
    record: AuditRecord
    origin: str  # the log, as its checkpoints name it
    agency: str  # the requester's name in the directory, "" if it is not there
    key_title: str  # what the message key asks for
    purpose: str  # the purpose code's name
    rules: tuple[Rule, ...]
    rules_found: bool  # False: the set that decided is not on file (reasons unknown)
    leaf_hash: str  # hex, as the log's tree holds it
    leaf_matches: bool  # the record's bytes hash to that leaf
    proof: Proof | None
    unproven: str  # why there is no proof yet ("" when there is one)
    steps: tuple[Step, ...]
    text: str  # the record's JSON, indented

    @property
    def decision(self) -> str:
        return DECISIONS.get(self.record.decision, self.record.decision)

    @property
    def status(self) -> str:
        return STATUSES.get(self.record.status, self.record.status)

    @property
    def latency_ms(self) -> float:
        return self.record.latency_us / 1000

    @property
    def context(self) -> Mapping[str, Any]:
        return self.record.context

    @property
    def received(self) -> str:
        return shown(self.record.received_at)

    @property
    def decided(self) -> str:
        return shown(self.record.time)


def card(layout: Layout, state: str, seq: int, agencies: Mapping[str, str]) -> Card:
    """The card of record ``seq`` of ``state``'s audit log (NotFound if there is none)."""
    if not layout.has_audit(state):
        raise NotFound(f"the {state} audit log has no records yet")
    log = AuditLog.open(state, layout.audit_store(state))
    try:
        leaves = log.leaf_range(seq, 1) if seq >= 0 else []
        if not leaves:
            size = log.size()
            raise NotFound(
                f"the {state} audit log has {size:,} records (0 to {size - 1:,}): "
                f"there is no record {seq:,}"
                if size
                else f"the {state} audit log has no records yet"
            )
        leaf, data = leaves[0], _parsed(leaves[0], state, seq)
        record = AuditRecord.from_json(data)
        stored, computed = log.leaf_hash(seq), hashlib.sha256(b"\x00" + leaf).digest()
        latest = log.latest_checkpoint()
        covered = latest is not None and seq < latest.size
        proof = _proof(layout, log, seq, computed, latest) if covered and latest else None
        steps = _steps(log, record)
    finally:
        log.close()
    rules, found = _rules(layout, state, record)
    key = MESSAGE_KEYS.get(record.mke)
    return Card(
        state=state,
        record=record,
        origin=ORIGIN.format(state=state),
        agency=agencies.get(record.requester.ori, ""),
        key_title=f"{key.title} ({key.dataset} records)" if key else "",
        purpose=PURPOSES.get(record.purpose, ""),
        rules=rules,
        rules_found=found,
        leaf_hash=stored.hex(),
        leaf_matches=computed == stored,
        proof=proof,
        unproven="" if proof else _unproven(state, latest),
        steps=steps,
        text=json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False),
    )


def _parsed(leaf: bytes, state: str, seq: int) -> dict[str, Any]:
    try:
        data = json.loads(leaf)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise AuditInvalid(
            f"record {seq} of the {state} audit log is not a JSON object: check the log with "
            f"`statelink audit verify --state {state}`"
        )
    return data


def _proof(layout: Layout, log: AuditLog, seq: int, leaf: bytes, latest: CheckpointRow) -> Proof:
    """The path from ``leaf`` (the hash of the record's bytes) to the checkpoint's root,
    checked: the note's signature by the state's key, and the path."""
    path = log.reader().inclusion(seq, latest.size)
    problem = ""
    try:
        key = verifier.VerifierKey.parse(
            NodeKeys.load(log.state, layout.keys(log.state), create=False).signer.verifier_key()
        )
        signed = verifier.open_checkpoint(latest.note, key)
        if (signed.origin, signed.size, signed.root) != (
            ORIGIN.format(state=log.state),
            latest.size,
            latest.root,
        ):
            raise verifier.VerificationError("the checkpoint is not the one its note signs")
        verifier.verify_inclusion(leaf, seq, signed.size, list(path), signed.root)
    except verifier.VerificationError as e:
        problem = str(e)
    except StatelinkError as e:
        problem = e.message
    return Proof(latest.size, tuple(p.hex() for p in path), latest.root.hex(), latest.note, problem)


def _unproven(state: str, latest: CheckpointRow | None) -> str:
    if latest is None:
        return f"The {state} audit log has no signed checkpoint yet."
    return (
        f"The latest signed checkpoint covers records 0 to {latest.size - 1:,}: this record "
        "will be covered by the next one (within seconds on a running node)."
    )


def _rules(layout: Layout, state: str, record: AuditRecord) -> tuple[tuple[Rule, ...], bool]:
    """The deciding policies with their reason and law, from the set that decided."""
    known = {p.id: (p.reason, "") for p in (DEFAULT_DENY, POLICY_ERROR)}
    found = False
    if record.policy_digest:
        try:
            infos = open_policy_store(layout, state).load(record.policy_digest).infos
            known |= {i.id: (i.reason, i.law) for i in infos.values()}
            found = True
        except StatelinkError:
            pass  # not on file (or changed since): the ids alone
    rules = tuple(Rule(p, *known.get(p, ("", ""))) for p in record.policies)
    return rules, found or all(r.reason for r in rules)


def _steps(log: AuditLog, record: AuditRecord) -> tuple[Step, ...]:
    if not record.message_id:
        return ()
    found = log.find(Filters(message_id=record.message_id, limit=OTHER_STEPS + 1))
    return tuple(Step(r.seq, r.status, r.time) for r in found if r.seq != record.seq)


def shown(moment: str) -> str:
    """A record's ISO time for people: ``2026-03-02 14:03:41 UTC`` ("" stays "")."""
    if not moment:
        return ""
    try:
        when = dt.datetime.fromisoformat(moment.replace("Z", "+00:00"))
    except ValueError:
        return moment
    return when.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
