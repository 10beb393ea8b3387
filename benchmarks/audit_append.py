"""Benchmark: durable audit appends per second, with group commit.

Many concurrent appenders (as a busy node has) append realistic records to a fresh log
through the audit service (its own process); each append returns only when its record is
committed durably (SQLite WAL, ``synchronous=FULL``). Reports appends per second and the
append latency, as the node sees them.

    .venv/bin/python benchmarks/audit_append.py                  # 100,000 appends, 256 at once
    .venv/bin/python benchmarks/audit_append.py --concurrency 64 --json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

from statelink.audit import AuditLog, AuditService, build_entry
from statelink.audit.record import Entry
from statelink.directory import seed_directory
from statelink.messages import decode
from statelink.messages.envelope import Envelope


def _entries(count: int) -> list[Entry]:
    directory = seed_directory()
    agency = directory.require("NY0303000")
    message = decode("DQ.NY0303000.WA.OLN/WDL12345678.PUR/C.OFF/1299.CAS/2025-000123.")
    context = {
        "purpose": "C",
        "reason": "",
        "has_warrant": False,
        "warrant": {"kind": "", "id": "", "court": ""},
        "case_number": "2025-000123",
        "offense": "1299",
        "serious_crime": True,
        "certified": True,
        "review_approved": False,
        "in_state": False,
        "multi_state": False,
    }
    entries = []
    for n in range(count):
        envelope = Envelope(
            message_id=f"{n:032X}", message=message, received_at="2026-11-22T20:00:00.000Z"
        )
        entries.append(
            build_entry(
                node="WA",
                envelope=envelope,
                agency=agency,
                dataset="WA/driver",
                context=context,
                decision="permit",
                policies=["cj-access"],
                policy_digest="8434f6367bb3" * 5,
                status="HIT",
                released=1,
                subjects=[f"driver:WDL{n:09d}"],
                search=f"DQ:OLN=WDL{n:09d}",
                operator="",
                latency_ms=0.4,
            )
        )
    return entries


async def _run(folder: Path, count: int, concurrency: int) -> dict[str, object]:
    service = AuditService(lambda state: (folder / "audit.sqlite", folder / "keys"))
    entries = _entries(count)
    latencies: list[float] = []

    async def appender(part: list[Entry]) -> None:
        for entry in part:
            started = time.perf_counter()
            await service.append("WA", entry)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(appender(entries[i::concurrency]) for i in range(concurrency)))
    elapsed = time.perf_counter() - started
    await service.aclose()
    log = AuditLog.open("WA", folder / "audit.sqlite")
    size = log.size()
    checkpoints = len(log.checkpoints())
    log.close()
    latencies.sort()
    return {
        "benchmark": "durable audit appends, group commit",
        "appends": count,
        "concurrency": concurrency,
        "seconds": round(elapsed, 3),
        "appends_per_second": round(count / elapsed),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 3),
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 3),
        "log_size": size,
        "checkpoints": checkpoints,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--appends", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=256)
    parser.add_argument(
        "--dir", type=Path, default=None, help="where to put the log [default: a temporary folder]"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        result = asyncio.run(_run(Path(folder), args.appends, args.concurrency))
    print(
        json.dumps(result, indent=2)
        if args.json
        else "\n".join(f"{k:>20}  {v}" for k, v in result.items())
    )


if __name__ == "__main__":
    main()
