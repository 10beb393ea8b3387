"""Benchmark: hub replicas behind nginx: 1 replica against 2, and what nginx adds.

One run starts a WA node, two hub replicas on one fresh PostgreSQL hub database (the
shared state every replica uses), and two nginx load balancers (Debian's, TCP
pass-through, :mod:`statelink.balancer`): **nginx-1** in front of hub-1 alone, **nginx-2**
in front of hub-1 and hub-2. Same node, same database, same load; only the number of
replicas differs.

1. **Throughput**, in rounds alternating nginx-1 and nginx-2 (``--rounds`` each, so a
   noisy neighbour hits both alike): ``--clients`` members' clients (httpx, each its own
   keep-alive TLS connection with the development PKI's member certificate) send queries
   back to back for ``--seconds``. Each query is a WA driver by licence number with its
   own control field (so each one claims its resubmission key in the shared database,
   as a real member's would). Prints median and range of queries/s for each, and the
   ratio 2/1.
2. **What nginx adds**: one client, one query at a time, alternating query by query
   between hub-1 straight and hub-1 through nginx-1 (``--pairs`` of them): p50 and p99
   of each and their difference.

    .venv/bin/python benchmarks/balancer.py                     # about 2 minutes
    .venv/bin/python benchmarks/balancer.py --rounds 5 --seconds 10 --json

Needs nginx with its stream module (``apt-get install nginx libnginx-mod-stream``) and a
PostgreSQL server (``--postgres``, default the machine's own) where it may create a
database (dropped after). Run it by hand; the tests never time anything.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import json
import os
import platform
import random
import shutil
import ssl
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import sqlalchemy as sa

from statelink.balancer import Balancer, Replica, Site
from statelink.hub.members import MemberStore
from statelink.nation import Layout, build_nation, read_manifest
from statelink.pki import Pki, fingerprint_of
from statelink.pki import init as pki_init
from statelink.processes import ProcessNetwork, Service, free_port
from statelink.records.generator import Spec

ORI = "WA0340000"  # a Washington police department
SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Target:
    name: str
    url: str


def _nation(data: Path | None, work: Path) -> Layout:
    """A private copy of the nation (empty logs); a small one is built if none is given."""
    source = Layout(data) if data else Layout(work / "built")
    if read_manifest(source) is None:
        print(f"building a small nation in {source.root} …", file=sys.stderr)
        build_nation(source, Spec(scale=0.00005, seed=7, as_of=dt.date(2026, 1, 1)), workers=2)
    own = Layout(work / "nation")
    ignore = shutil.ignore_patterns("audit.sqlite*", "hub.sqlite*", "analytics", "pki", "logs")
    shutil.copytree(source.root, own.root, ignore=ignore)
    return own


def _database(server: str, drop: str | None = None) -> str:
    """A fresh database on ``server`` (its URL), or drop the one ``drop`` names."""
    with psycopg.connect(server, autocommit=True) as conn:
        if drop is not None:
            conn.execute(f'DROP DATABASE IF EXISTS "{drop.rsplit("/", 1)[1]}" WITH (FORCE)')
            return drop
        name = f"statelink_bench_{uuid.uuid4().hex[:8]}"
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.rsplit("/", 1)[0] + "/" + name


def _member_context(pki: Pki) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(pki.ca))
    context.load_cert_chain(pki.member("bench"), pki.member_key("bench"))
    return context


def _query(olns: list[str], rng: random.Random) -> str:
    return f"DQ.{ORI}.WA.*{uuid.uuid4().hex[:10].upper()}.OLN/{rng.choice(olns)}.PUR/C."


async def _post(client: httpx.AsyncClient, text: str) -> bool:
    reply = await client.post("/v1/messages", content=text, headers={"content-type": "text/plain"})
    return reply.status_code == 200 and reply.json()["summary"] == {"WA": "HIT"}


async def _round(
    target: Target, context: ssl.SSLContext, olns: list[str], args: Any
) -> dict[str, Any]:
    """``args.clients`` clients back to back for ``args.seconds``: queries/s, failures."""
    rng = random.Random(7)
    done = failed = 0
    clients = [
        httpx.AsyncClient(
            base_url=target.url, verify=context, timeout=30, limits=httpx.Limits(max_connections=1)
        )
        for _ in range(args.clients)
    ]

    async def client_loop(client: httpx.AsyncClient, until: float) -> None:
        nonlocal done, failed
        while time.perf_counter() < until:
            try:
                ok = await _post(client, _query(olns, rng))
            except httpx.HTTPError:
                ok = False
            done += ok
            failed += not ok

    try:
        for client in clients:  # connect (and warm up) before the clock starts
            await _post(client, _query(olns, rng))
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(c, started + args.seconds) for c in clients))
        wall = time.perf_counter() - started
    finally:
        for client in clients:
            await client.aclose()
    return {"target": target.name, "per_second": round(done / wall, 1), "failed": failed}


async def _pairs(
    direct: Target, through: Target, context: ssl.SSLContext, olns: list[str], pairs: int
) -> dict[str, list[float]]:
    """One query at a time, alternating direct and through nginx: each one's latency (ms)."""
    rng = random.Random(11)
    latencies: dict[str, list[float]] = {direct.name: [], through.name: []}
    async with (
        httpx.AsyncClient(base_url=direct.url, verify=context, timeout=30) as a,
        httpx.AsyncClient(base_url=through.url, verify=context, timeout=30) as b,
    ):
        for client in (a, b):
            for _ in range(20):  # warm up: connections, caches
                await _post(client, _query(olns, rng))
        for n in range(pairs * 2):
            name, client = (direct.name, a) if n % 2 == 0 else (through.name, b)
            started = time.perf_counter()
            if not await _post(client, _query(olns, rng)):
                raise SystemExit(f"a query via {name} did not get its HIT")
            latencies[name].append((time.perf_counter() - started) * 1000)
    return latencies


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[max(0, int(len(ordered) * share) - 1)], 2)


def _extra_nginx(work: Path, network: ProcessNetwork) -> Service:
    """nginx-1: a second balancer in front of hub-1 alone."""
    port = free_port()
    hub = network.replicas[0]
    balancer = Balancer.inside(
        work / "nginx-1", Site(f"127.0.0.1:{port}", (Replica(hub.name, hub.url[8:]),))
    )
    balancer.write()
    return Service(
        "nginx-1",
        f"https://127.0.0.1:{port}",
        balancer.command()[1:],
        work / "nginx-1.log",
        program=(),
        executable=balancer.program,
        group=True,
    )


def _report(
    rounds: list[dict[str, Any]], latencies: dict[str, list[float]], args: Any
) -> dict[str, Any]:
    report: dict[str, Any] = {
        "benchmark": "balancer",
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "python": platform.python_version(),
        "clients": args.clients,
        "seconds_per_round": args.seconds,
        "rounds": rounds,
    }
    for name in ("nginx-1", "nginx-2"):
        rates = [r["per_second"] for r in rounds if r["target"] == name]
        report[name] = {
            "median_per_second": round(statistics.median(rates), 1),
            "min_per_second": min(rates),
            "max_per_second": max(rates),
            "failed": sum(r["failed"] for r in rounds if r["target"] == name),
        }
    report["ratio_2_to_1"] = round(
        report["nginx-2"]["median_per_second"] / report["nginx-1"]["median_per_second"], 3
    )
    latency = {
        name: {"p50_ms": _percentile(values, 0.5), "p99_ms": _percentile(values, 0.99)}
        for name, values in latencies.items()
    }
    report["latency"] = latency
    report["nginx_adds_p50_ms"] = round(
        latency["nginx-1"]["p50_ms"] - latency["hub-1"]["p50_ms"], 2
    )
    report["nginx_adds_p99_ms"] = round(
        latency["nginx-1"]["p99_ms"] - latency["hub-1"]["p99_ms"], 2
    )
    return report


def _print(report: dict[str, Any]) -> None:
    for name, replicas in (("nginx-1", 1), ("nginx-2", 2)):
        r = report[name]
        print(
            f"{replicas} replica(s) through nginx: median {r['median_per_second']:,.1f} "
            f"queries/s (range {r['min_per_second']:,.1f}–{r['max_per_second']:,.1f}; "
            f"{r['failed']} failed)"
        )
    print(f"ratio 2/1: {report['ratio_2_to_1']:.3f}")
    lat = report["latency"]
    print(
        f"one query at a time: hub-1 straight p50 {lat['hub-1']['p50_ms']} ms, p99 "
        f"{lat['hub-1']['p99_ms']} ms; through nginx p50 {lat['nginx-1']['p50_ms']} ms, p99 "
        f"{lat['nginx-1']['p99_ms']} ms; nginx adds p50 {report['nginx_adds_p50_ms']} ms, "
        f"p99 {report['nginx_adds_p99_ms']} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, help="a built nation (default: build a small one)")
    parser.add_argument("--postgres", default=SERVER, help="a PostgreSQL server URL")
    parser.add_argument("--rounds", type=int, default=3, help="rounds for each of 1 and 2 hubs")
    parser.add_argument("--seconds", type=float, default=8.0, help="seconds per round")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument("--pairs", type=int, default=400, help="latency pairs")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="statelink-balancer-"))
    hub_db: str | None = None
    nginx_1: Service | None = None
    try:
        layout = _nation(args.data, work)
        pki = pki_init(work / "pki", states=["WA"], members=["bench"])
        hub_db = _database(args.postgres)
        members = MemberStore.open("hub", hub_db)
        members.add("bench", states=["WA"], cert_sha256=fingerprint_of(pki.member("bench")))
        members.close()
        with sa.create_engine(f"sqlite:///{layout.records('WA')}").connect() as conn:
            olns = list(conn.execute(sa.text("SELECT oln FROM driver")).scalars())
        network = ProcessNetwork(layout, pki, ["WA"], work / "logs", hub_database=hub_db, hubs=2)
        for replica in network.replicas:
            replica.args += ["--member-rate", "0"]  # the load is one member's
        with network:
            nginx_1 = _extra_nginx(work, network)
            nginx_1.start(dict(os.environ))
            network.wait_healthy(nginx_1)
            context = _member_context(pki)
            one, two = Target("nginx-1", nginx_1.url), Target("nginx-2", network.url)
            rounds = []
            for target in itertools.islice(itertools.cycle((one, two)), args.rounds * 2):
                result = asyncio.run(_round(target, context, olns, args))
                rounds.append(result)
                if not args.json:
                    print(f"  {result}", file=sys.stderr)
            direct = Target("hub-1", network.replicas[0].url)
            latencies = asyncio.run(_pairs(direct, one, context, olns, args.pairs))
        report = _report(rounds, latencies, args)
        if args.json:
            print(json.dumps(report, indent=2))
        else:
            _print(report)
    finally:
        if nginx_1 is not None:
            nginx_1.stop()
        if hub_db is not None:
            _database(args.postgres, drop=hub_db)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
