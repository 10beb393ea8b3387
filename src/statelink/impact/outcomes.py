"""Counting a replay: before → after, by who asked and why, with example records.

*Before* is the decision the record logged; *after* the candidate's. Every count is of
audit records (one per message and owner state, the report's "requests"). A change is
*lost* access when the outcome gets less permissive (permit > hold > deny) and *gained*
when it gets more.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

from statelink.directory.federal import IMMIGRATION

OUTCOMES = ("permit", "deny", "hold")
RANK = {"deny": 0, "hold": 1, "permit": 2}
STATE_AND_LOCAL = "state and local"
EXAMPLES = 3
DIMENSIONS = ("component", "kind", "group", "purpose", "mke")


class Row(Protocol):
    @property
    def values(self) -> dict[str, Any]: ...
    @property
    def records(self) -> int: ...
    @property
    def first_seq(self) -> int: ...
    @property
    def last_seq(self) -> int: ...
    @property
    def groups(self) -> tuple[str, ...]: ...


def transition(before: str, after: str) -> str:
    return f"{before}->{after}"


def split(key: str) -> tuple[str, str]:
    before, _, after = key.partition("->")
    return before, after


def lost(key: str) -> bool:
    before, after = split(key)
    return RANK[after] < RANK[before]


def gained(key: str) -> bool:
    before, after = split(key)
    return RANK[after] > RANK[before]


@dataclass
class Changed:
    """One changed class: requests of one kind of requester, key and purpose."""

    records: int = 0
    oris: set[str] = field(default_factory=set)
    examples: set[int] = field(default_factory=set)


@dataclass
class Agency:
    component: str
    kind: str
    records: int = 0
    transitions: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> int:
        return sum(n for key, n in self.transitions.items() if split(key)[0] != split(key)[1])


@dataclass
class Tally:
    matrix: Counter[str] = field(
        default_factory=lambda: Counter({transition(b, a): 0 for b in OUTCOMES for a in OUTCOMES})
    )
    changed: dict[tuple[str, ...], Changed] = field(default_factory=dict)
    by: dict[str, dict[str, Counter[str]]] = field(
        default_factory=lambda: {d: {} for d in DIMENSIONS}
    )
    agencies: dict[str, Agency] = field(default_factory=dict)
    serious: Counter[str] = field(default_factory=Counter)
    immigration: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, row: Row, key: str) -> None:
        v, n, by = row.values, row.records, self.by
        component = str(v["component"]) or STATE_AND_LOCAL
        groups = row.groups
        self.matrix[key] += n
        before, after = split(key)
        for dim, value in (
            ("component", component),
            ("kind", v["kind"]),
            ("purpose", v["purpose"]),
            ("mke", v["mke"]),
        ):
            found = by[dim].get(value)
            if found is None:
                found = by[dim][value] = Counter()
            found[key] += n
        for group in groups:
            by["group"].setdefault(group, Counter())[key] += n
        agency = self.agencies.setdefault(str(v["ori"]), Agency(component, str(v["kind"])))
        agency.records += n
        agency.transitions[key] += n
        if v["serious_crime"]:
            self.serious[key] += n
        if IMMIGRATION in groups:
            self.immigration.setdefault(component, Counter())[key] += n
        if before != after:
            cls = (before, after, component, str(v["kind"]), str(v["mke"]), str(v["purpose"]))
            changed = self.changed.setdefault(cls, Changed())
            changed.records += n
            changed.oris.add(str(v["ori"]))
            changed.examples.update((row.first_seq, row.last_seq))

    def as_dict(self, names: dict[str, str], top: int) -> dict[str, Any]:
        return {
            "outcomes": dict(self.matrix),
            "changes": self.changes(),
            "breakdowns": {dim: _rows(found) for dim, found in self.by.items()},
            "agencies": self.most_affected(names, top),
            "serious_crime": _lines(self.serious),
            "immigration": {
                **_lines(sum(self.immigration.values(), Counter())),
                "by_component": {c: _lines(t) for c, t in sorted(self.immigration.items())},
            },
        }

    def changes(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = [
            {
                "from": before,
                "to": after,
                "component": component,
                "kind": kind,
                "mke": mke,
                "purpose": purpose,
                "records": changed.records,
                "agencies": len(changed.oris),
                "examples": sorted(changed.examples)[:EXAMPLES],
            }
            for (before, after, component, kind, mke, purpose), changed in self.changed.items()
        ]
        rows.sort(key=lambda r: (-r["records"], r["from"], r["to"], r["component"], r["mke"]))
        return rows

    def most_affected(self, names: dict[str, str], top: int) -> list[dict[str, Any]]:
        ranked = sorted(
            (a for a in self.agencies.items() if a[1].changed),
            key=lambda item: (-item[1].changed, -item[1].records, item[0]),
        )
        return [
            {
                "ori": ori,
                "name": names.get(ori, ""),
                "component": agency.component,
                "kind": agency.kind,
                "records": agency.records,
                "changed": agency.changed,
                "transitions": {k: n for k, n in sorted(agency.transitions.items()) if n},
            }
            for ori, agency in (ranked[:top] if top > 0 else ranked)
        ]


def _lines(found: Counter[str]) -> dict[str, Any]:
    return {
        "records": sum(found.values()),
        "lose": sum(n for k, n in found.items() if lost(k)),
        "gain": sum(n for k, n in found.items() if gained(k)),
        "transitions": {k: n for k, n in sorted(found.items()) if n},
    }


def _rows(found: dict[str, Counter[str]]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for key, transitions in found.items():
        changed = sum(n for k, n in transitions.items() if split(k)[0] != split(k)[1])
        rows.append(
            {
                "key": key,
                "records": sum(transitions.values()),
                "changed": changed,
                "transitions": {k: n for k, n in sorted(transitions.items()) if n},
            }
        )
    rows.sort(key=lambda r: (-r["changed"], -r["records"], r["key"]))
    return rows
