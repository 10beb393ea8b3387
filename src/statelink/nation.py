"""A nation on disk: the data folder holding the directory and every state's records.

Layout of the data folder (``./statelink-data`` by default)::

    nation.json                 manifest: spec and counts; written last, so its presence
                                means the build finished
    directory.csv               the directory (contract 4)
    states/WA/records.sqlite    one database per state

Each state's file is built under a temporary name and renamed into place when complete.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from statelink.directory import Directory, seed_directory
from statelink.errors import NationMissing, UsageError
from statelink.records import RecordStore
from statelink.records.generator import Spec, generate
from statelink.states import CODES, STATES
from statelink.store import open_engine, sqlite_url

DEFAULT_SCALE = 0.001
DEFAULT_SEED = 2025
DEFAULT_AS_OF = dt.date(2026, 1, 1)
MANIFEST_VERSION = 1


@dataclass(frozen=True)
class Layout:
    root: Path

    @property
    def manifest(self) -> Path:
        return self.root / "nation.json"

    @property
    def directory(self) -> Path:
        return self.root / "directory.csv"

    def state_dir(self, state: str) -> Path:
        return self.root / "states" / state

    def records(self, state: str) -> Path:
        return self.state_dir(state) / "records.sqlite"


class Manifest(BaseModel):
    version: int = MANIFEST_VERSION
    scale: float
    seed: int
    as_of: dt.date
    built_at: dt.datetime
    build_seconds: float
    counts: dict[str, dict[str, int]]  # state -> table -> rows

    @property
    def spec(self) -> Spec:
        return Spec(scale=self.scale, seed=self.seed, as_of=self.as_of)

    def totals(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for per_table in self.counts.values():
            for table, n in per_table.items():
                totals[table] = totals.get(table, 0) + n
        return totals


def read_manifest(layout: Layout) -> Manifest | None:
    if not layout.manifest.exists():
        return None
    return Manifest.model_validate_json(layout.manifest.read_text(encoding="utf-8"))


def require_manifest(layout: Layout) -> Manifest:
    manifest = read_manifest(layout)
    if manifest is None:
        raise NationMissing(
            f"no nation in {layout.root}: build one with `statelink demo --no-serve`"
            " (or pass --data to point at another folder)"
        )
    return manifest


def build_state(state: str, spec: Spec, path: Path) -> dict[str, int]:
    """Generate one state's records into ``path`` (atomically); return row counts."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    store = RecordStore(state, open_engine(sqlite_url(partial), bulk_load=True))
    try:
        store.create_schema()
        store.insert(generate(state, spec))
        counts = store.counts()
    finally:
        store.close()
    os.replace(partial, path)
    return counts


def build_nation(
    layout: Layout,
    spec: Spec,
    *,
    workers: int | None = None,
    on_state: Callable[[str, dict[str, int]], None] | None = None,
) -> Manifest:
    """Build the directory and all 51 states' records, largest states first, in parallel.

    The seed directory is merged under any directory already there, so agencies that
    were imported or edited survive a rebuild.
    """
    if spec.scale <= 0 or spec.scale > 1:
        raise UsageError(f"--scale must be above 0 and at most 1, given {spec.scale}")
    started = dt.datetime.now(dt.UTC)
    layout.manifest.unlink(missing_ok=True)
    existing = Directory.read(layout.directory) if layout.directory.exists() else Directory([])
    seed_directory().merged(existing).write(layout.directory)  # imported agencies win
    order = sorted(CODES, key=lambda s: -STATES[s].population)
    counts: dict[str, dict[str, int]] = {}
    with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        futures = {pool.submit(build_state, s, spec, layout.records(s)): s for s in order}
        for future in as_completed(futures):
            state = futures[future]
            counts[state] = future.result()
            if on_state is not None:
                on_state(state, counts[state])
    finished = dt.datetime.now(dt.UTC)
    manifest = Manifest(
        scale=spec.scale,
        seed=spec.seed,
        as_of=spec.as_of,
        built_at=finished,
        build_seconds=round((finished - started).total_seconds(), 2),
        counts=dict(sorted(counts.items())),
    )
    layout.manifest.write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
    return manifest


def open_directory(layout: Layout) -> Directory:
    require_manifest(layout)
    return Directory.read(layout.directory)


def open_records(layout: Layout, state: str) -> RecordStore:
    manifest = require_manifest(layout)
    code = state.strip().upper()
    if code not in manifest.counts:
        raise UsageError(f"unknown state {state!r}: expected one of {' '.join(manifest.counts)}")
    return RecordStore.open(code, layout.records(code))
