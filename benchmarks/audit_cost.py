"""Benchmark: what the audit log costs end to end, in the networked deployment.

An agency's query goes through the hub to the WA node over mutual TLS (``statelink serve
hub`` and ``statelink serve node``, separate processes on loopback), as in
``benchmarks/networked.py``'s hub mode: a single-state DQ by licence number for an
existing WA driver (a HIT), decided by WA's policy. This script is the load generator
(aiohttp, ``--concurrency`` queries always in flight), a process beside the others.

Each pair runs that network twice on fresh copies of the nation:

- **audit on**, as statelink runs: every answer waits until its record is durable in WA's
  audit log (the node's audit service, group commit, ``synchronous=FULL``);
- **audit off**: the node runs ``benchmarks/baselines.py``, which replaces its audit
  service by one that hands out receipts without writing anything.

The two runs of a pair follow each other, and the order alternates from pair to pair,
because this machine's speed drifts; the drop is computed within each pair and the
median drop is reported. After each run the script checks that the audit-on log holds
every query and the audit-off log holds none.

    .venv/bin/python benchmarks/audit_cost.py                # 10 pairs of 4,000 queries
    .venv/bin/python benchmarks/audit_cost.py --pairs 20 --concurrency 32 --json

Single pairs on a shared 2-vCPU machine range from under 10% to over 40%, so use many
short pairs and read the median.

Run it by hand; the tests never time anything.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import ssl
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import sqlalchemy as sa
import uvloop

from networked import _hub_hit, _load, _nation, _through_hub
from statelink.audit.log import AuditLog
from statelink.hub.members import MemberStore
from statelink.nation import Layout
from statelink.pki import Pki, fingerprint_of
from statelink.pki import init as pki_init
from statelink.processes import ProcessNetwork

BASELINE = Path(__file__).with_name("baselines.py")


async def _sustained(url: str, context: ssl.SSLContext, olns: list[str], args: Any) -> Any:
    connector = aiohttp.TCPConnector(ssl=context, limit=args.concurrency)
    async with aiohttp.ClientSession(base_url=url, connector=connector) as client:
        if args.warmup:
            await _load(client, _through_hub, olns, args.warmup, args.concurrency, _hub_hit)
        return await _load(client, _through_hub, olns, args.queries, args.concurrency, _hub_hit)


def _run(source: Path, work: Path, pki: Pki, audit: bool, args: Any) -> dict[str, float]:
    """One network, started on a fresh copy of the nation, measured, stopped."""
    layout = _nation(source, work)
    members = MemberStore.open("hub", layout.hub_db)
    members.add("bench", states=["WA"], cert_sha256=fingerprint_of(pki.member("bench")))
    members.close()
    with sa.create_engine(f"sqlite:///{layout.records('WA')}").connect() as conn:
        olns = list(conn.execute(sa.text("SELECT oln FROM driver")).scalars())
    network = ProcessNetwork(layout, pki, ["WA"], work / "logs")
    if not audit:
        network.nodes["WA"].program = (str(BASELINE),)
    context = ssl.create_default_context(cafile=str(pki.ca))
    context.load_cert_chain(pki.member("bench"), pki.member_key("bench"))
    with network, asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        result: dict[str, float] = runner.run(_sustained(network.hub.url, context, olns, args))
    if result["failures"]:
        raise SystemExit(f"{result['failures']} queries did not get a HIT; logs in {work}/logs")
    logged = _logged(layout)
    expected = args.warmup + args.queries if audit else 0
    if logged != expected:
        raise SystemExit(f"the WA audit log holds {logged} records, not {expected}")
    return {**result, "audit_records": logged}


def _logged(layout: Layout) -> int:
    store = layout.audit_store("WA")
    if isinstance(store, Path) and not store.exists():
        return 0
    log = AuditLog.open("WA", store)
    try:
        return log.size()
    finally:
        log.close()


def _at_least(least: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if value < least:
            raise argparse.ArgumentTypeError(f"must be {least} or more, not {value}")
        return value

    return parse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, help="a built nation (default: build one)")
    parser.add_argument("--pairs", type=_at_least(1), default=10, help="audit on/off pairs")
    parser.add_argument("--queries", type=_at_least(1), default=4000, help="queries per run")
    parser.add_argument("--concurrency", type=_at_least(1), default=16, help="queries in flight")
    parser.add_argument("--warmup", type=_at_least(0), default=500, help="queries per run first")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="statelink-bench-"))
    try:
        source = args.data or _nation(None, work / "source").root
        pki = pki_init(work / "pki", states=["WA"], members=["bench"])
        pairs: list[dict[str, Any]] = []
        for n in range(args.pairs):
            pair: dict[str, Any] = {}
            for audit in (True, False) if n % 2 == 0 else (False, True):
                name = "on" if audit else "off"
                pair[name] = _run(source, work / f"pair-{n}-{name}", pki, audit, args)
                if not args.json:
                    print(f"pair {n + 1} audit {name:3} {pair[name]}", file=sys.stderr)
            on, off = pair["on"]["per_second"], pair["off"]["per_second"]
            pair["drop_percent"] = round((off - on) / off * 100, 1)
            pairs.append(pair)
            if not args.json:
                print(f"pair {n + 1}: {off:,.0f} -> {on:,.0f} queries/s, "
                      f"drop {pair['drop_percent']}%")  # fmt: skip
        drops = [p["drop_percent"] for p in pairs]
        report = {
            "benchmark": "audit cost end to end (networked, through the hub)",
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
            "python": platform.python_version(),
            "queries_per_run": args.queries,
            "concurrency": args.concurrency,
            "pairs": pairs,
            "median_drop_percent": statistics.median(drops),
            "max_drop_percent": max(drops),
        }
        if args.json:
            print(json.dumps(report, indent=2))
        else:
            print(f"median drop {report['median_drop_percent']}%, largest {max(drops)}%")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
