"""A policy partition as SQL: the columns DuckDB groups audit records by.

Each column is what a set of policies can know of one input of a decision, computed from
the Parquet copy's columns: the cell of a context attribute (which literal it equals,
which ``like`` patterns it matches; the value itself where it is used any other way),
the flags the policies read, and, for the requester snapshot, membership of every group
the policies name, the ORI where a policy names it, and each principal attribute's
cell. Records equal on every column are decided alike by every set of the partition.
"""

from __future__ import annotations

from dataclasses import dataclass

from statelink.policy.partition import Partition, Pattern, Use
from statelink.reports.table import quoted

FLAGS = ("has_warrant", "certified", "in_state", "multi_state", "review_approved")
STRINGS = {
    "offense": "offense",
    "warrant.kind": "warrant_kind",
    "reason": "reason",
    "case_number": "case_number",
    "warrant.id": "warrant_id",
    "warrant.court": "warrant_court",
}
"""Context strings and the copy's column for each."""
PRINCIPAL = {
    "ori": "ori",
    "state": "left(ori, 2)",
    "kind": "kind",
    "department": "department",
    "component": "component",
}
"""Principal attributes and their expression over the copy's snapshot columns."""


@dataclass(frozen=True)
class Column:
    name: str
    expression: str
    sample: str = ""  # the column whose value stands for the cell ("" when none is needed)


def like(pattern: Pattern) -> str:
    """A Cedar ``like`` pattern as a DuckDB LIKE pattern (escape ``\\``)."""
    out = []
    for part in pattern:
        if part is None:
            out.append("%")
        else:
            out.append("".join("\\" + c if c in "%_\\" else c for c in part))
    return quoted("".join(out))


def cells(name: str, expression: str, use: Use, sample: str = "") -> list[Column]:
    """The columns that put a string into its cell: the literal it equals (or NULL for
    none, "" kept apart), one per pattern; the value itself for a raw use."""
    if use.raw:
        return [Column(name, expression, sample)]
    literals = [quoted(v) for v in sorted(use.literals, key=repr) if isinstance(v, str)]
    known = f"{expression} IN ({', '.join(literals)}) OR " if literals else ""
    found = [Column(name, f"CASE WHEN {known}{expression} = '' THEN {expression} END", sample)]
    found += [
        Column(f"{name}_like_{n}", f"{expression} LIKE {like(p)} ESCAPE '\\'")
        for n, p in enumerate(sorted(use.patterns, key=repr))
    ]
    return found


def context_columns(partition: Partition) -> list[Column]:
    """The context the sets read: each flag, and each string's cell (with a sample)."""
    found = [Column(flag, flag) for flag in FLAGS if partition.reads(flag)]
    for path, column in STRINGS.items():
        if partition.reads(path):
            found += cells(f"c_{column}", column, partition.use(path), sample=column)
    for always in ("purpose", "serious_crime"):
        if partition.reads(always):
            found.append(Column(f"c_{always}", always))
    return found


def agency_columns(partition: Partition) -> list[Column]:
    """What the sets can tell of a requester snapshot (see ``domain.agency_key``)."""
    groups = "string_split(groups_key, ';')"
    found = [
        Column(f"a_group_{n}", f"list_contains({groups}, {quoted(group)})")
        for n, group in enumerate(sorted(partition.groups))
    ]
    if partition.principal_raw:
        found.append(Column("a_ori", "ori"))
    elif partition.agencies:
        named = ", ".join(quoted(o) for o in sorted(partition.agencies))
        found.append(Column("a_ori", f"CASE WHEN ori IN ({named}) THEN ori ELSE '' END"))
    for attr in sorted(partition.principal):
        expression = PRINCIPAL.get(attr, "''")
        found += cells(f"a_{attr}", expression, partition.principal[attr])
    return found
