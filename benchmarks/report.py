"""Benchmark: a state's whole report over an audit log of 10 million records.

Reports read the Parquet copy of a state's audit log (``statelink.reports.table``). This
script writes such a copy with N synthetic records (DuckDB generates them, with the
columns and value mix of real ones: requester classes, components, message keys,
purposes, decisions, policies, a year of times), then times
``statelink.reports.report.build`` on it: every breakdown, the flow, the weekly trend,
top requesters, immigration access and policy sets.

    .venv/bin/python benchmarks/report.py                      # 10,000,000 records
    .venv/bin/python benchmarks/report.py --records 1000000 --runs 5 --json

It also times a refresh of the copy from a real audit log, if ``--data`` holds one (the
demo's): how many records per second the copy takes in. Run it by hand; the tests never
time anything.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from statelink.audit.log import AuditLog
from statelink.nation import Layout
from statelink.reports.report import build
from statelink.reports.table import AuditTable, write_parquet

SYNTHETIC = """
SELECT
    i AS seq,
    t AS time,
    t AS received_at,
    printf('%032X', hash(i)) AS message_id,
    ['RQ','RQ','RQ','DQ','DQ','KQ','DNQ','RNQ','RPQ'][1 + (h % 9)] AS mke,
    printf('%s%07d', ['NY','CA','TX','IL','FL','AZ','WA'][1 + (h // 7 % 7)], h % 2000) AS ori,
    CASE WHEN h % 1000 < 3 THEN 'FE' ELSE 'PD' END AS kind,
    CASE WHEN h % 1000 < 3 THEN 'DHS' ELSE '' END AS department,
    CASE WHEN h % 1000 = 0 THEN 'ICE' WHEN h % 1000 < 3 THEN 'HSI' ELSE '' END AS component,
    CASE WHEN h % 1000 < 3 THEN ['federal','dhs','immigration-enforcement']
         ELSE ['local-law-enforcement'] END AS groups,
    'WA' AS owner,
    CASE WHEN h % 9 < 5 THEN 'WA/vehicle' ELSE 'WA/driver' END AS dataset,
    ['C','C','T','T','W','M','J','A','I'][1 + (h // 13 % 9)] AS purpose,
    h % 50 = 0 AS has_warrant,
    CASE WHEN h % 50 = 0 THEN 'judicial' ELSE '' END AS warrant_kind,
    CASE WHEN h % 4 = 0 THEN '6499' ELSE '' END AS offense,
    h % 4 = 0 AS serious_crime, true AS certified, h % 20 = 0 AS in_state,
    false AS multi_state, false AS review_approved,
    CASE WHEN h % 1000 < 3 THEN 'deny' WHEN h % 97 = 0 THEN 'deny' ELSE 'permit' END AS decision,
    CASE WHEN h % 1000 < 3 THEN ['no-civil-immigration'] WHEN h % 97 = 0 THEN ['default-deny']
         ELSE ['cj-access'] END AS policies,
    CASE WHEN i < {n} // 2 THEN 'a1' ELSE 'b2' END AS policy_digest,
    CASE WHEN h % 1000 < 3 OR h % 97 = 0 THEN 'DENIED' WHEN h % 10 = 0 THEN 'NO_HIT'
         ELSE 'HIT' END AS status,
    CASE WHEN h % 1000 < 3 OR h % 97 = 0 OR h % 10 = 0 THEN 0 ELSE 1 END AS released,
    [printf('%064x', hash(i, 'r'))] AS records,
    CAST(100 + h % 400 AS BIGINT) AS latency_us,
    '' AS detail
FROM (
    SELECT i, CAST(hash(i) % 1000003 AS BIGINT) AS h,
           TIMESTAMP '2025-11-22'
               + to_microseconds(CAST(i * (365 * 86400000000 // {n}) AS BIGINT)) AS t
    FROM range({n}) r(i)
)
"""


def write_copy(folder: Path, n: int) -> AuditTable:
    table = AuditTable(folder)
    table.folder.mkdir(parents=True, exist_ok=True)
    write_parquet(SYNTHETIC.format(n=n), table.folder / f"part-{0:012d}-{n - 1:012d}.parquet")
    return table


def refresh_rate(data: Path) -> dict[str, object] | None:
    layout = Layout(data)
    state = max(
        (p.parent.name for p in (data / "states").glob("*/audit.sqlite")),
        key=lambda s: layout.audit(s).stat().st_size,
        default=None,
    )
    if state is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        log = AuditLog.open(state, layout.audit(state))
        try:
            started = time.perf_counter()
            count = AuditTable(Path(tmp)).refresh(log)
            seconds = time.perf_counter() - started
        finally:
            log.close()
    return {"state": state, "records": count, "records_per_second": round(count / seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data", type=Path, default=Path("statelink-data"))
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        table = write_copy(Path(tmp) / "analytics", args.records)
        written = time.perf_counter() - started
        size = sum(p.stat().st_size for _, _, p in table.parts())
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            made = build("WA", table)
            timings.append(time.perf_counter() - started)
        assert made["totals"]["requests"] == args.records
    result = {
        "benchmark": "state report over the Parquet copy of an audit log",
        "records": args.records,
        "parquet_mb": round(size / 1e6, 1),
        "write_copy_s": round(written, 1),
        "runs": args.runs,
        "report_s_median": round(statistics.median(timings), 3),
        "report_s_max": round(max(timings), 3),
        "report_s_first": round(timings[0], 3),
        "refresh_from_log": refresh_rate(args.data) if args.data.exists() else None,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:>20}  {value}")


if __name__ == "__main__":
    main()
