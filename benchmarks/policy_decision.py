"""Benchmark: one state's policy decision, including building the Cedar context.

A stream of messages to one state (WA by default, with the WA template) is drawn from
the calibrated requester mix of ``statelink.traffic``: agencies weighted by population
served, ICE and HSI at their published volumes, realistic purposes, offenses, warrants
and a unique case number on every message. Each decision is timed from the message and
the requesting agency to the outcome: deriving the context, then deciding.

    .venv/bin/python benchmarks/policy_decision.py            # 100,000 decisions
    .venv/bin/python benchmarks/policy_decision.py --json

It reports three runs over the same stream: from an empty decision cache (what a node
sees after it starts), again with the cache warm, and with the cache off (every decision
evaluated by Cedar).
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import time
from pathlib import Path

from statelink.embedded import EmbeddedNetwork
from statelink.messages import Message, decode
from statelink.nation import Layout, read_manifest
from statelink.policy.decision_point import DecisionPoint
from statelink.traffic import RequesterMix

FIELDS = {
    "DQ": "OLN/WDL000000001",
    "KQ": "OLN/WDL000000001",
    "DNQ": "NAM/SMITH, JOHN",
    "RNQ": "NAM/SMITH, JOHN",
    "RQ": "LIC/ABC1234",
    "RPQ": "LIC/ABC*",
}


def _stream(network: EmbeddedNetwork, state: str, count: int) -> list[Message]:
    mix = RequesterMix(network.directory)
    rng = random.Random(7)
    messages: list[Message] = []
    while len(messages) < count:
        q = mix.draw(rng)
        if q.ori[:2] == state and q.profile == "local":
            continue
        text = f"{q.mke}.{q.ori}.{state}.{FIELDS[q.mke]}.PUR/{q.purpose}.CAS/{q.case_number}"
        if q.offense:
            text += f".OFF/{q.offense}"
        if q.warrant_kind:
            text += f".WKD/{q.warrant_kind}.WID/{rng.randrange(10**6)}.WCT/D\\. Court"
        messages.append(decode(text + "."))
    return messages


def _time(
    network: EmbeddedNetwork, state: str, messages: list[Message], cached: bool
) -> tuple[list[float], collections.Counter[str]]:
    point = network.nodes[state].policy
    directory = network.directory
    latencies: list[float] = []
    outcomes: collections.Counter[str] = collections.Counter()
    for message in messages:
        agency = directory.require(message.ori)
        started = time.perf_counter()
        decision = point.decide(point.request(message, agency), cached=cached)
        latencies.append(time.perf_counter() - started)
        outcomes[decision.outcome.value] += 1
    latencies.sort()
    return latencies, outcomes


def _summary(latencies: list[float]) -> dict[str, float]:
    return {
        "p50_us": round(latencies[len(latencies) // 2] * 1e6, 1),
        "p99_us": round(latencies[int(len(latencies) * 0.99)] * 1e6, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("statelink-data"))
    parser.add_argument("--state", default="WA")
    parser.add_argument("--decisions", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    layout = Layout(args.data)
    if read_manifest(layout) is None:
        raise SystemExit(f"no nation in {layout.root}: run `statelink demo --no-serve` first")
    network = EmbeddedNetwork.open(layout)
    messages = _stream(network, args.state, args.decisions)
    point = network.nodes[args.state].policy
    assert isinstance(point, DecisionPoint)
    engine = point.engine
    assert engine is not None, "the state has no valid policy set"
    cold, outcomes = _time(network, args.state, messages, cached=True)
    hit_rate = engine.hits / max(1, engine.hits + engine.misses)
    warm, _ = _time(network, args.state, messages, cached=True)
    uncached, _ = _time(network, args.state, messages, cached=False)
    result = {
        "benchmark": "policy decision incl. context, calibrated requester mix",
        "state": args.state,
        "policy_digest": engine.digest[:12],
        "decisions": len(messages),
        "outcomes": dict(outcomes),
        "from_empty_cache": {**_summary(cold), "cache_hit_rate": round(hit_rate, 3)},
        "warm_cache": _summary(warm),
        "no_cache": _summary(uncached),
    }
    print(
        json.dumps(result, indent=2)
        if args.json
        else "\n".join(f"{k:>18}  {v}" for k, v in result.items())
    )


if __name__ == "__main__":
    main()
