"""Benchmark: the networked mode, three ways, with separate processes on loopback.

1. **hub**: an agency's query through the hub to the WA node (``statelink serve hub`` and
   ``statelink serve node``, mutual TLS both legs, a member's client certificate);
2. **direct**: the same query sent straight to the node, as the hub would send it (the
   hub's certificate, the node's own ``/v1/node/messages``);
3. **nginx**: the direct requests through nginx (Debian's), which terminates TLS and
   proxies them to the same node over mutual TLS with keep-alive connections: the cost of
   a plain reverse proxy, to compare the hub's with.

Every query is a single-state DQ by licence number for an existing WA driver (a HIT),
decided by WA's policy and written to its audit log before the answer leaves. This
script is the load generator (asyncio + aiohttp, ``--concurrency`` requests in flight on
as many keep-alive connections), itself a process beside the others on the same machine.

Each mode is measured twice: **sustained** (closed loop: ``--concurrency`` queries always
in flight; the most queries/s, with the latency that queueing at that load gives) and
**at a fixed rate** (open loop: ``--rate`` queries/s, below every mode's maximum; the
latency of one query when nothing queues, which is what the hub adds over direct).

With ``--control`` every message through the hub carries its own control field (``*``
and 10 upper-case hex digits after the destination, unique in the run), so the hub
claims each one in its database before routing it (:mod:`statelink.hub.resubmissions`);
without it (the default) the messages have none and skip the claim. The direct and
nginx modes are the same either way.

    .venv/bin/python benchmarks/networked.py                    # 5,000 queries per mode
    .venv/bin/python benchmarks/networked.py --queries 20000 --concurrency 32 --json
    .venv/bin/python benchmarks/networked.py --database postgresql://postgres@127.0.0.1/postgres
    .venv/bin/python benchmarks/networked.py --mode hub --control   # the claim's cost

The hub runs without its per-member rate limit (``--member-rate 0``): the load is one
member's. A run in which any answer is not a HIT, or (with ``--control``) the hub did
not claim every message, prints its numbers and exits with status 1.

``--database`` puts the hub's and the node's stores in fresh PostgreSQL databases created
on that server (and dropped after). nginx must be installed (``apt-get install
nginx-light``). Run it by hand; the tests never time anything.
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
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import psycopg
import sqlalchemy as sa
import uvloop

from statelink.hub.members import MemberStore
from statelink.hub.routing_log import claims
from statelink.messages import decode
from statelink.messages.envelope import Envelope
from statelink.nation import (
    DEFAULT_AS_OF,
    DEFAULT_SCALE,
    Layout,
    build_nation,
    copy_node,
    read_manifest,
)
from statelink.pki import Pki, fingerprint_of
from statelink.pki import init as pki_init
from statelink.processes import ProcessNetwork, free_port
from statelink.records.generator import Spec
from statelink.store import Where, engine_for

ORI = "WA0340000"  # a Washington police department

NGINX_CONF = """
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log warn;
{user}
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {root}/body;
  proxy_temp_path {root}/proxy;
  fastcgi_temp_path {root}/fastcgi;
  uwsgi_temp_path {root}/uwsgi;
  scgi_temp_path {root}/scgi;
  upstream node {{ server {node}; keepalive 128; }}
  server {{
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {pki}/hub.pem;
    ssl_certificate_key {pki}/hub.key;
    keepalive_requests 1000000;
    location / {{
      proxy_pass https://node;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_ssl_certificate {pki}/hub.pem;
      proxy_ssl_certificate_key {pki}/hub.key;
      proxy_ssl_trusted_certificate {pki}/ca.pem;
      proxy_ssl_verify on;
      proxy_ssl_name localhost;
      proxy_ssl_session_reuse on;
    }}
  }}
}}
"""


def _nation(data: Path | None, work: Path) -> Layout:
    """A private copy of the nation (empty logs), built at the default scale if needed."""
    source = Layout(data) if data else Layout(work / "built")
    if read_manifest(source) is None:
        print(f"building a nation at scale {DEFAULT_SCALE} in {source.root} …", file=sys.stderr)
        build_nation(source, Spec(scale=DEFAULT_SCALE, seed=2025, as_of=DEFAULT_AS_OF))
    own = Layout(work / "nation")
    ignore = shutil.ignore_patterns("audit.sqlite*", "hub.sqlite*", "analytics", "pki", "logs")
    shutil.copytree(source.root, own.root, ignore=ignore)
    return own


def _fresh_database(server: str) -> str:
    name = f"statelink_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.rsplit("/", 1)[0] + "/" + name


def _drop_database(server: str, url: str) -> None:
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def _start_nginx(work: Path, pki: Pki, node_url: str) -> tuple[subprocess.Popen[bytes], str]:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise SystemExit("nginx is not installed: apt-get install nginx-light")
    root = work / "nginx"
    root.mkdir()
    port = free_port()
    conf = root / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(
            root=root,
            pki=pki.root,
            node=node_url.removeprefix("https://"),
            port=port,
            user="user root;" if os.geteuid() == 0 else "",
        )
    )
    process = subprocess.Popen(
        [nginx, "-p", str(root), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"https://127.0.0.1:{port}"
    context = ssl.create_default_context(cafile=str(pki.ca))
    deadline = time.monotonic() + 10
    while True:
        try:
            httpx.get(url + "/", verify=context, timeout=1)
            return process, url
        except httpx.HTTPError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit(f"nginx did not start; see {root}/nginx-error.log") from None
            time.sleep(0.1)


Request = Callable[[aiohttp.ClientSession, str], Any]


async def _load(
    client: aiohttp.ClientSession,
    request: Request,
    olns: list[str],
    queries: int,
    concurrency: int,
    check: Callable[[int, bytes], bool],
) -> dict[str, float]:
    latencies: list[float] = []
    failures = 0
    rng = random.Random(7)
    remaining = queries

    async def worker() -> None:
        nonlocal remaining, failures
        while remaining > 0:
            remaining -= 1
            oln = rng.choice(olns)
            started = time.perf_counter()
            async with request(client, oln) as response:
                body = await response.read()
            latencies.append((time.perf_counter() - started) * 1000)
            if not check(response.status, body):
                failures += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return _summary(latencies, time.perf_counter() - started, failures)


def _summary(latencies: list[float], wall: float, failures: int) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "queries": len(latencies),
        "failures": failures,
        "per_second": round(len(latencies) / wall, 1),
        "p50_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1], 2),
        "max_ms": round(ordered[-1], 2),
    }


async def _at_rate(
    client: aiohttp.ClientSession,
    request: Request,
    olns: list[str],
    rate: float,
    queries: int,
    check: Callable[[int, bytes], bool],
) -> dict[str, float]:
    """Open loop: one query every 1/rate s whatever the answers do; each latency counts
    from the moment its query was due (no coordinated omission)."""
    latencies: list[float] = []
    failures = 0
    rng = random.Random(11)

    async def one(due: float, oln: str) -> None:
        nonlocal failures
        async with request(client, oln) as response:
            body = await response.read()
        latencies.append((time.perf_counter() - due) * 1000)
        if not check(response.status, body):
            failures += 1

    started = time.perf_counter()
    tasks = []
    for n in range(queries):
        due = started + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(due, rng.choice(olns))))
    await asyncio.gather(*tasks)
    return {"rate": rate, **_summary(latencies, time.perf_counter() - started, failures)}


async def _measure(
    url: str,
    context: ssl.SSLContext,
    request: Request,
    check: Callable[[int, bytes], bool],
    olns: list[str],
    args: argparse.Namespace,
) -> tuple[dict[str, float], dict[str, float]]:
    """Warm up, then sustained and fixed-rate runs over the same keep-alive connections
    (``--concurrency`` of them, opened during the warm-up: no handshake is timed)."""
    connector = aiohttp.TCPConnector(ssl=context, limit=args.concurrency)
    async with aiohttp.ClientSession(base_url=url, connector=connector) as client:
        await _load(client, request, olns, args.warmup, args.concurrency, check)
        sustained = await _load(client, request, olns, args.queries, args.concurrency, check)
        paced = await _at_rate(client, request, olns, args.rate, args.queries, check)
    return sustained, paced


def _through_hub(control: bool) -> Request:
    """An agency's query to the hub; with ``control``, each with a control field of its
    own (a counter in 10 hex digits: unique in the run, never a resubmission)."""
    numbers = itertools.count(1)

    def request(client: aiohttp.ClientSession, oln: str) -> Any:
        field = f".*{next(numbers):010X}" if control else ""
        return client.post(
            "/v1/messages",
            data=f"DQ.{ORI}.WA{field}.OLN/{oln}.PUR/C.",
            headers={"content-type": "text/plain"},
        )

    return request


def _to_node(client: aiohttp.ClientSession, oln: str) -> Any:
    envelope = Envelope(
        message_id=uuid.uuid4().hex.upper(),
        message=decode(f"DQ.{ORI}.WA.OLN/{oln}.PUR/C."),
        received_at=dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
    )
    return client.post(
        "/v1/node/messages",
        data=envelope.model_dump_json(),
        headers={"content-type": "application/json"},
    )


def _hub_hit(status: int, body: bytes) -> bool:
    return status == 200 and json.loads(body)["summary"] == {"WA": "HIT"}


def _node_hit(status: int, body: bytes) -> bool:
    return status == 200 and json.loads(body)["status"] == "HIT"


def _claims(where: Where) -> int:
    """How many control fields the hub claimed: with ``--control``, one per message."""
    engine = engine_for(where)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(claims)).scalar_one())
    finally:
        engine.dispose()


def _verify(report: dict[str, Any], args: argparse.Namespace) -> None:
    """Exit with status 1 if the run did not measure what it says it did."""
    runs = [*report["sustained"].items(), *report["fixed_rate"].items()]
    failed = sorted({name for name, run in runs if run["failures"]})
    if failed:
        raise SystemExit(f"some answers were not HITs ({', '.join(failed)}): see above")
    claimed, sent = report.get("hub_claims"), args.warmup + 2 * args.queries
    if args.control and claimed is not None and claimed != sent:
        raise SystemExit(f"the hub claimed {claimed} control fields for {sent} messages")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, help="a built nation (default: build one)")
    parser.add_argument("--queries", type=int, default=5000, help="queries per mode")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight")
    parser.add_argument("--warmup", type=int, default=500, help="queries per mode first")
    parser.add_argument(
        "--rate", type=float, default=500, help="queries/s of the fixed-rate latency run"
    )
    parser.add_argument("--database", help="a PostgreSQL server URL: stores in fresh databases")
    parser.add_argument(
        "--mode", action="append", choices=["hub", "direct", "nginx"], help="(repeat) default all"
    )
    parser.add_argument(
        "--control",
        action="store_true",
        help="give each message through the hub a unique control field (the hub claims it)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="statelink-bench-"))
    databases: list[str] = []
    nginx: subprocess.Popen[bytes] | None = None
    try:
        layout = _nation(args.data, work)
        pki = pki_init(work / "pki", states=["WA"], members=["bench"])
        hub_db: str | None = None
        node_db: dict[str, str] = {}
        if args.database:
            hub_db = _fresh_database(args.database)
            node_db["WA"] = _fresh_database(args.database)
            databases += [hub_db, node_db["WA"]]
            copy_node(layout, "WA", node_db["WA"])
        members = MemberStore.open("hub", hub_db or layout.hub_db)
        members.add("bench", states=["WA"], cert_sha256=fingerprint_of(pki.member("bench")))
        members.close()
        with sa.create_engine(f"sqlite:///{layout.records('WA')}").connect() as conn:
            olns = list(conn.execute(sa.text("SELECT oln FROM driver")).scalars())
        network = ProcessNetwork(
            layout,
            pki,
            ["WA"],
            work / "logs",
            hub_database=hub_db,
            node_databases=node_db,
            node_records=node_db,
        )
        network.hub.args += ["--member-rate", "0"]  # the load is one member's
        results: dict[str, dict[str, float]] = {}
        paced: dict[str, dict[str, float]] = {}
        with network:
            nginx, nginx_url = _start_nginx(work, pki, network.nodes["WA"].url)
            member = ssl.create_default_context(cafile=str(pki.ca))
            member.load_cert_chain(pki.member("bench"), pki.member_key("bench"))
            hub = ssl.create_default_context(cafile=str(pki.ca))
            hub.load_cert_chain(pki.hub, pki.hub_key)
            modes: dict[str, tuple[str, ssl.SSLContext, Request, Callable[..., bool]]] = {
                "hub": (network.hub.url, member, _through_hub(args.control), _hub_hit),
                "direct": (network.nodes["WA"].url, hub, _to_node, _node_hit),
                "nginx": (nginx_url, hub, _to_node, _node_hit),
            }
            for name, (url, context, request, check) in modes.items():
                if args.mode and name not in args.mode:
                    continue
                with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                    results[name], paced[name] = runner.run(
                        _measure(url, context, request, check, olns, args)
                    )
                if not args.json:
                    print(f"{name:7} sustained {results[name]}", file=sys.stderr)
                    print(f"{name:7} at {args.rate:g}/s {paced[name]}", file=sys.stderr)
        report: dict[str, Any] = {
            "benchmark": "networked",
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
            "python": platform.python_version(),
            "database": "postgresql" if args.database else "sqlite",
            "control_fields": args.control,
            "queries_per_mode": args.queries,
            "concurrency": args.concurrency,
            "sustained": results,
            "fixed_rate": paced,
        }
        if "hub" in results:
            report["hub_claims"] = _claims(hub_db or layout.hub_db)
        for name in ("hub", "nginx"):
            if name in paced and "direct" in paced:
                report[f"{name}_overhead_p50_ms"] = round(
                    paced[name]["p50_ms"] - paced["direct"]["p50_ms"], 2
                )
        if args.json:
            print(json.dumps(report, indent=2))
        else:
            print(
                f"at {args.rate:g} queries/s, p50 added to direct: hub "
                f"{report.get('hub_overhead_p50_ms')} ms, "
                f"nginx {report.get('nginx_overhead_p50_ms')} ms; "
                f"control fields claimed by the hub: {report.get('hub_claims')}"
            )
        _verify(report, args)
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(10)
        for url in databases:
            _drop_database(args.database, url)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
