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

from statelink.directory import Agency, Directory
from statelink.errors import StatelinkError
from statelink.impact.domain import agency_key
from statelink.impact.inputs import Input, Inputs
from statelink.impact.outcomes import Tally, transition
from statelink.policy.engine import Decision, PolicyEngine, Request
from statelink.policy.entities import entity_documents
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
        found = []
        for generation in self._generations:
            documents = [
                d
                for d in entity_documents(Directory(generation.values()))
                if not d["uid"]["id"].endswith(("/driver", "/vehicle"))
                or d["uid"]["id"].startswith(self.state + "/")
            ]
            found.append(cedarpy.Entities.from_json_str(json.dumps(documents), schema()))
        return found


def snapshot(values: dict[str, Any]) -> Agency:
    ori = str(values["ori"])
    return Agency(
        ori,
        "",
        ori[:2],
        str(values["kind"]),
        str(values["department"]),
        str(values["component"]),
        tuple(values["groups"] or ()),
    )


def decision_key(partition: Partition, row: Input, agency: Agency) -> tuple[Any, ...]:
    """What a decision of the sets can depend on, for one input."""
    context = row.context()
    parts: list[Any] = [agency_key(partition, agency, None), row.values["mke"]]
    parts.append(row.values["dataset"])
    for path in READ_FIELDS:
        if not partition.reads(path):
            continue
        value = context
        for part in path.split("."):
            value = value[part]
        if isinstance(value, str):
            parts.append(partition.use(path).signature(value))
        else:
            parts.append(value)
    return tuple(parts)


def logged(row: Input) -> tuple[str, tuple[str, ...]]:
    policies = str(row.values["policies_key"] or "")
    return str(row.values["decision"]), tuple(p for p in policies.split(";") if p)


def simulate(
    state: str,
    table: AuditTable,
    candidate: Policies,
    history: Callable[[str], Policies],
    *,
    period: Period,
    label: str = "",
    on_progress: Callable[[int, int], None] | None = None,
) -> Replay:
    """Replay the period's decided records under ``candidate`` (``history(digest)`` gives
    the set a digest names, or raises :class:`StatelinkError` saying why it cannot)."""
    replay = Replay(state, candidate.digest, label, period)
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
        rows = inputs.group(partition)
        outcomes = _decide_all(state, rows, partition, candidate, sets, replay, on_progress)
        _tally(replay, rows, outcomes)
        replay.held_weekly = inputs.weekly(
            {
                "before": [r.id for r in rows if r.values["decision"] == "hold"],
                "after": [r.id for r in rows if outcomes[r.id][0].outcome.value == "hold"],
            }
        )
        _mismatches(replay, inputs, rows, outcomes)
    finally:
        inputs.close()
    return replay


def _decide_all(
    state: str,
    rows: list[Input],
    partition: Partition,
    candidate: Policies,
    sets: dict[str, Policies | str],
    replay: Replay,
    on_progress: Callable[[int, int], None] | None,
) -> dict[int, tuple[Decision, Decision | str]]:
    """For each input: the candidate's decision, and the logged set's (or why none)."""
    snapshots = Snapshots(state)
    keyed: dict[tuple[Any, ...], tuple[Input, Agency, int]] = {}
    keys = {}
    for row in rows:
        agency = snapshot(row.values)
        key = decision_key(partition, row, agency)
        keys[row.id] = key
        if key not in keyed:
            keyed[key] = (row, agency, snapshots.place(agency))
    entities = snapshots.entities()
    engines: dict[tuple[str, int], PolicyEngine] = {}

    def engine(policies: Policies, generation: int) -> PolicyEngine:
        found = engines.get((policies.digest, generation))
        if found is None:
            found = engines[(policies.digest, generation)] = PolicyEngine(
                policies, entities[generation]
            )
        return found

    decided: dict[tuple[Any, ...], Decision] = {}
    logged_decided: dict[tuple[str, tuple[Any, ...]], Decision | str] = {}
    result = {}
    for n, row in enumerate(rows):
        key = keys[row.id]
        first, agency, generation = keyed[key]
        request = Request(agency.ori, first.values["mke"], first.values["dataset"], first.context())
        if key not in decided:
            decided[key] = engine(candidate, generation).decide(request, cached=False)
            replay.evaluations += 1
        digest = str(row.values["policy_digest"])
        if (digest, key) not in logged_decided:
            then = sets.get(digest)
            if isinstance(then, Policies):
                logged_decided[(digest, key)] = engine(then, generation).decide(
                    request, cached=False
                )
                replay.evaluations += 1
            else:
                logged_decided[(digest, key)] = _no_set(state, digest, then)
        result[row.id] = (decided[key], logged_decided[(digest, key)])
        if on_progress is not None and n % 5000 == 0:
            on_progress(n, len(rows))
    replay.inputs = len(keyed)
    return result


def _no_set(state: str, digest: str, why: str | None) -> str:
    if not digest:
        return "no policy set was in force"
    return f"the policy set {digest[:12]} that decided it cannot be used: {why}"


def _tally(
    replay: Replay, rows: Iterable[Input], outcomes: dict[int, tuple[Decision, Decision | str]]
) -> None:
    for row in rows:
        after, then = outcomes[row.id]
        before = str(row.values["decision"])
        replay.records += row.records
        if _reproduces(row, then):
            replay.reproduced += row.records
        replay.tally.add(row, transition(before, after.outcome.value))


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
    outcomes: dict[int, tuple[Decision, Decision | str]],
) -> None:
    bad = {r.id: r for r in rows if not _reproduces(r, outcomes[r.id][1])}
    replay.not_reproduced_total = sum(r.records for r in bad.values())
    for seq, row_id in inputs.seqs(list(bad), MISMATCHES_LISTED):
        replay.not_reproduced.append(Mismatch(seq, _why(bad[row_id], outcomes[row_id][1])))
