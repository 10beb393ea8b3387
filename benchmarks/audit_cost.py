"""Benchmark: what the audit log costs end to end, in the networked deployment.

An agency's query goes through the hub to the WA node over mutual TLS (``statelink serve
hub`` and ``statelink serve node``, separate processes on loopback), as in
``benchmarks/networked.py``'s hub mode: a single-state DQ by licence number for an
existing WA driver (a HIT), decided by WA's policy. This script is the load generator
(aiohttp, ``--concurrency`` queries always in flight).

Two such networks run side by side for the whole benchmark, each on its own copy of the
nation:

- **audit on**, as statelink runs: every answer waits until its record is durable in WA's
  audit log (the node's audit service, group commit, ``synchronous=FULL``);
- **audit off**: the node runs ``benchmarks/baselines.py``, which replaces its audit
  service by one that hands out receipts without writing anything.

Each pair sends one burst of ``--queries`` queries to each network, one burst after the
other, alternating which goes first; the network not being measured sleeps. The drop is
computed within each pair (seconds apart, so the machine's drift mostly cancels) and the
median of the pairs is reported. The copies are flushed to disk before the networks
start: the kernel's write-back of freshly copied files would otherwise stall the audit
log's fsyncs in the middle of a burst, a cost of the benchmark's set-up, not of the log.

For every burst it also reads, from ``/proc`` (Linux), the CPU time each process used:
the hub, the node, the node's audit service and this load generator, in µs per query.
At the end it checks that the audit-on log holds every query and the audit-off log none.

    .venv/bin/python benchmarks/audit_cost.py                  # 20 pairs of 1,500 queries
    .venv/bin/python benchmarks/audit_cost.py --pairs 40 --concurrency 32 --json

Run it by hand; the tests never time anything.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import shutil
import ssl
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
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
MODES = ("on", "off")
ROLES = ("hub", "node", "audit service", "load generator")
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _network(source: Path, work: Path, pki: Pki, audit: bool) -> tuple[ProcessNetwork, Layout]:
    """A network (not started yet) on its own copy of the nation."""
    layout = _nation(source, work)
    members = MemberStore.open("hub", layout.hub_db)
    members.add("bench", states=["WA"], cert_sha256=fingerprint_of(pki.member("bench")))
    members.close()
    network = ProcessNetwork(layout, pki, ["WA"], work / "logs")
    if not audit:
        network.nodes["WA"].program = (str(BASELINE),)
    return network, layout


def _children(pid: int) -> Iterator[int]:
    """Every process below ``pid`` (the node's audit service and its helpers)."""
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            for child in Path(f"/proc/{pid}/task/{task}/children").read_text().split():
                yield int(child)
                yield from _children(int(child))


def _seconds(pid: int) -> float:
    """User plus system CPU seconds of one process (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def _cpu(network: ProcessNetwork) -> dict[str, float] | None:
    """CPU seconds used so far by each role of one network, or None without ``/proc``."""
    hub, node = network.hub.process, network.nodes["WA"].process
    if not Path("/proc/self/stat").exists() or hub is None or node is None:
        return None
    return {
        "hub": _seconds(hub.pid),
        "node": _seconds(node.pid),
        "audit service": sum(_seconds(child) for child in _children(node.pid)),
        "load generator": time.process_time(),
    }


async def _burst(
    client: aiohttp.ClientSession, network: ProcessNetwork, olns: list[str], args: Any
) -> dict[str, Any]:
    before = _cpu(network)
    result: dict[str, Any] = await _load(
        client, _through_hub(False), olns, args.queries, args.concurrency, _hub_hit
    )
    after = _cpu(network)
    if result["failures"]:
        raise SystemExit(f"{result['failures']} queries did not get a HIT")
    if before is not None and after is not None:
        result["cpu_us_per_query"] = {
            role: round((after[role] - before[role]) / args.queries * 1e6) for role in ROLES
        }
    return result


async def _pairs(
    networks: dict[str, ProcessNetwork], context: ssl.SSLContext, olns: list[str], args: Any
) -> list[dict[str, Any]]:
    clients = {
        mode: aiohttp.ClientSession(
            base_url=network.hub.url,
            connector=aiohttp.TCPConnector(ssl=context, limit=args.concurrency),
        )
        for mode, network in networks.items()
    }
    try:
        for mode in MODES:
            if args.warmup:
                await _load(
                    clients[mode],
                    _through_hub(False),
                    olns,
                    args.warmup,
                    args.concurrency,
                    _hub_hit,
                )
        pairs: list[dict[str, Any]] = []
        for n in range(args.pairs):
            pair: dict[str, Any] = {}
            for mode in MODES if n % 2 == 0 else tuple(reversed(MODES)):
                pair[mode] = await _burst(clients[mode], networks[mode], olns, args)
            on, off = pair["on"]["per_second"], pair["off"]["per_second"]
            pair["drop_percent"] = round((off - on) / off * 100, 1)
            pairs.append(pair)
            if not args.json:
                print(f"pair {n + 1}: {off:,.0f} -> {on:,.0f} queries/s, "
                      f"drop {pair['drop_percent']}%", file=sys.stderr)  # fmt: skip
        return pairs
    finally:
        for client in clients.values():
            await client.close()


def _logged(layout: Layout) -> int:
    store = layout.audit_store("WA")
    if isinstance(store, Path) and not store.exists():
        return 0
    log = AuditLog.open("WA", store)
    try:
        return log.size()
    finally:
        log.close()


def _summary(pairs: list[dict[str, Any]]) -> dict[str, Any]:
    drops = sorted(p["drop_percent"] for p in pairs)
    quartiles = statistics.quantiles(drops, n=4) if len(drops) > 1 else drops * 3
    summary: dict[str, Any] = {
        "median_drop_percent": round(statistics.median(drops), 1),
        "quartiles_percent": [round(quartiles[0], 1), round(quartiles[2], 1)],
        "range_percent": [drops[0], drops[-1]],
    }
    for mode in MODES:
        runs = [p[mode] for p in pairs]
        found: dict[str, Any] = {
            key: round(statistics.median(r[key] for r in runs), 2)
            for key in ("per_second", "p50_ms", "p99_ms")
        }
        if all("cpu_us_per_query" in r for r in runs):
            found["cpu_us_per_query"] = {
                role: round(statistics.median(r["cpu_us_per_query"][role] for r in runs))
                for role in ROLES
            }
        summary[f"audit_{mode}"] = found
    return summary


def _print(summary: dict[str, Any], pairs: int) -> None:
    q1, q3 = summary["quartiles_percent"]
    low, high = summary["range_percent"]
    print(f"median drop {summary['median_drop_percent']}% over {pairs} pairs "
          f"(quartiles {q1}% and {q3}%, range {low}% to {high}%)")  # fmt: skip
    print(f"{'medians':<15}{'queries/s':>11}{'p50 ms':>9}{'p99 ms':>9}", end="")
    cpu = "cpu_us_per_query" in summary["audit_on"]
    print("".join(f"{role:>16}" for role in ROLES) + "   (CPU µs per query)" if cpu else "")
    for mode in MODES:
        found = summary[f"audit_{mode}"]
        print(f"{'audit ' + mode:<15}{found['per_second']:>11,.0f}{found['p50_ms']:>9}"
              f"{found['p99_ms']:>9}", end="")  # fmt: skip
        print("".join(f"{v:>16,}" for v in found["cpu_us_per_query"].values()) if cpu else "")


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
    parser.add_argument("--pairs", type=_at_least(1), default=20, help="audit on/off pairs")
    parser.add_argument("--queries", type=_at_least(1), default=1500, help="queries per burst")
    parser.add_argument("--concurrency", type=_at_least(1), default=16, help="queries in flight")
    parser.add_argument("--warmup", type=_at_least(0), default=500, help="queries to each first")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="statelink-bench-"))
    try:
        source = args.data or _nation(None, work / "source").root
        pki = pki_init(work / "pki", states=["WA"], members=["bench"])
        built = {mode: _network(source, work / mode, pki, mode == "on") for mode in MODES}
        os.sync()  # the copies reach the disk now, not during a burst
        networks = {mode: network for mode, (network, _) in built.items()}
        with sa.create_engine(f"sqlite:///{built['on'][1].records('WA')}").connect() as conn:
            olns = list(conn.execute(sa.text("SELECT oln FROM driver")).scalars())
        context = ssl.create_default_context(cafile=str(pki.ca))
        context.load_cert_chain(pki.member("bench"), pki.member_key("bench"))
        with contextlib.ExitStack() as running:
            for network in networks.values():
                running.enter_context(network)
            runner = running.enter_context(asyncio.Runner(loop_factory=uvloop.new_event_loop))
            pairs = runner.run(_pairs(networks, context, olns, args))
        expected = {"on": args.warmup + args.pairs * args.queries, "off": 0}
        for mode, (_, layout) in built.items():
            if (logged := _logged(layout)) != expected[mode]:
                raise SystemExit(
                    f"the audit-{mode} WA log holds {logged} records, not {expected[mode]}"
                )
        summary = _summary(pairs)
        report = {
            "benchmark": "audit cost end to end (networked, through the hub)",
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
            "python": platform.python_version(),
            "queries_per_burst": args.queries,
            "concurrency": args.concurrency,
            **summary,
            "pairs": pairs,
        }
        if args.json:
            print(json.dumps(report, indent=2))
        else:
            _print(summary, len(pairs))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
