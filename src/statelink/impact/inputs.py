"""A state's decided audit records, grouped by DuckDB into distinct decision inputs.

A replay must not cost a policy evaluation per record. DuckDB reads the Parquet copy of
the audit log once and groups the decided records (decision ``permit``, ``deny`` or
``hold``; review steps are not decisions) by everything a decision can depend on: the
requester snapshot, the message key and dataset, and each context attribute a policy
set reads. An unbounded attribute compared only with literals is grouped by which
literal it equals (its values are otherwise alike to the policies); one used any other
way is grouped by value. The logged decision, deciding policies and policy-set digest
are part of the group. Python receives one row per input; the weekly counts of held
requests read again only the records of the inputs that were or would be held.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from statelink.policy.partition import Partition, Pattern
from statelink.reports.report import Period, connect
from statelink.reports.table import AuditTable, quoted

DECIDED = ("permit", "deny", "hold")
ALWAYS = (
    "ori",
    "kind",
    "department",
    "component",
    "groups_key",
    "mke",
    "dataset",
    "purpose",
    "has_warrant",
    "warrant_kind",
    "offense",
    "serious_crime",
    "certified",
    "in_state",
    "multi_state",
    "review_approved",
    "decision",
    "policies_key",
    "policy_digest",
)
"""Columns every input is grouped by: the snapshot, the key, the bounded context, the log."""
UNBOUNDED = {
    "reason": "reason",
    "case_number": "case_number",
    "warrant.id": "warrant_id",
    "warrant.court": "warrant_court",
}
"""Unbounded context attributes and their columns, grouped by only when a set reads them."""


@dataclass(frozen=True)
class Input:
    """Records that share every decision input (and their logged decision)."""

    id: int
    values: dict[str, Any]  # the ALWAYS columns, and each read unbounded attribute
    records: int
    first_seq: int
    last_seq: int
    groups: tuple[str, ...]  # the requester's groups (``groups_key`` split)
    policies: tuple[str, ...]  # the deciding policies logged

    def context(self) -> dict[str, Any]:
        """The Cedar context these records were decided in, as logged."""
        v = self.values
        return {  # the schema's attributes, as the record logged them
            "purpose": v["purpose"],
            "reason": v.get("reason", ""),
            "has_warrant": v["has_warrant"],
            "warrant": {
                "kind": v["warrant_kind"],
                "id": v.get("warrant_id", ""),
                "court": v.get("warrant_court", ""),
            },
            "case_number": v.get("case_number", ""),
            "offense": v["offense"],
            "serious_crime": v["serious_crime"],
            "certified": v["certified"],
            "review_approved": v["review_approved"],
            "in_state": v["in_state"],
            "multi_state": v["multi_state"],
        }


def _like(pattern: Pattern) -> str:
    """A Cedar ``like`` pattern as a DuckDB LIKE pattern (escape ``\\``)."""
    out = []
    for part in pattern:
        if part is None:
            out.append("%")
        else:
            out.append("".join("\\" + c if c in "%_\\" else c for c in part))
    return quoted("".join(out))


def _grouping(partition: Partition) -> list[tuple[str, str, str]]:
    """(name, group expression, representative expression) of each unbounded column read."""
    found = []
    for path, column in UNBOUNDED.items():
        if not partition.reads(path):
            continue
        use = partition.use(path)
        if use.raw:
            found.append((column, column, column))
            continue
        literals = [quoted(v) for v in sorted(use.literals, key=repr) if isinstance(v, str)]
        known = f"{column} IN ({', '.join(literals)}) OR " if literals else ""
        group = f"CASE WHEN {known}{column} = '' THEN {column} END"
        found.append((f"class_{column}", group, column))
        for n, pattern in enumerate(sorted(use.patterns, key=repr)):
            found.append((f"like_{column}_{n}", f"{column} LIKE {_like(pattern)} ESCAPE '\\'", ""))
    return found


class Inputs:
    """The distinct decision inputs of a state's records in a period (a DuckDB session)."""

    def __init__(self, table: AuditTable, period: Period) -> None:
        self._con = connect(table, period)
        decided = ", ".join(quoted(d) for d in DECIDED)
        self._con.execute(
            f"CREATE VIEW decided AS SELECT * FROM requests WHERE decision IN ({decided})"
        )
        self._keys: list[str] = []
        self._groups = ""

    def close(self) -> None:
        self._con.close()

    def digests(self) -> dict[str, int]:
        """Each policy-set digest the period's decided records name, with their count."""
        rows = self._con.execute(
            "SELECT policy_digest, count(*) FROM decided GROUP BY ALL ORDER BY 2 DESC"
        ).fetchall()
        return {str(digest): int(n) for digest, n in rows}

    def group(self, partition: Partition, *, plain_ids: bool = True) -> list[Input]:
        """Group the records (one scan) and return one row per distinct input.

        The logged deciding policies are grouped by their ``;``-joined ids, or, where an
        ``@id`` of the sets holds a ``;`` (``plain_ids`` false), by their JSON list.
        """
        extra = _grouping(partition)
        keys = [*ALWAYS, *(name for name, _, _ in extra)]
        always = [
            c if c != "policies_key" or plain_ids else f"to_json(policies) AS {c}" for c in ALWAYS
        ]
        groups = ", ".join([*always, *(f"{expr} AS {name}" for name, expr, _ in extra)])
        samples = "".join(f", min({rep}) AS sample_{name}" for name, _, rep in extra if rep)
        self._con.execute(
            f"""CREATE TEMP TABLE inputs AS
                SELECT row_number() OVER () AS id, *
                FROM (SELECT {groups}, count(*) AS n, min(seq) AS lo, max(seq) AS hi{samples}
                      FROM decided GROUP BY ALL)"""
        )
        self._keys, self._groups = keys, groups
        cursor = self._con.execute("SELECT * FROM inputs ORDER BY id")
        names = [d[0] for d in cursor.description or ()]
        found = []
        split: dict[str, tuple[str, ...]] = {}
        for row in cursor.fetchall():
            data = dict(zip(names, row, strict=True))
            values = {k: data[k] for k in ALWAYS}
            for name, _, rep in extra:
                if rep:
                    values[rep] = data[f"sample_{name}"]
            key = str(data["groups_key"] or "")
            if key not in split:
                split[key] = tuple(key.split(";")) if key else ()
            ids = str(data["policies_key"] or "")
            policies = tuple(json.loads(ids) if not plain_ids else (p for p in ids.split(";") if p))
            found.append(
                Input(
                    int(data["id"]),
                    values,
                    int(data["n"]),
                    int(data["lo"]),
                    int(data["hi"]),
                    split[key],
                    policies,
                )
            )
        return found

    def weekly(self, ids: dict[str, Sequence[int]]) -> list[dict[str, Any]]:
        """Per week, the records of each named set of inputs (``{"before": [ids]}``); only
        the records of those inputs are read again."""
        wanted = sorted({i for chosen in ids.values() for i in chosen})
        if not wanted:
            return []
        sums = ", ".join(
            f"count(*) FILTER (WHERE i.id IN (SELECT unnest(${n + 2}::BIGINT[]))) "
            f"AS {quoted_name(name)}"
            for n, name in enumerate(ids)
        )
        cursor = self._con.execute(
            f"""WITH chosen AS (SELECT * FROM inputs WHERE id IN (SELECT unnest($1::BIGINT[])))
                SELECT d.week, {sums}
                FROM (SELECT week, {self._groups} FROM decided
                      WHERE ori IN (SELECT ori FROM chosen)) d
                JOIN chosen i ON {self._same("d", "i")}
                GROUP BY d.week ORDER BY d.week""",
            [wanted, *(list(v) for v in ids.values())],
        )
        names = [d[0] for d in cursor.description or ()]
        return [
            {
                name: value.isoformat() if name == "week" else int(value)
                for name, value in zip(names, row, strict=True)
            }
            for row in cursor.fetchall()
        ]

    def seqs(self, ids: Sequence[int], limit: int) -> list[tuple[int, int]]:
        """(seq, input id) of the records of these inputs, at most ``limit``, by seq."""
        if not ids or not self._keys:
            return []
        rows = self._con.execute(
            f"""SELECT d.seq, i.id FROM (SELECT seq, {self._groups} FROM decided) d
                JOIN inputs i ON {self._same("d", "i")}
                WHERE i.id IN (SELECT unnest($1::BIGINT[])) ORDER BY d.seq LIMIT {int(limit)}""",
            [list(ids)],
        ).fetchall()
        return [(int(seq), int(i)) for seq, i in rows]

    def _same(self, left: str, right: str) -> str:
        """Rows of two relations with the same input (a NULL class equals a NULL class)."""
        return " AND ".join(
            f"{left}.{key} IS NOT DISTINCT FROM {right}.{key}" for key in self._keys
        )


def quoted_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
