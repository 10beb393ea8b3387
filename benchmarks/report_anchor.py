"""Benchmark: what checking a report's copy against the signed audit log costs.

Builds (once, then reuses with ``--keep``) a real audit log of N synthetic records (their
canonical JSON, with the fields and value mix of real ones, written straight into the
log's tables with every tree node and one signed checkpoint, as ``audit_proof.py`` does)
and its Parquet copy, then times side by side, over several runs:

- ``plain``: the whole report on the copy (``report.build``), as before anchoring;
- ``anchored``: the same report after ``anchor`` when every part is sealed at the latest
  checkpoint: the cost every report pays (files' SHA-256, the checkpoint's signature
  and root);
- ``from_scratch``: ``anchor`` with no seals: each part checked record by record against
  the log's leaves and tree (the one-time cost, once per part).

    .venv/bin/python benchmarks/report_anchor.py --records 1000000
    .venv/bin/python benchmarks/report_anchor.py --records 10000000 --dir /var/tmp/anchor --keep

Run it by hand; the tests never time anything.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from statelink.audit import AuditLog, NodeKeys
from statelink.audit.log import CheckpointRow, now
from statelink.audit.merkle import CompactRange, leaf_hash
from statelink.audit.record import canonical
from statelink.reports.anchor import anchor
from statelink.reports.report import build
from statelink.reports.seal import SEALS_FILE
from statelink.reports.table import AuditTable

BATCH = 50_000
ORIS = [f"{s}{n:07d}" for s in ("NY", "CA", "TX", "IL", "FL", "AZ", "OR") for n in range(300)]
MKES = ["RQ", "RQ", "RQ", "DQ", "DQ", "KQ", "DNQ", "RNQ", "RPQ"]
PURPOSES = ["C", "C", "T", "T", "W", "M", "J", "A", "I"]


def record(seq: int, rng: random.Random) -> dict[str, Any]:
    """One logged record's JSON, as the audit service writes it."""
    federal = rng.random() < 0.003
    deny = federal or rng.random() < 0.01
    hit = not deny and rng.random() < 0.9
    second = 1_764_000_000 + seq * 3
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
    return {
        "context": {
            "case_number": f"2026-{rng.randrange(10**6):06d}",
            "certified": True,
            "has_warrant": rng.random() < 0.02,
            "in_state": rng.random() < 0.05,
            "multi_state": False,
            "offense": rng.choice(["", "5707", "6499", "1399"]),
            "purpose": rng.choice(PURPOSES),
            "reason": "",
            "review_approved": False,
            "serious_crime": rng.random() < 0.25,
            "warrant": {"court": "", "id": "", "kind": ""},
        },
        "control": "",
        "dataset": rng.choice(["WA/vehicle", "WA/driver"]),
        "decision": "deny" if deny else "permit",
        "detail": "",
        "latency_us": rng.randrange(100, 900),
        "message_id": f"{rng.getrandbits(128):032X}",
        "mke": rng.choice(MKES),
        "node": "WA",
        "operator": "",
        "owner": "WA",
        "policies": [
            "no-civil-immigration" if federal else "default-deny" if deny else "cj-access"
        ],
        "policy_digest": "a1" * 32 if seq % 2 else "b2" * 32,
        "received_at": f"{stamp}.000+00:00",
        "records": [f"{rng.getrandbits(256):064x}"] if hit else [],
        "released": 1 if hit else 0,
        "requester": {
            "component": "ICE" if federal else "",
            "department": "DHS" if federal else "",
            "groups": ["federal", "immigration-enforcement"]
            if federal
            else ["local-law-enforcement"],
            "kind": "FE" if federal else "PD",
            "ori": rng.choice(ORIS),
        },
        "search": f"{rng.getrandbits(256):064x}",
        "seq": seq,
        "status": "DENIED" if deny else "HIT" if hit else "NO_HIT",
        "time": f"{stamp}.100Z",
        "v": 1,
    }


def build_log(folder: Path, n: int) -> None:
    log = AuditLog.open("WA", folder / "audit.sqlite")
    keys = NodeKeys.load("WA", folder / "keys")
    compact = CompactRange()
    rng = random.Random(7)
    rows: list[tuple[Any, ...]] = []
    nodes: list[tuple[int, int, bytes]] = []
    for seq in range(n):
        data = record(seq, rng)
        leaf = canonical(data)
        nodes.extend(compact.append(leaf_hash(leaf)))
        rows.append((seq, leaf))  # RECORD_COLUMNS: seq, leaf
        if len(rows) >= BATCH:
            log.write(rows, nodes, None)
            rows, nodes = [], []
    root = compact.root()
    log.write(rows, nodes, CheckpointRow(n, root, now(), keys.signer.checkpoint(n, root)))
    log.close()


def timed(runs: int, step: Callable[[], object]) -> list[float]:
    found = []
    for _ in range(runs):
        started = time.perf_counter()
        step()
        found.append(time.perf_counter() - started)
    return found


def summary(timings: list[float]) -> dict[str, float]:
    return {
        "median_s": round(statistics.median(timings), 3),
        "min_s": round(min(timings), 3),
        "max_s": round(max(timings), 3),
    }


def measure(folder: Path, runs: int, scratch_runs: int) -> dict[str, object]:
    log = AuditLog.open("WA", folder / "audit.sqlite")
    keys = NodeKeys.load("WA", folder / "keys", create=False)
    table = AuditTable(folder / "analytics")
    started = time.perf_counter()
    copied = table.refresh(log)
    refresh_s = time.perf_counter() - started
    seals = table.folder / SEALS_FILE

    def from_scratch() -> None:
        seals.unlink(missing_ok=True)
        anchor(table, log, keys, lambda size: ())

    scratch = timed(scratch_runs, from_scratch)
    pinned = anchor(table, log, keys, lambda size: ()).table
    plain = timed(runs, lambda: build("WA", pinned))
    anchored = timed(runs, lambda: build("WA", anchor(table, log, keys, lambda size: ()).table))
    check = timed(runs, lambda: anchor(table, log, keys, lambda size: ()))
    log.close()
    size = sum(p.stat().st_size for _, _, p in table.parts())
    return {
        "benchmark": "a state's report, with its copy checked against the signed audit log",
        "records": table.size(),
        "parts": len(table.parts()),
        "parquet_mb": round(size / 1e6, 1),
        "refresh_s (copied now)": round(refresh_s, 1) if copied else "already copied",
        "plain_report": summary(plain),
        "anchored_report": summary(anchored),
        "anchor_check_alone": summary(check),
        "anchor_from_scratch": summary(scratch),
        "runs": runs,
        "scratch_runs": scratch_runs,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scratch-runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None, help="where to build the log")
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the log")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="statelink-anchor-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        log = AuditLog.open("WA", folder / "audit.sqlite")
        latest = log.latest_checkpoint()
        log.close()
        if latest is None or latest.size != args.records:
            for old in [*folder.glob("audit.sqlite*"), folder / "analytics"]:
                shutil.rmtree(old) if old.is_dir() else old.unlink(missing_ok=True)
            started = time.perf_counter()
            build_log(folder, args.records)
            print(
                f"built a log of {args.records:,} records in {time.perf_counter() - started:.0f} s"
            )
        result = measure(folder, args.runs, args.scratch_runs)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:>24}  {value}")


if __name__ == "__main__":
    main()
