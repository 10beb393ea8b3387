"""Benchmark: in-process single-state DQ by licence number through the whole switch.

Each query is the one-line text an agency sends; the clock covers decoding it, the
hub's checks and routing, the node's search of its SQLite records and the merged answer.

    .venv/bin/python benchmarks/core_switch.py                 # 20,000 queries, 1 at a time
    .venv/bin/python benchmarks/core_switch.py --concurrency 16
    .venv/bin/python benchmarks/core_switch.py --json
    .venv/bin/python benchmarks/core_switch.py --policies off   # the switch without Cedar
    .venv/bin/python benchmarks/core_switch.py --audit off      # ... without the audit log

With ``--policies off`` every node's decision point is replaced by one that permits
without evaluating anything; with ``--audit off`` its audit service by one that hands out
receipts without writing (both in ``benchmarks/baselines.py``). They are the baselines
that show what the policy and audit steps cost. (statelink itself has no such switches:
a node without a valid policy denies, and a node that cannot log answers UNAVAILABLE.)

The process runs with statelink's garbage-collector policy (``statelink.collector``), as
every ``statelink`` command does. It uses the nation in --data (default ./statelink-data),
building one at the default scale if there is none. Run it by hand; the tests never time
anything.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import time
from dataclasses import replace
from pathlib import Path

from baselines import NoAudit, PermitAll
from statelink import collector
from statelink.embedded import EmbeddedNetwork
from statelink.messages import decode
from statelink.messages.response import Status
from statelink.nation import (
    DEFAULT_AS_OF,
    DEFAULT_SCALE,
    DEFAULT_SEED,
    Layout,
    build_nation,
    read_manifest,
)
from statelink.records import RecordStore
from statelink.records.generator import Spec


def _percentile(sorted_values: list[float], p: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(p / 100 * len(sorted_values)))]


async def _run(
    layout: Layout, queries: int, concurrency: int, state: str, policies: bool, audit: bool
) -> dict[str, object]:
    async with EmbeddedNetwork.open(layout) as network:
        node = network.nodes[state]
        if not policies:
            node.parts = replace(node.parts, policy=PermitAll(node.policy))
        if not audit:
            node.ledger.audit = NoAudit()
        records = network.nodes[state].records
        assert isinstance(records, RecordStore)
        olns = [d.oln for d in records.list_drivers(10_000)]
        rng = random.Random(1)
        texts = [f"DQ.NY0303000.{state}.OLN/{rng.choice(olns)}.PUR/C." for _ in range(queries)]
        for text in texts[:500]:  # warm up connections and caches
            await network.hub.submit(decode(text))
        latencies: list[float] = []
        hits = 0

        async def worker(part: list[str]) -> None:
            nonlocal hits
            for text in part:
                started = time.perf_counter()
                reply = await network.hub.submit(decode(text))
                latencies.append(time.perf_counter() - started)
                hits += reply.summary[state] is Status.HIT

        parts = [texts[i::concurrency] for i in range(concurrency)]
        started = time.perf_counter()
        await asyncio.gather(*(worker(p) for p in parts))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "benchmark": "core-switch in-process DQ by OLN",
        "state": state,
        "queries": queries,
        "concurrency": concurrency,
        "policies": "on" if policies else "off",
        "audit": "on" if audit else "off",
        "hits": hits,
        "seconds": round(elapsed, 3),
        "queries_per_second": round(queries / elapsed),
        "p50_ms": round(_percentile(latencies, 50) * 1000, 3),
        "p99_ms": round(_percentile(latencies, 99) * 1000, 3),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 3),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }


def main() -> None:
    collector.tune()  # as every statelink command does
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("statelink-data"))
    parser.add_argument("--queries", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--state", default="WA")
    parser.add_argument("--policies", choices=("on", "off"), default="on")
    parser.add_argument("--audit", choices=("on", "off"), default="on")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()
    layout = Layout(args.data)
    if read_manifest(layout) is None:
        print(f"building a nation in {layout.root} (scale {DEFAULT_SCALE}) ...")
        build_nation(layout, Spec(DEFAULT_SCALE, DEFAULT_SEED, DEFAULT_AS_OF))
    result = asyncio.run(
        _run(
            layout,
            args.queries,
            args.concurrency,
            args.state,
            args.policies == "on",
            args.audit == "on",
        )
    )
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:>20}  {value}")


if __name__ == "__main__":
    main()
