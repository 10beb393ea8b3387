"""Benchmark: what witnessing a checkpoint costs next to signing it, on a log of 10 million.

Over a log built by ``benchmarks/audit_proof.py --dir DIR --keep`` (tree and checkpoint
only), measure side by side, in one run:

- **plain**: signing a checkpoint (what the appender does every 1000 records);
- **witnessed**: signing it, the consistency proof from the size the witness last
  cosigned (1000 records earlier), the HTTP round trip to a real local witness
  (``statelink witness serve`` in its own process) and verifying its cosignature.

Each of ``--runs`` rounds advances the witness by one checkpoint; median and range.

    .venv/bin/python benchmarks/audit_proof.py --dir /var/tmp/proof-bench --keep
    .venv/bin/python benchmarks/witness_cost.py --dir /var/tmp/proof-bench

Run by hand, never in tests.
"""

from __future__ import annotations

import argparse
import itertools
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from statelink.audit import AuditLog, NodeKeys, verifier
from statelink.witness.client import WitnessClient
from statelink.witness.keys import WitnessKey
from statelink.witness.store import WitnessStore
from statelink.witness.submission import Submission

STEP = 1000


def _statelink(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "statelink", *args], check=True, capture_output=True)


def _serve(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "statelink", "witness", "serve", "--dir", str(folder),
         "--port", str(port)],
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(f"{url}/0/checkpoint", timeout=1.0)
            return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.terminate()
    raise SystemExit("the witness did not start")


def _summary(values: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values]
    return {"median_ms": statistics.median(ms), "min_ms": min(ms), "max_ms": max(ms)}


def measure(folder: Path, runs: int, url: str, witness_key: str) -> dict[str, object]:
    log = AuditLog.open("WA", folder / "audit.sqlite")
    keys = NodeKeys.load("WA", folder / "keys")
    cosigner = verifier.CosignerKey.parse(witness_key)
    size = log.latest_checkpoint().size  # type: ignore[union-attr]
    sizes = [size - STEP * (runs - i) for i in range(runs + 1)]
    reader = log.reader()
    plain: list[float] = []
    witnessed: list[float] = []
    with WitnessClient(url) as client:
        first = keys.signer.checkpoint(sizes[0], reader.root(sizes[0]))
        assert client.add_checkpoint(Submission(0, [], first)).status == 200
        for old, new in itertools.pairwise(sizes):
            root = reader.root(new)  # the appender has it in memory: not timed
            start = time.perf_counter()
            keys.signer.checkpoint(new, root)
            plain.append(time.perf_counter() - start)
            start = time.perf_counter()
            note = keys.signer.checkpoint(new, root)
            proof = reader.consistency(old, new)
            reply = client.add_checkpoint(Submission(old, proof, note))
            found = [verifier.verify_cosignature(verifier.note_text(note), line, cosigner)
                     for line in reply.lines]  # fmt: skip
            witnessed.append(time.perf_counter() - start)
            if reply.status != 200 or not any(found):
                raise SystemExit(f"the witness did not cosign: {reply}")
    log.close()
    return {
        "leaves": size,
        "runs": runs,
        "step": STEP,
        "plain_sign": _summary(plain),
        "witnessed": _summary(witnessed),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", type=Path, required=True, help="a log built by audit_proof.py")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "witness"
        key = WitnessKey.create(folder, "bench.example/w1")
        WitnessStore.open(folder).close()
        log_key = NodeKeys.load("WA", args.dir / "keys").signer.verifier_key()
        _statelink("witness", "add-log", "--dir", str(folder),
                   "--origin", "statelink.example/audit/WA", "--key", log_key)  # fmt: skip
        process, url = _serve(folder)
        try:
            result = measure(args.dir, args.runs, url, key.verifier_key())
        finally:
            process.terminate()
            process.wait(timeout=10)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{result['leaves']:,} leaves, {args.runs} runs, witness {STEP} records behind")
    for name in ("plain_sign", "witnessed"):
        s = result[name]
        assert isinstance(s, dict)
        print(f"  {name:11} median {s['median_ms']:.3f} ms  "
              f"range {s['min_ms']:.3f}-{s['max_ms']:.3f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
