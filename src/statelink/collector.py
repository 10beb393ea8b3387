"""The garbage collector's policy for statelink processes.

A busy node or hub holds many requests in flight, each with its objects alive for
milliseconds (awaiting the audit log's group commit, or another node). CPython's default
(a young-generation collection every 700 allocations) then walks all of them again and
again: measured with ``benchmarks/core_switch.py --audit on --concurrency 256``, 1.0 to
1.4 s of a 12 s run went to the collector, against 0.16 s with the audit log off.
Collecting the young generation every 50,000 allocations keeps that under 0.05 s; the
cost is memory for cyclic garbage that lives a little longer (reference counting still
frees everything else at once).
"""

from __future__ import annotations

import gc

YOUNG = 50_000
MIDDLE = 20
OLD = 20


def tune() -> None:
    """Apply statelink's collector thresholds to this process."""
    gc.set_threshold(YOUNG, MIDDLE, OLD)


def settle() -> None:
    """Once a service has loaded what it keeps (directory, policies, records handles),
    move it out of the collector's sight: later collections never walk it again."""
    gc.collect()
    gc.freeze()
