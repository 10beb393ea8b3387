"""Benchmark: one client's query latency while another floods the server with huge bodies.

The embedded switch (the ``statelink demo`` app, one process) serves a small nation on
loopback. A **quiet** client sends single-state DQ queries one after another and records
each latency. Rounds alternate between no attack and an attack, in which two other
processes send 2 MB and 10 MB bodies of dots (half declared with ``Content-Length``, half
chunked) as fast as the server takes them. The result is the quiet client's p99 under
attack over its p99 without, per pair of rounds: the median and the range.

    .venv/bin/python benchmarks/hostile_body.py                 # 5 pairs of 300 queries
    .venv/bin/python benchmarks/hostile_body.py --rounds 7 --queries 500 --json
    .venv/bin/python benchmarks/hostile_body.py --nice 19      # the attacker at low priority
    .venv/bin/python benchmarks/hostile_body.py --control      # a flood of health checks

On a 2-core machine the attacker, the quiet client and the server share two cores: a
flood of any request, even a health check, costs the quiet client. ``--control`` measures
that floor; ``--nice 19`` gives the attacker only what the others leave, as if it ran on
its own machine (as a member's client does).

Run it by hand; the tests never time anything (tests/web/test_hostile_body.py counts).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event
from pathlib import Path

import httpx

from statelink.nation import Layout, build_nation, open_records
from statelink.records.generator import Spec

MB = 1024 * 1024
SPEC = Spec(scale=0.00005, seed=7, as_of=dt.date(2026, 1, 1))


def serve(data: str, port: int) -> None:
    """The server process: the embedded app with the protocol ``statelink demo`` uses."""
    import uvicorn

    from statelink.embedded import EmbeddedNetwork
    from statelink.web.api import create_app
    from statelink.web.http_protocol import ProblemProtocol

    app = create_app(EmbeddedNetwork.open(Layout(Path(data))))
    uvicorn.run(
        app, host="127.0.0.1", port=port, log_level="error", http=ProblemProtocol.serving(app)
    )


def control(port: int, stop: Event, sent: Synchronized[int]) -> None:
    """The control: a flood of harmless requests (a health check on a new connection
    each), as fast as the hostile one, to tell the cost of a flood from a body's."""
    while not stop.is_set():
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            while sock.recv(65536):
                pass
        with sent.get_lock():
            sent.value += 1


def attack(port: int, stop: Event, sent: Synchronized[int]) -> None:
    """One hostile member: 2 MB and 10 MB bodies, declared and chunked, back to back."""
    piece = b"." * 65536
    while not stop.is_set():
        for size, chunked in ((2 * MB, False), (10 * MB, False), (2 * MB, True), (10 * MB, True)):
            framing = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: %d" % size
            with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
                sock.sendall(
                    b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                    + framing
                    + b"\r\n\r\n"
                )
                try:
                    for _ in range(size // len(piece)):
                        sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                except OSError:
                    pass
                sock.recv(65536)
            with sent.get_lock():
                sent.value += 1


def quiet(client: httpx.Client, url: str, text: str, n: int) -> list[float]:
    latencies = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.post(url, content=text, headers={"content-type": "text/plain"})
        latencies.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise RuntimeError(f"the quiet client got {response.status_code}: {response.text}")
    return latencies


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_healthy(base: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if server.poll() is not None:
            raise RuntimeError("the server exited while starting")
        try:
            if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the server did not start within 60 s")


@dataclass(frozen=True)
class Attacker:
    flood: Callable[[int, Event, Synchronized[int]], None]
    nice: int  # added to the attacker's niceness: 19 stands for an attacker on its own machine


def _attacker(attacker: Attacker, port: int, stop: Event, sent: Synchronized[int]) -> None:
    os.nice(attacker.nice)
    attacker.flood(port, stop, sent)


def _under_attack(
    attacker: Attacker, port: int, measure: Callable[[], list[float]]
) -> tuple[list[float], int]:
    stop = multiprocessing.Event()
    sent: Synchronized[int] = multiprocessing.Value("i", 0)
    process = multiprocessing.Process(
        target=_attacker, args=(attacker, port, stop, sent), daemon=True
    )
    process.start()
    while sent.value < 4:
        time.sleep(0.01)
    latencies = measure()
    during = sent.value
    stop.set()
    process.join(timeout=60)
    return latencies, during


def run(rounds: int, queries: int, attacker: Attacker) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        layout = Layout(Path(tmp))
        build_nation(layout, SPEC, workers=2)
        store = open_records(layout, "WA")
        text = f"DQ.NY0303000.WA.OLN/{store.list_drivers(1)[0].oln}.PUR/C."
        store.close()
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, __file__, "--serve", tmp, str(port)], stderr=subprocess.DEVNULL
        )
        try:
            _wait_healthy(base, server)
            return _rounds(base, port, text, rounds, queries, attacker)
        finally:
            server.terminate()
            server.wait(timeout=30)


def _rounds(
    base: str, port: int, text: str, rounds: int, queries: int, attacker: Attacker
) -> dict[str, object]:
    url = f"{base}/v1/messages"
    pairs = []
    with httpx.Client(timeout=30) as client:
        quiet(client, url, text, 50)  # warm up
        for _ in range(rounds):
            calm = quiet(client, url, text, queries)
            measure = lambda: quiet(client, url, text, queries)  # noqa: E731
            attacked, bodies = _under_attack(attacker, port, measure)
            pairs.append(
                {
                    "p99_calm_ms": p99(calm) * 1000,
                    "p99_attacked_ms": p99(attacked) * 1000,
                    "ratio": p99(attacked) / p99(calm),
                    "hostile_bodies": bodies,
                }
            )
    ratios = [p["ratio"] for p in pairs]
    return {
        "queries_per_round": queries,
        "rounds": pairs,
        "ratio_median": statistics.median(ratios),
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
    }


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        serve(sys.argv[2], int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="pairs of rounds (calm, attacked)")
    parser.add_argument("--queries", type=int, default=300, help="quiet queries per round")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--control", action="store_true", help="flood with health checks instead of bodies"
    )
    parser.add_argument(
        "--nice", type=int, default=0, help="the attacker's niceness (19: as if on its own machine)"
    )
    args = parser.parse_args()
    attacker = Attacker(control if args.control else attack, args.nice)
    result = run(args.rounds, args.queries, attacker)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    pairs: list[dict[str, float]] = result["rounds"]  # type: ignore[assignment]
    for i, pair in enumerate(pairs, 1):
        print(
            f"round {i}: p99 calm {pair['p99_calm_ms']:.1f} ms, attacked "
            f"{pair['p99_attacked_ms']:.1f} ms ({pair['ratio']:.2f}x, "
            f"{pair['hostile_bodies']} hostile bodies)"
        )
    print(
        f"p99 attacked / calm: median {result['ratio_median']:.2f}x "
        f"(range {result['ratio_min']:.2f}-{result['ratio_max']:.2f}) over {args.rounds} pairs"
    )


if __name__ == "__main__":
    main()
