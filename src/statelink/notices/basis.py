"""The legal basis of a release that owes a notice: the rules that permitted it.

A notice keeps what the letter needs about the person, not why the state released the
record: that is in the state's audit log. The release's record there (``HIT``, or
``COLLECTED`` after a case-by-case review, with records released) names the policies
that permitted it and the digest of the policy set that decided; each policy's
``@reason`` and ``@law`` are read from that very set, as the dashboard's record card
does. When the log or the set is not on file, the letter says where the basis is
recorded instead (:mod:`statelink.notices.letters`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from statelink.audit.log import AuditLog, Filters
from statelink.audit.record import AuditRecord
from statelink.errors import StatelinkError
from statelink.nation import Layout, open_policy_store

RELEASES = ("HIT", "COLLECTED")
"""The statuses of a record that released records (and so may owe notices)."""
STEPS = 50
"""Records of one message read at most (an answer and its review steps are a few)."""


@dataclass(frozen=True)
class Rule:
    """A policy that permitted the release: why it permits, and under which law."""

    id: str
    reason: str
    law: str = ""


@dataclass(frozen=True)
class Basis:
    """Why a message's records were released, from its audit record."""

    rules: tuple[Rule, ...]
    mke: str  # the message key: KQ also released the driving history
    reviewed: bool  # released after a reviewer approved it case by case


def bases(layout: Layout, state: str, message_ids: Iterable[str]) -> dict[str, Basis]:
    """The basis of each message's release that the audit log and the policy sets on
    file can tell (a message missing from the result: not known)."""
    wanted = sorted(set(message_ids))
    if not wanted or not layout.has_audit(state):
        return {}
    log = AuditLog.open(state, layout.audit_store(state))
    try:
        releases = {m: r for m in wanted if (r := _release(log, m)) is not None}
    finally:
        log.close()
    reasons = _reasons(layout, state, {r.policy_digest for r in releases.values()})
    found = {}
    for message_id, record in releases.items():
        known = reasons.get(record.policy_digest, {})
        rules = tuple(known[p] for p in record.policies if p in known)
        if rules:
            found[message_id] = Basis(rules, record.mke, record.status == "COLLECTED")
    return found


def _release(log: AuditLog, message_id: str) -> AuditRecord | None:
    """The record of the step that released the message's records, if any."""
    steps = log.find(Filters(message_id=message_id, limit=STEPS))
    released = [r for r in steps if r.status in RELEASES and r.released > 0]
    return released[-1] if released else None


def _reasons(layout: Layout, state: str, digests: set[str]) -> dict[str, dict[str, Rule]]:
    """Each policy set's rules that give a reason, by digest (sets not on file left out)."""
    store = open_policy_store(layout, state)
    found: dict[str, dict[str, Rule]] = {}
    for digest in sorted(d for d in digests if d):
        try:
            infos = store.load(digest).infos
        except StatelinkError:
            continue  # not on file (or changed since): the letter says where it is recorded
        found[digest] = {i.id: Rule(i.id, i.reason, i.law) for i in infos.values() if i.reason}
    return found
