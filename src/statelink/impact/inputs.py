"""A state's decided audit records, grouped by DuckDB into distinct decision inputs.

A replay must not cost Python work per record. DuckDB reads the Parquet copy of the
audit log once and groups the decided records (decision ``permit``, ``deny`` or
``hold``; review steps are not decisions) twice over, in temporary tables:

- ``g``: by the requester snapshot, message key, purpose, serious crime and logged
  decision (what the report breaks down by), and the columns of
  :mod:`statelink.impact.columns` (what the policies can tell apart);
- ``d``: ``g``'s rows by those columns alone with the logged set, decision and deciding
  policies: the **distinct decision inputs**. Python decides each once (with a requester
  of the class as it was logged), and DuckDB counts the outcomes over ``g``.

The weekly counts of held requests and the list of records that do not reproduce read
the records again, only those of the inputs concerned.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from statelink.directory import Agency
from statelink.impact.columns import FLAGS, Column, agency_columns, context_columns
from statelink.policy.context import Context
from statelink.policy.partition import Partition
from statelink.reports.report import Period, connect
from statelink.reports.table import AuditTable, quoted

DECIDED = ("permit", "deny", "hold")
SNAPSHOT = ("ori", "kind", "department", "component", "groups_key")
ALWAYS = (*SNAPSHOT, "mke", "dataset", "purpose", "serious_crime")
LOGGED = ("policy_digest", "decision", "policies_key")


@dataclass(frozen=True)
class DecisionInput:
    """Records the sets cannot tell apart, logged with one set, decision and policies."""

    id: int
    requester: Agency  # one of them, as the record logged it
    mke: str
    dataset: str
    context: Context  # as logged; an attribute no set reads has a placeholder
    key: tuple[Any, ...]  # what the candidate's decision depends on
    digest: str
    decision: str
    policies: tuple[str, ...]
    records: int


class HeldWeek(TypedDict):
    week: str  # its Monday, ISO
    before: int
    after: int


CONTEXT = """struct_pack(
    purpose := {purpose}, reason := {s_reason}, has_warrant := {has_warrant},
    warrant := struct_pack(kind := {s_warrant_kind}, id := {s_warrant_id},
                           court := {s_warrant_court}),
    case_number := {s_case_number}, offense := {s_offense},
    serious_crime := {c_serious_crime}, certified := {certified},
    review_approved := {review_approved}, in_state := {in_state}, multi_state := {multi_state})"""
"""The context of an input (``d``'s row) as a :class:`Context`."""


def _context_sql(present: set[str]) -> str:
    """:data:`CONTEXT` over the columns ``d`` has; an attribute it lacks (no set reads
    it) gets a placeholder: purpose C, empty text, false."""

    def pick(column: str, default: str) -> str:
        return f"coalesce({column}, {default})" if column in present else default

    strings = ("reason", "warrant_kind", "warrant_id", "warrant_court", "case_number", "offense")
    return CONTEXT.format(
        purpose="coalesce(nullif(c_purpose, ''), 'C')" if "c_purpose" in present else "'C'",
        c_serious_crime=pick("c_serious_crime", "false"),
        **{f"s_{name}": pick(f"s_{name}", "''") for name in strings},
        **{flag: pick(flag, "false") for flag in FLAGS},
    )


def _requester(who: dict[str, str | None]) -> Agency:
    """The requester snapshot DuckDB picked for an input."""
    groups = str(who["groups_key"] or "")
    ori = str(who["ori"])
    return Agency(
        ori,
        "",
        ori[:2],
        str(who["kind"]),
        str(who["department"]),
        str(who["component"]),
        tuple(groups.split(";")) if groups else (),
    )


class Inputs:
    """The distinct decision inputs of a state's records in a period (a DuckDB session)."""

    def __init__(self, table: AuditTable, period: Period) -> None:
        self.con = connect(table, period)
        decided = ", ".join(quoted(d) for d in DECIDED)
        self.con.execute(
            f"CREATE VIEW decided AS SELECT * FROM requests WHERE decision IN ({decided})"
        )
        self._fine: list[str] = []  # g's grouping columns
        self._projection = ""  # their expressions over the copy

    def close(self) -> None:
        self.con.close()

    def digests(self) -> dict[str, int]:
        """Each policy-set digest the period's decided records name, with their count."""
        rows = self.con.execute(
            "SELECT policy_digest, count(*) FROM decided GROUP BY ALL ORDER BY 2 DESC"
        ).fetchall()
        return {str(digest): int(n) for digest, n in rows}

    def group(self, partition: Partition, *, plain_ids: bool = True) -> list[DecisionInput]:
        """Group the records (one scan) and return the distinct decision inputs.

        The logged deciding policies are grouped by their ``;``-joined ids, or, where an
        ``@id`` of the sets holds a ``;`` (``plain_ids`` false), by their JSON list.
        """
        columns = [*context_columns(partition), *agency_columns(partition)]
        ids = "policies_key" if plain_ids else "to_json(policies) AS policies_key"
        projection = [*ALWAYS, "policy_digest", "decision", ids]
        projection += [f"{c.expression} AS {c.name}" for c in columns]
        samples = {c.sample for c in columns if c.sample}
        picked = "".join(f", min({s}) AS s_{s}" for s in sorted(samples))
        self.con.execute(
            f"""CREATE TEMP TABLE g AS
                SELECT {", ".join(projection)}, count(*) AS n, min(seq) AS lo, max(seq) AS hi
                       {picked}
                FROM decided GROUP BY ALL"""
        )
        self._fine = [*ALWAYS, *LOGGED, *(c.name for c in columns)]
        self._projection = ", ".join(projection)
        return self._inputs(columns, samples, plain_ids)

    def _inputs(
        self, columns: list[Column], samples: set[str], plain_ids: bool
    ) -> list[DecisionInput]:
        deciding = ["mke", "dataset", *(c.name for c in columns)]
        keys = ", ".join([*deciding, *LOGGED])
        who = "struct_pack(" + ", ".join(f"{c} := {c}" for c in SNAPSHOT) + ")"
        picked = "".join(f", min(s_{s}) AS s_{s}" for s in sorted(samples))
        self.con.execute(
            f"""CREATE TEMP TABLE d AS
                SELECT row_number() OVER () AS did, *
                FROM (SELECT {keys}, sum(n) AS n, arg_min({who}, lo) AS who{picked}
                      FROM g GROUP BY ALL)"""
        )
        same = " AND ".join(f"g.{k} IS NOT DISTINCT FROM d.{k}" for k in [*deciding, *LOGGED])
        self.con.execute(f"CREATE TEMP TABLE gd AS SELECT g.*, d.did FROM g JOIN d ON {same}")
        present = {c.name for c in columns} | {f"s_{s}" for s in samples}
        rows = self.con.execute(
            f"""SELECT did, who, policy_digest, decision, policies_key, n,
                       {_context_sql(present)}, {", ".join(deciding)}
                FROM d ORDER BY did"""
        ).fetchall()
        return [
            DecisionInput(
                id=int(did),
                requester=_requester(who),
                mke=str(key[0]),
                dataset=str(key[1]),
                context=context,
                key=tuple(key),
                digest=str(digest or ""),
                decision=str(decision),
                policies=tuple(
                    json.loads(ids) if not plain_ids else (p for p in (ids or "").split(";") if p)
                ),
                records=int(n),
            )
            for did, who, digest, decision, ids, n, context, *key in rows
        ]

    def settle(self, after: dict[int, str]) -> None:
        """Record each input's outcome under the candidate (view ``t``: ``g`` with it)."""
        self.con.execute(
            "CREATE TEMP TABLE r AS SELECT unnest($1::BIGINT[]) AS did, "
            "unnest($2::VARCHAR[]) AS after",
            [list(after), list(after.values())],
        )
        self.con.execute("CREATE VIEW t AS SELECT gd.*, r.after FROM gd JOIN r USING (did)")

    def weekly(self) -> list[HeldWeek]:
        """Per week, the requests held before (as logged) and after (by the candidate)."""
        chosen = "SELECT * FROM t WHERE decision = 'hold' OR after = 'hold'"
        same = " AND ".join(f"x.{k} IS NOT DISTINCT FROM c.{k}" for k in self._fine)
        rows = self.con.execute(
            f"""WITH c AS ({chosen})
                SELECT x.week, count(*) FILTER (WHERE c.decision = 'hold') AS before,
                       count(*) FILTER (WHERE c.after = 'hold') AS after
                FROM (SELECT week, {self._projection} FROM decided
                      WHERE ori IN (SELECT ori FROM c)) x
                JOIN c ON {same}
                GROUP BY x.week ORDER BY x.week"""
        ).fetchall()
        return [
            {"week": week.isoformat(), "before": int(before), "after": int(after)}
            for week, before, after in rows
        ]

    def seqs(self, ids: Sequence[int], limit: int) -> list[tuple[int, int]]:
        """(seq, input id) of the records of these inputs, at most ``limit``, by seq."""
        if not ids:
            return []
        same = " AND ".join(f"x.{k} IS NOT DISTINCT FROM c.{k}" for k in self._fine)
        rows = self.con.execute(
            f"""WITH c AS (SELECT * FROM gd WHERE did IN (SELECT unnest($1::BIGINT[])))
                SELECT x.seq, c.did
                FROM (SELECT seq, {self._projection} FROM decided
                      WHERE ori IN (SELECT ori FROM c)) x
                JOIN c ON {same} ORDER BY x.seq LIMIT {int(limit)}""",
            [list(ids)],
        ).fetchall()
        return [(int(seq), int(i)) for seq, i in rows]
