"""Benchmark: an inclusion proof on an audit log of 10 million records.

Builds (once, then reuses with ``--keep``) a log whose tree has 10,000,000 leaves and a
signed checkpoint at that size, then times what ``statelink audit proof`` does: read the
leaf hash and the inclusion path to the checkpoint's root, for random records, and
checks each proof with the independent verifier (the check is not timed).

    .venv/bin/python benchmarks/audit_proof.py --dir /var/tmp/proof-bench --keep
    .venv/bin/python benchmarks/audit_proof.py --leaves 1000000     # a smaller log

Only the tree and the checkpoint are built: a proof reads nothing else.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import tempfile
import time
from pathlib import Path

from rich.progress import Progress

from statelink.audit import AuditLog, NodeKeys, verifier
from statelink.audit.log import CheckpointRow, now
from statelink.audit.merkle import CompactRange

BATCH = 200_000


def build(folder: Path, leaves: int) -> None:
    log = AuditLog.open("WA", folder / "audit.sqlite")
    keys = NodeKeys.load("WA", folder / "keys")
    compact = CompactRange()
    nodes: list[tuple[int, int, bytes]] = []
    with Progress() as progress:
        task = progress.add_task("building the tree", total=leaves)
        for n in range(leaves):
            nodes.extend(compact.append(hashlib.sha256(b"\x00leaf %d" % n).digest()))
            if len(nodes) >= BATCH:
                log.write([], nodes, None)
                nodes = []
                progress.update(task, completed=n + 1)
        root = compact.root()
        log.write(
            [], nodes, CheckpointRow(leaves, root, now(), keys.signer.checkpoint(leaves, root))
        )
        progress.update(task, completed=leaves)
    log.close()


def measure(folder: Path, samples: int) -> dict[str, object]:
    log = AuditLog.open("WA", folder / "audit.sqlite")
    key = verifier.VerifierKey.parse(NodeKeys.load("WA", folder / "keys").signer.verifier_key())
    latest = log.latest_checkpoint()
    assert latest is not None
    checkpoint = verifier.open_checkpoint(latest.note, key)
    reader = log.reader()
    rng = random.Random(5)
    timings = []
    for _ in range(samples):
        seq = rng.randrange(latest.size)
        started = time.perf_counter()
        leaf = log.leaf_hash(seq)
        path = reader.inclusion(seq, latest.size)
        timings.append(time.perf_counter() - started)
        verifier.verify_inclusion(leaf, seq, latest.size, path, checkpoint.root)
    log.close()
    timings.sort()
    return {
        "benchmark": "audit inclusion proof",
        "tree_size": latest.size,
        "samples": samples,
        "path_length": len(path),
        "p50_ms": round(timings[len(timings) // 2] * 1000, 3),
        "p99_ms": round(timings[int(len(timings) * 0.99)] * 1000, 3),
        "max_ms": round(timings[-1] * 1000, 3),
        "all_verified": True,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--leaves", type=int, default=10_000_000)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--dir", type=Path, default=None, help="where to build the log")
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the log")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="statelink-proof-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        log = AuditLog.open("WA", folder / "audit.sqlite")
        latest = log.latest_checkpoint()
        log.close()
        if latest is None or latest.size != args.leaves:
            for old in folder.glob("audit.sqlite*"):
                old.unlink()
            started = time.perf_counter()
            build(folder, args.leaves)
            print(
                f"built a tree of {args.leaves:,} leaves in {time.perf_counter() - started:.0f} s"
            )
        result = measure(folder, args.samples)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    print(
        json.dumps(result, indent=2)
        if args.json
        else "\n".join(f"{k:>16}  {v}" for k, v in result.items())
    )


if __name__ == "__main__":
    main()
