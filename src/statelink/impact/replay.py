"""Replaying a state's own audit log under a candidate policy set (``policy simulate``).

Every decided record (``permit``, ``deny`` or ``hold``) is decided again from what the
record holds: the requester's snapshot (kind, department, component, groups at that
moment), the message key and dataset, and the logged context. Nothing is read from
today's directory or settings. DuckDB groups the records into the distinct decision
inputs first (:mod:`statelink.impact.inputs`): records whose requesters and contexts no
policy of the sets can tell apart share one evaluation, so the cost grows with the
distinct inputs, and with the records only through DuckDB's scan.

**Fidelity first**: each input is also decided under the set that decided it when it
was logged (found by its digest in the state's policy history); the replay says how
many records reproduce their logged decision and deciding policies, and lists those
that do not, with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypedDict

import cedarpy

from statelink.directory import Agency
from statelink.errors import StatelinkError
from statelink.impact.inputs import DecisionInput, HeldWeek, Inputs
from statelink.impact.tally import (
    AffectedAgency,
    BreakdownRow,
    ChangedClass,
    Counts,
    ImmigrationLines,
    Lines,
    nothing,
    tally,
)
from statelink.messages.keys import DATASET_KINDS
from statelink.policy.engine import Decision, PolicyEngine, Request
from statelink.policy.entities import agency_document, dataset_document, group_document
from statelink.policy.partition import Partition
from statelink.policy.policies import Policies
from statelink.policy.schema import schema
from statelink.reports.model import AnchorJson
from statelink.reports.report import Period
from statelink.reports.table import AuditTable

MISMATCHES_LISTED = 1_000


@dataclass(frozen=True)
class Mismatch:
    seq: int
    why: str


class MismatchJson(TypedDict):
    seq: int
    why: str


class NamedAgency(AffectedAgency):
    name: str  # the directory's name ("" when it has none)


class ReplayJson(TypedDict):
    """A replay as ``policy simulate --json`` writes it (and the What-if page shows it)."""

    state: str
    candidate_digest: str
    candidate: str
    since: str | None
    until: str | None
    records: int
    inputs: int
    evaluations: int
    reproduced: int
    not_reproduced: list[MismatchJson]
    not_reproduced_total: int
    outcomes: dict[str, int]
    changes: list[ChangedClass]
    breakdowns: dict[str, list[BreakdownRow]]
    agencies: list[NamedAgency]
    serious_crime: Lines
    immigration: ImmigrationLines
    held_per_week: list[HeldWeek]
    anchor: AnchorJson | None  # the signed checkpoint the replayed copy was checked against


@dataclass
class Replay:
    """What a candidate set would have decided for a period of a state's audit log."""

    state: str
    candidate_digest: str
    candidate: str  # where the candidate came from
    period: Period
    records: int = 0  # decided records replayed
    inputs: int = 0  # distinct decision inputs (with the set that logged them)
    evaluations: int = 0  # decisions computed (candidate and logged sets)
    reproduced: int = 0
    not_reproduced: list[Mismatch] = field(default_factory=list)
    not_reproduced_total: int = 0
    counts: Counts | None = None  # None: nothing counted (see statelink.impact.tally)
    held_weekly: list[HeldWeek] = field(default_factory=list)
    anchor: AnchorJson | None = None  # None: the log has no signed checkpoint yet

    def as_dict(self, names: dict[str, str] | None = None) -> ReplayJson:
        names = names or {}
        counts = self.counts or nothing()
        return {
            "state": self.state,
            "candidate_digest": self.candidate_digest,
            "candidate": self.candidate,
            "since": self.period.since.isoformat() if self.period.since else None,
            "until": self.period.until.isoformat() if self.period.until else None,
            "records": self.records,
            "inputs": self.inputs,
            "evaluations": self.evaluations,
            "reproduced": self.reproduced,
            "not_reproduced": [{"seq": m.seq, "why": m.why} for m in self.not_reproduced],
            "not_reproduced_total": self.not_reproduced_total,
            "outcomes": counts["outcomes"],
            "changes": counts["changes"],
            "breakdowns": counts["breakdowns"],
            "agencies": [{**a, "name": names.get(a["ori"], "")} for a in counts["agencies"]],
            "serious_crime": counts["serious_crime"],
            "immigration": counts["immigration"],
            "held_per_week": self.held_weekly,
            "anchor": self.anchor,
        }


class Snapshots:
    """The requesters as the records saw them, as Cedar entities: one entity set per
    generation, so that an ORI logged with two different snapshots is kept twice."""

    def __init__(self, state: str) -> None:
        self.state = state
        self._generations: list[dict[str, Agency]] = []

    def place(self, agency: Agency) -> int:
        for n, generation in enumerate(self._generations):
            found = generation.get(agency.ori)
            if found is None or found == agency:
                generation[agency.ori] = agency
                return n
        self._generations.append({agency.ori: agency})
        return len(self._generations) - 1

    def entities(self) -> list[cedarpy.Entities]:
        datasets = [dataset_document(self.state, kind) for kind in DATASET_KINDS]
        found = []
        for generation in self._generations:
            groups = sorted({g for a in generation.values() for g in a.groups})
            documents = [
                *(group_document(g) for g in groups),
                *(agency_document(a) for a in generation.values()),
                *datasets,
            ]
            found.append(cedarpy.Entities.from_json_str(json.dumps(documents), schema()))
        return found


def simulate(
    state: str,
    table: AuditTable,
    candidate: Policies,
    history: Callable[[str], Policies],
    *,
    period: Period,
    label: str = "",
    top: int = 10,
) -> Replay:
    """Replay the period's decided records under ``candidate`` (``history(digest)`` gives
    the set a digest names, or raises :class:`StatelinkError` saying why it cannot);
    ``top``: how many of the most affected agencies to list (0: all)."""
    replay = Replay(state, candidate.digest, label, period)
    if not table.parts():
        return replay  # nothing logged yet
    inputs = Inputs(table, period)
    try:
        sets: dict[str, Policies | str] = {}
        for digest in inputs.digests():
            try:
                sets[digest] = history(digest)
            except StatelinkError as e:
                sets[digest] = e.message
        loaded = [p for p in sets.values() if isinstance(p, Policies)]
        partition = Partition.union(Partition.of(p.est.values()) for p in [candidate, *loaded])
        ids = {i for p in [candidate, *loaded] for i in p.infos}
        rows = inputs.group(partition, plain_ids=not any(";" in i for i in ids))
        decider = Decider(state, candidate, sets)
        outcomes = decider.decide(rows)
        replay.inputs, replay.evaluations = len(rows), decider.evaluations
        inputs.settle({r.id: outcomes[r.id][0].outcome.value for r in rows})
        replay.counts = tally(inputs.con, top)
        replay.held_weekly = inputs.weekly()
        _fidelity(replay, inputs, rows, outcomes)
    finally:
        inputs.close()
    return replay


Outcomes = tuple[Decision, Decision | str, bool]  # candidate, logged set (or why not), same


class Decider:
    """Decides each input under the candidate and under the set that logged it: the
    candidate once per distinct key, each logged set once per input."""

    def __init__(self, state: str, candidate: Policies, sets: dict[str, Policies | str]) -> None:
        self.state = state
        self.candidate = candidate
        self.sets = sets
        self.evaluations = 0
        self._engines: dict[tuple[str, int], PolicyEngine] = {}
        self._entities: list[cedarpy.Entities] = []

    def decide(self, rows: list[DecisionInput]) -> dict[int, Outcomes]:
        snapshots = Snapshots(self.state)
        placed = {row.id: snapshots.place(row.requester) for row in rows}
        self._entities = snapshots.entities()
        after: dict[tuple[Any, ...], Decision] = {}
        found: dict[int, Outcomes] = {}
        for row in rows:
            request = Request(row.requester.ori, row.mke, row.dataset, row.context)
            generation = placed[row.id]
            if row.key not in after:
                after[row.key] = self._decide(self.candidate, request, generation)
            logged_set = self.sets.get(row.digest)
            then: Decision | str = (
                self._decide(logged_set, request, generation)
                if isinstance(logged_set, Policies)
                else _no_set(row.digest, logged_set)
            )
            found[row.id] = (after[row.key], then, _reproduces(row, then))
        return found

    def _decide(self, policies: Policies, request: Request, generation: int) -> Decision:
        engine = self._engines.get((policies.digest, generation))
        if engine is None:
            engine = PolicyEngine(policies, self._entities[generation])
            self._engines[(policies.digest, generation)] = engine
        self.evaluations += 1
        return engine.decide(request, cached=False)


def _no_set(digest: str, why: str | None) -> str:
    if not digest:
        return "no policy set was in force"
    return f"the policy set {digest[:12]} that decided it cannot be used: {why}"


def _reproduces(row: DecisionInput, then: Decision | str) -> bool:
    if isinstance(then, str):  # no set in force: a node denies with policy-error
        return (row.decision, row.digest, row.policies) == ("deny", "", ("policy-error",))
    return (then.outcome.value, then.policy_ids) == (row.decision, row.policies)


def _why(row: DecisionInput, then: Decision | str) -> str:
    if isinstance(then, str):
        return then
    return (
        f"logged {row.decision} ({', '.join(row.policies) or 'no policy'}), replayed under "
        f"the same set {then.outcome.value} ({', '.join(then.policy_ids) or 'no policy'})"
    )


def _fidelity(
    replay: Replay, inputs: Inputs, rows: list[DecisionInput], outcomes: dict[int, Outcomes]
) -> None:
    replay.records = sum(r.records for r in rows)
    replay.reproduced = sum(r.records for r in rows if outcomes[r.id][2])
    bad = {r.id: r for r in rows if not outcomes[r.id][2]}
    replay.not_reproduced_total = replay.records - replay.reproduced
    for seq, row_id in inputs.seqs(list(bad), MISMATCHES_LISTED):
        replay.not_reproduced.append(Mismatch(seq, _why(bad[row_id], outcomes[row_id][1])))
