"""Benchmark: what a policy set would change, at scale.

1. **Replay** (``policy simulate``) of a state's audit log of N records, next to DuckDB's
   plain ``GROUP BY`` of the same records over the same Parquet copy, alternating, in
   one run. The records follow the demo's calibrated traffic mix (``statelink.traffic``)
   for WA: a base of distinct queries drawn from the mix and decided by WA's template,
   repeated over a year by DuckDB. Run it at 1M and 10M with the same mix to see the
   replay's cost follow the distinct decision inputs, not the records.
2. **Diff** of two templates over the whole demo directory (5,423 agencies), timed.

    .venv/bin/python benchmarks/policy_impact.py                     # 10M records
    .venv/bin/python benchmarks/policy_impact.py --records 1000000 --runs 5 --json

Run it by hand; the tests never time anything.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import platform
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from statelink.directory import Directory, seed_directory
from statelink.impact import diff, simulate
from statelink.impact.columns import FLAGS
from statelink.impact.inputs import ALWAYS
from statelink.policy.engine import PolicyEngine, Request, derive_context
from statelink.policy.entities import entities
from statelink.policy.policies import Policies
from statelink.policy.settings import DEFAULT_SERIOUS_CRIME, Snapshot
from statelink.policy.templates import POLICY_FILE, render
from statelink.reports.report import Period
from statelink.reports.table import AuditTable, quoted, write_parquet
from statelink.simulation import Sample, message_for
from statelink.states import CODES
from statelink.traffic import RequesterMix

STATE = "WA"
BASE = 50_000  # distinct queries drawn from the mix; the records repeat them


def template(name: str) -> Policies:
    return Policies.from_files({POLICY_FILE: render(name, STATE)[POLICY_FILE]})


def base_rows(
    directory: Directory, policies: Policies, seed: int, size: int = BASE
) -> list[dict[str, Any]]:
    """Queries to WA drawn from the calibrated mix, decided by WA's set as a node would."""
    rng = random.Random(seed)
    mix = RequesterMix(directory)
    engine = PolicyEngine(policies, entities(directory))
    serious = tuple((first, last) for first, last, _ in DEFAULT_SERIOUS_CRIME)
    rows: list[dict[str, Any]] = []
    one = Sample([("A1234567", "DOE, JANE", "19800101")], [("ABC1234", "1" * 17, "DOE, JANE")])
    samples = dict.fromkeys(CODES, one)  # search values only: nothing is searched
    while len(rows) < size:
        query = mix.draw(rng)
        agency = directory.require(query.ori)
        if agency.state == STATE:
            continue
        dest = query.dest if query.dest == ("NL",) else (STATE,)
        message = message_for(dataclasses.replace(query, dest=dest), rng, samples)
        certified = rng.random() > 0.02  # one agency in fifty without a certification
        forever = [(dt.date(2000, 1, 1), dt.date(2100, 1, 1))]
        snapshot = Snapshot(serious, {agency.ori: forever} if certified else {})
        context = derive_context(message, agency, STATE, snapshot, today=dt.date(2026, 6, 1))
        dataset = f"{STATE}/{message.key.dataset}"
        decision = engine.decide(Request(agency.ori, message.mke, dataset, context))
        warrant = context["warrant"]
        rows.append(
            {
                "mke": message.mke,
                "ori": agency.ori,
                "kind": agency.kind,
                "department": agency.department,
                "component": agency.component,
                "groups": list(agency.groups),
                "dataset": dataset,
                "purpose": context["purpose"],
                "reason": context["reason"],
                "has_warrant": context["has_warrant"],
                "warrant_kind": warrant["kind"],
                "warrant_id": warrant["id"],
                "warrant_court": warrant["court"],
                "case_number": context["case_number"],
                "offense": context["offense"],
                "serious_crime": context["serious_crime"],
                "certified": context["certified"],
                "in_state": context["in_state"],
                "multi_state": context["multi_state"],
                "decision": decision.outcome.value,
                "policies": list(decision.policy_ids),
                "policy_digest": decision.digest,
            }
        )
    return rows


def write_copy(folder: Path, base: list[dict[str, Any]], n: int) -> AuditTable:
    """N records repeating the base rows over a year, as the Parquet copy of a log."""
    table = AuditTable(folder)
    table.folder.mkdir(parents=True, exist_ok=True)
    staged = folder / "base.json"
    staged.write_text(json.dumps([{"b": i, **row} for i, row in enumerate(base)]))
    source = f"""
        SELECT i AS seq, t AS time, t AS received_at, printf('%032X', hash(i)) AS message_id,
               b.mke, b.ori, b.kind, b.department, b.component, b.groups, '{STATE}' AS owner,
               b.dataset, b.purpose, b.reason, b.has_warrant, b.warrant_kind, b.warrant_id,
               b.warrant_court, b.case_number, b.offense, b.serious_crime, b.certified,
               b.in_state, b.multi_state, false AS review_approved, b.decision, b.policies,
               b.policy_digest,
               CASE b.decision WHEN 'permit' THEN 'HIT' WHEN 'hold' THEN 'HELD'
                    ELSE 'DENIED' END AS status,
               CASE b.decision WHEN 'permit' THEN 1 ELSE 0 END AS released,
               CAST([] AS VARCHAR[]) AS records, CAST(300 AS BIGINT) AS latency_us, '' AS detail
        FROM (SELECT i, CAST(hash(i) % {len(base)} AS BIGINT) AS pick,
                     TIMESTAMP '2025-11-01'
                       + to_microseconds(CAST(i * (365 * 86400000000 // {n}) AS BIGINT)) AS t
              FROM range({n}) r(i)) r
        JOIN read_json({quoted(staged)}) b ON b.b = r.pick
    """
    write_parquet(source, table.folder / f"part-{0:012d}-{n - 1:012d}.parquet")
    staged.unlink()
    return table


PLAIN = (*ALWAYS, "decision", "policy_digest", *FLAGS, "warrant_kind", "offense")
"""The baseline's columns: the requester, the key and every bounded context column."""


def group_by(table: AuditTable) -> float:
    """DuckDB's plain GROUP BY over the copy, by the columns a decision can depend on."""
    started = time.perf_counter()
    with duckdb.connect() as con:
        con.execute(
            f"SELECT {', '.join(PLAIN)}, count(*) FROM {table.source} GROUP BY ALL"
        ).fetchall()
    return time.perf_counter() - started


def replay(table: AuditTable, candidate: Policies, logged: Policies) -> tuple[float, int, int, int]:
    started = time.perf_counter()
    done = simulate(
        STATE,
        table,
        candidate,
        lambda digest: logged,
        period=Period(),
        label="template:ny",
    )
    seconds = time.perf_counter() - started
    assert done.reproduced == done.records, "the replay must reproduce the logged decisions"
    return seconds, done.records, done.inputs, done.evaluations


def summary(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--diff-runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument(
        "--base", type=int, default=BASE, help="distinct queries drawn from the mix"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()
    if args.records < 1 or args.runs < 1 or args.base < 1 or args.diff_runs < 0:
        parser.error("--records, --runs and --base must be 1 or more, --diff-runs 0 or more")
    directory = seed_directory()
    wa, ny = template("wa"), template("ny")
    base = base_rows(directory, wa, args.seed, args.base)
    result: dict[str, Any] = {
        "benchmark": "policy impact",
        "records": args.records,
        "base_queries": args.base,
    }
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        table = write_copy(Path(tmp) / "analytics", base, args.records)
        result["write_copy_s"] = round(time.perf_counter() - started, 1)
        result["parquet_mb"] = round(sum(p.stat().st_size for *_, p in table.parts()) / 1e6, 1)
        grouped, replayed, ratios = [], [], []
        inputs = evaluations = 0
        for _ in range(args.runs):  # side by side: the baseline, then the replay
            g = group_by(table)
            seconds, records, inputs, evaluations = replay(table, ny, wa)
            assert records == args.records
            grouped.append(g)
            replayed.append(seconds)
            ratios.append(seconds / g)
    result["group_by_s"] = summary(grouped)
    result["replay_s"] = summary(replayed)
    result["replay_over_group_by"] = summary(ratios)
    result["distinct_inputs"] = inputs
    result["evaluations"] = evaluations
    timings = []
    for _ in range(args.diff_runs):
        started = time.perf_counter()
        found = diff(wa, ny, list(directory), entities(directory), state=STATE)
        timings.append(time.perf_counter() - started)
        result["diff_points"] = found.points
        result["diff_evaluated"] = found.evaluated
    if timings:
        result["diff_wa_ny_s"] = summary(timings)
    result.update(cpus=os.cpu_count(), python=platform.python_version(), duckdb=duckdb.__version__)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:>22}  {value}")


if __name__ == "__main__":
    main()
