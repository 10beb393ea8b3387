"""A policy set's rules as an official reads them, and what changed between two sets.

Each rule (a Cedar policy) with its ``@id``, whether it permits or forbids (and whether
what it forbids can be released by a reviewer case by case: a *hold*), its ``@reason``,
its ``@law`` read as a :class:`~statelink.policy.templates.Citation`, whom and which
message keys it names in words, and its Cedar. Between two sets, the rules added,
removed and changed, by ``@id``; what they change in decisions is
:func:`statelink.impact.diff`'s answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

import cedarpy

from statelink.policy.policies import Est, Policies
from statelink.policy.relevance import context_reads
from statelink.policy.templates import Citation, citation


class Effect(StrEnum):
    PERMIT = "permit"
    FORBID = "forbid"


@dataclass(frozen=True)
class Rule:
    """One policy of a set, as an official reads it."""

    id: str
    effect: Effect
    reviewable: bool  # it reads a reviewer's approval: what it forbids can be held
    reason: str
    citation: Citation
    applies: str  # whom and which message keys it names, in words
    file: str
    cedar: str  # its Cedar, as written in its file

    @property
    def label(self) -> str:
        if self.effect is Effect.PERMIT:
            return "permits once a reviewer approves" if self.reviewable else "permits"
        return "forbids; a reviewer can release it" if self.reviewable else "forbids"

    @property
    def tone(self) -> str:
        """Its style: ``permit``, ``deny`` or ``hold``."""
        if self.reviewable:
            return "hold"
        return "permit" if self.effect is Effect.PERMIT else "deny"


@dataclass(frozen=True)
class Words:
    """How to say a scope: anything, one entity, a group of them."""

    anything: str  # "any agency"
    one: str  # "agency"
    group: str  # "agencies in group"


PRINCIPAL = Words("any agency", "agency", "agencies in group")
ACTION = Words("any message key", "message key", "message keys in")
RESOURCE = Words("any dataset", "dataset", "datasets in")


def _scope(part: Mapping[str, object], words: Words) -> str:
    """A principal, action or resource scope of Cedar's JSON form, in words."""

    def name(entity: object) -> str:
        return str(entity.get("id", "")) if isinstance(entity, dict) else "?"

    op, entities = part.get("op"), part.get("entities")
    if op == "==":
        return f"{words.one} {name(part.get('entity'))}"
    if op == "in" and isinstance(entities, list):
        return ", ".join(name(e) for e in entities)
    if op == "in":
        return f"{words.group} {name(part.get('entity'))}"
    return words.anything  # All, or a type test (one type of each is in the schema)


def applies(tree: Est) -> str:
    """Whom, which message keys and which datasets a policy names, in words."""
    named = [_scope(tree["principal"], PRINCIPAL), _scope(tree["action"], ACTION)]
    if tree["resource"].get("op") not in (None, "All"):
        named.append(_scope(tree["resource"], RESOURCE))
    return "; ".join(named)


_ID = re.compile(r'@id\s*\(\s*"((?:[^"\\]|\\.)*)"\s*\)')


def statements(text: str) -> list[str]:
    """A Cedar file cut into its policies' texts as written (each up to its ``;``), the
    comment and blank lines before each left out."""
    found, start, at, quoted = [], 0, 0, False
    while at < len(text):
        char = text[at]
        if quoted:
            at += 2 if char == "\\" else 1
            quoted = quoted and char != '"'
            continue
        if text.startswith("//", at):
            end = text.find("\n", at)
            at = len(text) if end < 0 else end
            continue
        quoted = char == '"'
        if char == ";":
            found.append(text[start : at + 1])
            start = at + 1
        at += 1
    kept = []
    for chunk in found:
        lines = chunk.splitlines()
        while lines and (not lines[0].strip() or lines[0].lstrip().startswith("//")):
            lines.pop(0)
        kept.append("\n".join(lines))
    return kept


def sources(policies: Policies) -> dict[str, str]:
    """Each policy's text as written in its file, by ``@id`` (Cedar's own layout of its
    JSON form where the text cannot be told apart)."""
    found: dict[str, str] = {}
    for text in policies.files.values():
        for statement in statements(text):
            named = _ID.search(statement)
            if named is not None and named.group(1) in policies.infos:
                found.setdefault(named.group(1), statement)
    return {i: found.get(i) or _formatted(policies.est[i]) for i in policies.infos}


def _formatted(tree: Est) -> str:
    """One policy's Cedar text, from its JSON form ("" if Cedar cannot format it)."""
    one = {"staticPolicies": {"policy0": tree}, "templates": {}, "templateLinks": []}
    try:
        return cedarpy.format_policies(cedarpy.policies_from_json_str(json.dumps(one))).strip()
    except (ValueError, RuntimeError):
        return ""


def rules_of(policies: Policies) -> list[Rule]:
    """The set's rules, in the order the set lists them."""
    texts = sources(policies)
    rules = []
    for info in policies.infos.values():
        tree = policies.est[info.id]
        paths = context_reads([tree]).paths
        rules.append(
            Rule(
                id=info.id,
                effect=Effect(info.effect),
                reviewable=paths is None or "review_approved" in paths,
                reason=info.reason,
                citation=citation(info.law),
                applies=applies(tree),
                file=info.file,
                cedar=texts[info.id],
            )
        )
    return rules


def readers(policies: Policies, name: str) -> tuple[str, ...]:
    """The ids of the rules that read a context attribute."""
    found = []
    for policy_id, tree in policies.est.items():
        paths = context_reads([tree]).paths
        if paths is None or name in paths:
            found.append(policy_id)
    return tuple(found)


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True)
class RuleChange:
    id: str
    kind: ChangeKind
    what: tuple[str, ...]  # for a changed rule: "effect", "whom", "conditions", ...
    before: Rule | None
    after: Rule | None


def rule_changes(old: Policies, new: Policies) -> list[RuleChange]:
    """The rules added, removed and changed from ``old`` to ``new``, by ``@id``."""
    before, after = {r.id: r for r in rules_of(old)}, {r.id: r for r in rules_of(new)}
    changes = [
        RuleChange(i, ChangeKind.REMOVED, (), before[i], None) for i in before if i not in after
    ]
    for policy_id, rule in after.items():
        if policy_id not in before:
            changes.append(RuleChange(policy_id, ChangeKind.ADDED, (), None, rule))
            continue
        a, b = old.est[policy_id], new.est[policy_id]
        what = [
            label
            for label, differs in (
                ("effect", a["effect"] != b["effect"]),
                (
                    "whom or which keys",
                    (a["principal"], a["action"], a["resource"])
                    != (b["principal"], b["action"], b["resource"]),
                ),
                ("conditions", a["conditions"] != b["conditions"]),
                ("reason", before[policy_id].reason != rule.reason),
                ("law", before[policy_id].citation.text != rule.citation.text),
            )
            if differs
        ]
        if what:
            changes.append(
                RuleChange(policy_id, ChangeKind.CHANGED, tuple(what), before[policy_id], rule)
            )
    return changes
