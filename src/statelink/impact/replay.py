"""Replaying a state's own audit log under a candidate policy set (``policy simulate``).

Every decided record (``permit``, ``deny`` or ``hold``) is decided again from what the
record holds: the requester's snapshot (kind, department, component, groups at that
moment), the message key and dataset, and the logged context. Nothing is read from
today's directory or settings. The records are grouped into distinct decision inputs
first (:mod:`statelink.impact.inputs`), and agencies the policies cannot tell apart
share one evaluation, so the cost grows with the inputs, not with the records.

**Fidelity first**: each input is also decided under the set that decided it when it
was logged (found by its digest in the state's policy history); the replay says how
many records reproduce their logged decision and deciding policies, and lists those
that do not, with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import cedarpy

from statelink.directory import Agency
from statelink.errors import StatelinkError
from statelink.impact.domain import agency_key
from statelink.impact.inputs import Input, Inputs
from statelink.impact.outcomes import Tally, transition
from statelink.impact.space import BOOLEANS
from statelink.messages.keys import DATASET_KINDS
from statelink.policy.engine import Decision, Outcome, PolicyEngine, Request
from statelink.policy.entities import DATASET, GROUP, agency_document
from statelink.policy.partition import Partition
from statelink.policy.policies import Policies
from statelink.policy.schema import schema
from statelink.reports.report import Period
from statelink.reports.table import AuditTable

MISMATCHES_LISTED = 1_000
READ_FIELDS = (
    "purpose",
    "reason",
    "has_warrant",
    "warrant.kind",
    "warrant.id",
    "warrant.court",
    "case_number",
    "offense",
    "serious_crime",
    "certified",
    "review_approved",
    "in_state",
    "multi_state",
)


@dataclass(frozen=True)
class Outcomes:
    """One input's decision under the candidate, and under the set that logged it."""

    after: Decision
    then: Decision | str  # the logged set's decision, or why there is none
    reproduced: bool


@dataclass(frozen=True)
class Mismatch:
    seq: int
    why: str


@dataclass
class Replay:
    """What a candidate set would have decided for a period of a state's audit log."""

    state: str
    candidate_digest: str
    candidate: str  # where the candidate came from
    period: Period
    records: int = 0  # decided records replayed
    inputs: int = 0  # distinct decision inputs
    evaluations: int = 0  # decisions computed (candidate and logged sets)
    reproduced: int = 0
    not_reproduced: list[Mismatch] = field(default_factory=list)
    not_reproduced_total: int = 0
    tally: Tally = field(default_factory=Tally)
    held_weekly: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self, names: dict[str, str] | None = None, top: int = 10) -> dict[str, Any]:
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
            **self.tally.as_dict(names or {}, top),
            "held_per_week": self.held_weekly,
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
        datasets = [
            {
                "uid": {"type": DATASET, "id": f"{self.state}/{kind}"},
                "attrs": {"state": self.state, "kind": kind},
                "parents": [],
            }
            for kind in DATASET_KINDS
        ]
        found = []
        for generation in self._generations:
            groups = sorted({g for a in generation.values() for g in a.groups})
            documents = [
                *({"uid": {"type": GROUP, "id": g}, "attrs": {}, "parents": []} for g in groups),
                *(agency_document(a) for a in generation.values()),
                *datasets,
            ]
            found.append(cedarpy.Entities.from_json_str(json.dumps(documents), schema()))
        return found


def snapshot(row: Input) -> Agency:
    """The requester as the record saw it."""
    v = row.values
    ori = str(v["ori"])
    return Agency(
        ori, "", ori[:2], str(v["kind"]), str(v["department"]), str(v["component"]), row.groups
    )


class DecisionKeys:
    """What a decision of the sets can depend on, for each input: the agency's class, the
    key and dataset, and the signature of each context attribute the sets read."""

    def __init__(self, partition: Partition) -> None:
        self.partition = partition
        self._fields = [
            (path.replace(".", "_"), partition.use(path) if _is_string(path) else None)
            for path in READ_FIELDS
            if partition.reads(path)
        ]
        self._agencies: dict[Agency, tuple[Any, ...]] = {}
        self._signatures: dict[tuple[str, Any], Any] = {}

    def of(self, row: Input, agency: Agency) -> tuple[Any, ...]:
        known = self._agencies.get(agency)
        if known is None:
            known = self._agencies[agency] = agency_key(self.partition, agency, None)
        values = row.values
        parts: list[Any] = [known, values["mke"], values["dataset"]]
        for column, use in self._fields:
            value = values.get(column, "")
            if use is not None:
                found = self._signatures.get((column, value))
                if found is None:
                    found = self._signatures[(column, value)] = use.signature(value)
                value = found
            parts.append(value)
        return tuple(parts)


def _is_string(path: str) -> bool:
    return path not in ("has_warrant", *BOOLEANS)


def logged(row: Input) -> tuple[str, tuple[str, ...]]:
    return str(row.values["decision"]), row.policies


def simulate(
    state: str,
    table: AuditTable,
    candidate: Policies,
    history: Callable[[str], Policies],
    *,
    period: Period,
    label: str = "",
) -> Replay:
    """Replay the period's decided records under ``candidate`` (``history(digest)`` gives
    the set a digest names, or raises :class:`StatelinkError` saying why it cannot)."""
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
        decider = Decider(state, candidate, sets, partition)
        outcomes, replay.inputs = decider.decide(rows)
        replay.evaluations = decider.evaluations
        _tally(replay, rows, outcomes)
        replay.held_weekly = inputs.weekly(
            {
                "before": [r.id for r in rows if r.values["decision"] == "hold"],
                "after": [r.id for r in rows if outcomes[r.id].after.outcome is Outcome.HOLD],
            }
        )
        _mismatches(replay, inputs, rows, outcomes)
    finally:
        inputs.close()
    return replay


class Decider:
    """Decides each input under the candidate and under the set that logged it, once per
    distinct decision key (and logged set)."""

    def __init__(
        self, state: str, candidate: Policies, sets: dict[str, Policies | str], partition: Partition
    ) -> None:
        self.state = state
        self.candidate = candidate
        self.sets = sets
        self.keys = DecisionKeys(partition)
        self.evaluations = 0
        self._engines: dict[tuple[str, int], PolicyEngine] = {}
        self._entities: list[cedarpy.Entities] = []

    def decide(self, rows: list[Input]) -> tuple[dict[int, Outcomes], int]:
        """Each input's outcomes, and how many distinct decision keys there were."""
        snapshots = Snapshots(self.state)
        first: dict[tuple[Any, ...], tuple[Request, int]] = {}
        keys = {}
        agencies: dict[tuple[Any, ...], Agency] = {}
        for row in rows:
            v = row.values
            seen = (v["ori"], v["kind"], v["department"], v["component"], row.groups)
            if seen not in agencies:
                agencies[seen] = snapshot(row)
            agency = agencies[seen]
            key = keys[row.id] = self.keys.of(row, agency)
            if key not in first:
                request = Request(
                    agency.ori, row.values["mke"], row.values["dataset"], row.context()
                )
                first[key] = (request, snapshots.place(agency))
        self._entities = snapshots.entities()
        after: dict[tuple[Any, ...], Decision] = {}
        then: dict[tuple[str, tuple[Any, ...]], Decision | str] = {}
        reproduced: dict[tuple[Any, ...], bool] = {}
        found = {}
        for row in rows:
            key, digest = keys[row.id], str(row.values["policy_digest"])
            if key not in after:
                after[key] = self._decide(self.candidate, *first[key])
            if (digest, key) not in then:
                logged_set = self.sets.get(digest)
                then[(digest, key)] = (
                    self._decide(logged_set, *first[key])
                    if isinstance(logged_set, Policies)
                    else _no_set(digest, logged_set)
                )
            same = (digest, key, row.values["decision"], row.policies)
            if same not in reproduced:
                reproduced[same] = _reproduces(row, then[(digest, key)])
            found[row.id] = Outcomes(after[key], then[(digest, key)], reproduced[same])
        return found, len(first)

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


def _tally(replay: Replay, rows: Iterable[Input], outcomes: dict[int, Outcomes]) -> None:
    for row in rows:
        found = outcomes[row.id]
        replay.records += row.records
        if found.reproduced:
            replay.reproduced += row.records
        replay.tally.add(row, transition(str(row.values["decision"]), found.after.outcome.value))


def _reproduces(row: Input, then: Decision | str) -> bool:
    if isinstance(then, str):
        return (
            row.values["decision"] == "deny"
            and not row.values["policy_digest"]
            and (logged(row)[1] == ("policy-error",))
        )
    return (then.outcome.value, then.policy_ids) == logged(row)


def _why(row: Input, then: Decision | str) -> str:
    if isinstance(then, str):
        return then
    decision, policies = logged(row)
    return (
        f"logged {decision} ({', '.join(policies) or 'no policy'}), replayed under the same "
        f"set {then.outcome.value} ({', '.join(then.policy_ids) or 'no policy'})"
    )


def _mismatches(
    replay: Replay,
    inputs: Inputs,
    rows: list[Input],
    outcomes: dict[int, Outcomes],
) -> None:
    bad = {r.id: r for r in rows if not outcomes[r.id].reproduced}
    replay.not_reproduced_total = sum(r.records for r in bad.values())
    for seq, row_id in inputs.seqs(list(bad), MISMATCHES_LISTED):
        replay.not_reproduced.append(Mismatch(seq, _why(bad[row_id], outcomes[row_id].then)))
