"""Policy behaviour as tables of cases: a message, the owner state, the expected outcome.

A case file is YAML or JSON: a list of cases, or ``{defaults: {...}, cases: [...]}``
where ``defaults`` may give ``state`` and ``context`` for every case. A case::

    name: ICE, serious crime, no warrant, is held for review
    state: WA                    # the owner state deciding
    message: DQ.WAICE0100.WA.OLN/WDL000000001.PUR/C.OFF/0911.   # text or JSON
    expect: hold                 # permit | deny | hold
    reasons: [no-civil-immigration]       # optional: the deciding @id values
    context: {certified: true}   # optional: overrides of facts the node derives

Facts are derived as a node would (serious crime from the default offense ranges, the
requester's state from the directory); with no override, ``certified`` is false.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

import yaml

from statelink.clock import wall_now
from statelink.directory import Directory
from statelink.errors import MessageInvalid, UsageError
from statelink.messages.model import Message
from statelink.messages.text import parse_any
from statelink.policy.context import FACT_TYPES, Fact, WarrantFacts, with_facts
from statelink.policy.engine import Outcome, PolicyEngine, Request, derive_context
from statelink.policy.entities import entities
from statelink.policy.policies import Policies
from statelink.policy.settings import DEFAULT_SERIOUS_CRIME, Snapshot

UNKNOWN_ORI = "unknown-ori"


@dataclass(frozen=True)
class Case:
    name: str
    state: str
    message: Message
    expect: Outcome
    reasons: tuple[str, ...] | None
    context: dict[str, Fact]  # overrides of the derived context


@dataclass(frozen=True)
class Defaults:
    """What a case file's ``defaults:`` give every case."""

    state: str = ""
    context: dict[str, Fact] = field(default_factory=dict)


class CaseJson(TypedDict):
    name: str
    state: str
    expect: str
    decision: str
    expected_reasons: list[str]
    reasons: list[str]
    ok: bool


@dataclass(frozen=True)
class CaseResult:
    case: Case
    decision: Outcome
    reasons: tuple[str, ...]

    @property
    def ok(self) -> bool:
        expected = self.case.reasons
        return self.decision is self.case.expect and (
            expected is None or set(expected) == set(self.reasons)
        )

    def as_dict(self) -> CaseJson:
        return {
            "name": self.case.name,
            "state": self.case.state,
            "expect": self.case.expect.value,
            "decision": self.decision.value,
            "expected_reasons": list(self.case.reasons or []),
            "reasons": list(self.reasons),
            "ok": self.ok,
        }


def load_cases(path: Path) -> list[Case]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror}") from None
    except yaml.YAMLError as e:
        raise UsageError(f"{path} is not YAML or JSON: {' '.join(str(e).split())}") from None
    defaults = Defaults()
    if isinstance(raw, dict):
        given = raw.get("defaults") or {}
        if not isinstance(given, dict):
            raise UsageError(f"{path}: defaults must be a mapping (state:, context:)")
        context = _overrides(f"{path}, defaults", given.get("context"))
        defaults = Defaults(str(given.get("state") or ""), context)
        raw = raw.get("cases")
    if not isinstance(raw, list) or not raw:
        raise UsageError(f"{path}: expected a list of cases (or defaults: and cases:)")
    return [_case(path, number, item, defaults) for number, item in enumerate(raw, 1)]


def _case(path: Path, number: int, item: object, defaults: Defaults) -> Case:
    where = f"{path}, case {number}"
    if not isinstance(item, dict):
        raise UsageError(f"{where}: expected a mapping with name, message and expect")
    name = str(item.get("name") or f"case {number}")
    where = f"{path}, case {number} ({name})"
    state = str(item.get("state") or defaults.state or "").upper()
    if not state:
        raise UsageError(f"{where}: no state (give state: XX, or defaults: state:)")
    raw_message = item.get("message")
    try:
        text = json.dumps(raw_message) if isinstance(raw_message, dict) else str(raw_message)
        message = parse_any(text)
    except MessageInvalid as e:
        raise UsageError(f"{where}: {e.message}") from None
    try:
        expect = Outcome(str(item.get("expect", "")).lower())
    except ValueError:
        raise UsageError(
            f"{where}: expect must be permit, deny or hold, given {item.get('expect')!r}"
        ) from None
    reasons = item.get("reasons")
    if reasons is not None and not isinstance(reasons, list):
        raise UsageError(f"{where}: reasons must be a list of policy ids")
    return Case(
        name,
        state,
        message,
        expect,
        tuple(str(r) for r in reasons) if reasons is not None else None,
        {**defaults.context, **_overrides(where, item.get("context"))},
    )


def _overrides(where: str, given: object) -> dict[str, Fact]:
    """Context overrides as a case file gives them, each a context fact of its type."""
    if not given:
        return {}
    if not isinstance(given, dict):
        raise UsageError(f"{where}: context must be a mapping of context facts")
    found: dict[str, Fact] = {}
    for key, value in given.items():
        fact = _fact(str(key), value)
        if fact is None:
            raise UsageError(
                f"{where}: context.{key} is not a context fact of its type "
                f"({', '.join(FACT_TYPES)})"
            )
        found[str(key)] = fact
    return found


def _fact(name: str, value: object) -> Fact | None:
    wanted = FACT_TYPES.get(name)
    if wanted is None or not isinstance(value, wanted):
        return None
    if isinstance(value, dict):
        return _warrant(value)
    return value if isinstance(value, str | bool) else None


def _warrant(given: dict[object, object]) -> WarrantFacts:
    """A warrant override: the fields it leaves out are empty, as with no warrant."""
    return {
        "kind": str(given.get("kind", "")),
        "id": str(given.get("id", "")),
        "court": str(given.get("court", "")),
    }


def run_cases(
    policies: Policies, cases: list[Case], directory: Directory, today: dt.date | None = None
) -> list[CaseResult]:
    """Decide every case as the owner state's node would, with the case's overrides, on
    the day ``today`` (today by the wall clock, in UTC as a node counts it, if not given)."""
    engine = PolicyEngine(policies, entities(directory))
    settings = Snapshot(serious=tuple((a, b) for a, b, _ in DEFAULT_SERIOUS_CRIME))
    on = today or wall_now().date()
    results = []
    for case in cases:
        agency = directory.get(case.message.ori)
        if agency is None:
            results.append(CaseResult(case, Outcome.DENY, (UNKNOWN_ORI,)))
            continue
        derived = derive_context(case.message, agency, case.state, settings, today=on)
        context = with_facts(derived, case.context)
        request = Request(
            agency.ori, case.message.mke, f"{case.state}/{case.message.key.dataset}", context
        )
        decision = engine.decide(request)
        results.append(CaseResult(case, decision.outcome, decision.policy_ids))
    return results
