"""Deciding one request with a state's Cedar policies: permit, deny or hold, with reasons.

The request is built by the node: the principal is the requesting agency as the
directory knows it, the resource the state's dataset, and the context is derived (see
:func:`derive_context`), never copied blindly from the requester.

Outcomes (contract 2):

- **permit** when a permit matches and no forbid does;
- **deny** otherwise, with the forbids that matched, or ``default-deny`` when nothing
  permits; any evaluation error or NoDecision is a deny with reason ``policy-error``;
- **hold** when the decision is deny but evaluating again with ``review_approved = true``
  permits: a reviewer of the state may release it case by case.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import cedarpy

from statelink.directory import Agency
from statelink.messages.fields import PURPOSES
from statelink.messages.model import Message
from statelink.messages.response import PolicyReason
from statelink.policy.context import Context, Fact, with_facts
from statelink.policy.entities import ACTION, AGENCY, DATASET
from statelink.policy.policies import Policies
from statelink.policy.relevance import ContextReads, context_reads
from statelink.policy.settings import Snapshot

log = logging.getLogger(__name__)

CACHE_SIZE = 65_536

DEFAULT_DENY = PolicyReason(
    id="default-deny", reason="No policy of this state permits this request."
)
POLICY_ERROR = PolicyReason(
    id="policy-error", reason="The state's policy could not be evaluated; nothing is released."
)


class Outcome(StrEnum):
    PERMIT = "permit"
    DENY = "deny"
    HOLD = "hold"


def derive_context(
    message: Message,
    agency: Agency,
    state: str,
    settings: Snapshot,
    *,
    today: dt.date,
    review_approved: bool = False,
) -> Context:
    """The Cedar context of a request, as the owner state's node derives it."""
    warrant = message.warrant
    return {
        "purpose": message.purpose,
        "reason": message.reason,
        "has_warrant": warrant is not None,
        "warrant": {
            "kind": warrant.kind if warrant else "",
            "id": warrant.id if warrant else "",
            "court": warrant.court if warrant else "",
        },
        "case_number": message.case_number,
        "offense": message.offense,
        "serious_crime": settings.is_serious(message.offense),
        "certified": settings.is_certified(agency.ori, today),
        "review_approved": review_approved,
        "in_state": agency.state == state,
        "multi_state": message.multi_state,
    }


@dataclass(frozen=True)
class Request:
    """One Cedar request: who asks, which message key, on which dataset, in what context."""

    ori: str
    mke: str
    dataset: str  # "WA/driver"
    context: Context


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    policies: tuple[PolicyReason, ...]  # the deciding policies
    digest: str  # the policy set that decided
    error: str = ""  # what went wrong, for a policy-error

    @property
    def policy_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.policies)


@dataclass(frozen=True)
class Change:
    """One single change to the context and the outcome it would give."""

    change: str
    outcome: Outcome
    policies: tuple[PolicyReason, ...]


@dataclass(frozen=True)
class Explanation:
    decision: Decision
    request: Request
    changes: tuple[Change, ...] = field(default=())


class PolicyEngine:
    """One state's valid policy set over one directory's entities, ready to decide."""

    def __init__(self, policies: Policies, entities: cedarpy.Entities) -> None:
        self.policies = policies
        self._entities = entities
        self._reads: ContextReads = context_reads(policies.est.values())
        self._cache: OrderedDict[tuple[Any, ...], Decision] = OrderedDict()
        self.hits = 0
        self.misses = 0
        self._position = {policy_id: n for n, policy_id in enumerate(policies.infos)}
        self._reasons = {
            info.id: PolicyReason(id=info.id, reason=info.reason, law=info.law)
            for info in policies.infos.values()
        }
        # policies whose outcome can depend on a reviewer's approval
        self._read_approval = {
            policy_id
            for policy_id, tree in policies.est.items()
            if "review_approved" in (context_reads([tree]).paths or {"review_approved"})
        }
        self._permit_reads_approval = any(
            policies.infos[p].effect == "permit" for p in self._read_approval
        )

    @property
    def digest(self) -> str:
        return self.policies.digest

    def decide(self, request: Request, *, cached: bool = True) -> Decision:
        """Permit, deny or hold (see the module's docstring).

        Decisions are cached by everything they depend on: the requester, the message
        key, the dataset and the context attributes the policies read (the policy set
        and the entities are fixed for an engine). ``cached=False`` always evaluates.
        """
        if not cached:
            return self._decide(request)
        key = (request.ori, request.mke, request.dataset, *self._reads.key(request.context))
        found = self._cache.get(key)
        if found is not None:
            self.hits += 1
            self._cache.move_to_end(key)
            return found
        self.misses += 1
        decision = self._decide(request)
        self._cache[key] = decision
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return decision

    def _decide(self, request: Request, *, trim: bool = True) -> Decision:
        """Decide without the cache (``trim=False``: with every context attribute)."""
        first = self._evaluate(request, trim=trim)
        if (
            first.outcome is Outcome.PERMIT
            or first.error
            or not self._approval_can_help(first, request.context)
        ):
            return first
        approved = self._evaluate(request, trim=trim, approved=True)
        if approved.outcome is Outcome.PERMIT:
            return Decision(Outcome.HOLD, first.policies, self.digest)
        return first

    def _approval_can_help(self, denied: Decision, context: Context) -> bool:
        """Whether evaluating again with a reviewer's approval could give permit.

        Only if approval is not given already, and some policy that decided reads it: a
        forbid that matched without reading it still matches with approval, and with no
        permit matching, only a permit that reads it could start to.
        """
        if context["review_approved"] or not self._reads.keeps("review_approved"):
            return False
        if denied.policies == (DEFAULT_DENY,):
            return self._permit_reads_approval
        return any(p.id in self._read_approval for p in denied.policies)

    def _evaluate(self, request: Request, *, trim: bool, approved: bool = False) -> Decision:
        context = self._reads.trim(request.context) if trim else dict(request.context)
        if approved:
            context["review_approved"] = True
        cedar_request = {
            "principal": {"type": AGENCY, "id": request.ori},
            "action": {"type": ACTION, "id": request.mke},
            "resource": {"type": DATASET, "id": request.dataset},
            "context": context,
        }
        try:
            result = cedarpy.is_authorized(cedar_request, self.policies.handle, self._entities)
        except Exception as e:  # a failure inside the evaluator: fail closed
            log.error("policy evaluation failed for %s %s: %s", request.ori, request.mke, e)
            return Decision(Outcome.DENY, (POLICY_ERROR,), self.digest, error=str(e))
        diagnostics = result.diagnostics
        if diagnostics.errors or result.decision is cedarpy.Decision.NoDecision:
            error = "; ".join(diagnostics.errors) or "no decision"
            log.error(
                "policy error for %s %s on %s: %s", request.ori, request.mke, request.dataset, error
            )
            return Decision(Outcome.DENY, (POLICY_ERROR,), self.digest, error=error)
        ids = diagnostics.id_annotations_by_reason
        deciding = sorted((ids.get(p, p) for p in diagnostics.reasons), key=self._order)
        reasons = tuple(self.reason(policy_id) for policy_id in deciding)
        if result.decision is cedarpy.Decision.Allow:
            return Decision(Outcome.PERMIT, reasons, self.digest)
        return Decision(Outcome.DENY, reasons or (DEFAULT_DENY,), self.digest)

    def _order(self, policy_id: str) -> tuple[int, str]:
        """Deciding policies in the order the set lists them (Cedar reports a set)."""
        return (self._position.get(policy_id, len(self._position)), policy_id)

    def reason(self, policy_id: str) -> PolicyReason:
        """A policy of the set as shown to a requester: its id, reason and law."""
        for known in (DEFAULT_DENY, POLICY_ERROR):
            if policy_id == known.id:
                return known
        return self._reasons.get(policy_id) or PolicyReason(id=policy_id)

    # --- explain ---------------------------------------------------------------------

    def explain(self, request: Request) -> Explanation:
        """The decision, and each single change to the context that would change it."""
        decision = self.decide(request)
        if decision.outcome is Outcome.PERMIT:
            return Explanation(decision, request)
        changes = []
        for label, update in _variations(request.context):
            varied = Request(
                request.ori, request.mke, request.dataset, with_facts(request.context, update)
            )
            outcome = self._decide(varied)
            if outcome.outcome is not decision.outcome:
                changes.append(Change(label, outcome.outcome, outcome.policies))
        return Explanation(decision, request, tuple(changes))


def _variations(context: Context) -> list[tuple[str, dict[str, Fact]]]:
    """Single changes a requester or the state could make, described for a person."""

    def warrant(kind: str, court: str = "a court") -> dict[str, Fact]:
        return {"has_warrant": True, "warrant": {"kind": kind, "id": "(docket)", "court": court}}

    variations: list[tuple[str, dict[str, Fact]]] = [
        ("a judicial warrant", warrant("judicial")),
        ("a court order", warrant("court-order")),
        ("a court-issued subpoena", warrant("subpoena")),
        ("a serious-crime offense on this state's list", {"serious_crime": True}),
        ("case-by-case review approval", {"review_approved": True}),
        ("a current certification on file with this state", {"certified": True}),
    ]
    if context["multi_state"]:
        variations.append(("sending it to this state alone", {"multi_state": False}))
    variations += [
        (f"purpose {code} ({label})", {"purpose": code})
        for code, label in PURPOSES.items()
        if code != context["purpose"]
    ]
    return [
        (label, update)
        for label, update in variations
        if any(context.get(k) != v for k, v in update.items())
    ]
