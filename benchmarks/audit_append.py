"""Benchmark: durable audit appends per second, with group commit.

Two figures, both on a fresh log, both durable (SQLite WAL, ``synchronous=FULL``: a
record is on disk before its receipt is given):

- **log writer**: what the audit service's appender sustains, fed the frames a busy node
  sends (batches of ``--batch`` records, decoded, hashed, appended, committed);
- **through the service**: ``--concurrency`` appenders in one asyncio client awaiting
  ``AuditService.append``, as a node does: this adds the client's own cost.

    .venv/bin/python benchmarks/audit_append.py                  # 100,000 appends
    .venv/bin/python benchmarks/audit_append.py --concurrency 64 --json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

from statelink.audit import AuditLog, AuditService, NodeKeys, build_entry
from statelink.audit.appender import LogAppender
from statelink.audit.frames import Append, decode_requests, encode_requests
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


def _writer(folder: Path, count: int, batch: int) -> dict[str, object]:
    appender = LogAppender(
        AuditLog.open("WA", folder / "writer.sqlite"), NodeKeys.load("WA", folder / "keys")
    )
    entries = _entries(count)
    frames = [
        encode_requests([Append(n, "WA", e) for n, e in enumerate(entries[k : k + batch], k)])
        for k in range(0, count, batch)
    ]
    started = time.perf_counter()
    for wire in frames:  # as the service receives them: decoded, then appended
        requests = decode_requests(wire[4:])
        appender.append([r.entry for r in requests if isinstance(r, Append)])
    elapsed = time.perf_counter() - started
    appender.close()
    return {
        "appends_per_second": round(count / elapsed),
        "batch": batch,
        "seconds": round(elapsed, 3),
    }


async def _service(folder: Path, count: int, concurrency: int) -> dict[str, object]:
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
    size, checkpoints = log.size(), len(log.checkpoints())
    log.close()
    latencies.sort()
    return {
        "appends_per_second": round(count / elapsed),
        "concurrency": concurrency,
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
        "--batch", type=int, default=256, help="records per frame fed to the log writer"
    )
    parser.add_argument(
        "--dir", type=Path, default=None, help="where to put the log [default: a temporary folder]"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        result = {
            "benchmark": "durable audit appends, group commit",
            "appends": args.appends,
            "log_writer": _writer(Path(folder), args.appends, args.batch),
            "through_service": asyncio.run(_service(Path(folder), args.appends, args.concurrency)),
        }
    print(
        json.dumps(result, indent=2)
        if args.json
        else "\n".join(f"{k:>20}  {v}" for k, v in result.items())
    )


if __name__ == "__main__":
    main()
