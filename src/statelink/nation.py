"""A nation on disk: the data folder holding the directory and every state's records.

Layout of the data folder (``./statelink-data`` by default)::

    nation.json                 manifest: spec and counts; written last, so its presence
                                means the build finished
    directory.csv               the directory (contract 4)
    states/WA/records.sqlite    the state's records
    states/WA/node.sqlite       the node's settings (serious crime, certifications, notices)
    states/WA/policy.json       the active policy set; policies/<digest>/ every set applied
    states/WA/audit.sqlite      the state's audit log (records, Merkle tree, checkpoints)
    states/WA/keys/             the node's audit keys, outside the audit store
    states/WA/drafts/           `statelink policy init`'s starting set (not in force)
    hub.sqlite                  the hub's routing log (metadata only)

Each state's file is built under a temporary name and renamed into place when complete.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from statelink.errors import NationMissing, UsageError
from statelink.states import CODES, STATES

if TYPE_CHECKING:  # the stores, the policy engine and the generator load where used:
    # a light command (a directory lookup, a template) must not pay for them
    from statelink.audit.keys import NodeKeys
    from statelink.audit.log import AuditLog
    from statelink.directory import Directory
    from statelink.node_database import NodeDatabase
    from statelink.policy.active import PolicyStore
    from statelink.policy.decision_point import DecisionPoint
    from statelink.records import RecordStore
    from statelink.records.generator import Spec
    from statelink.store import Where
    from statelink.store.copy import Tables

DEFAULT_SCALE = 0.0002
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

    def drafts(self, state: str) -> Path:
        """Where ``statelink policy init`` writes a state's starting policy set by default
        (inside the data folder, so a draft never lands in whatever folder the user is in)."""
        return self.state_dir(state) / "drafts"

    def records(self, state: str) -> Path:
        return self.state_dir(state) / "records.sqlite"

    def audit(self, state: str) -> Path:
        """The state's tamper-evident audit log."""
        return self.state_dir(state) / "audit.sqlite"

    def analytics(self, state: str) -> Path:
        """The Parquet copy of the state's audit log that reports read."""
        return self.state_dir(state) / "analytics"

    def node_store(self, state: str) -> Where:
        """Where the state's node keeps its settings, review queue and notices: node.sqlite,
        or, on the state's own node machine, the database its ``serve node`` uses
        (``STATELINK_NODE_DATABASE`` with ``STATELINK_NODE_STATE`` naming this state)."""
        return _node_database(state) or self.node_db(state)

    def audit_store(self, state: str) -> Where:
        """Where the state's audit log is: audit.sqlite, or the node's database as above."""
        return _node_database(state) or self.audit(state)

    def has_audit(self, state: str) -> bool:
        where = self.audit_store(state)
        return not isinstance(where, Path) or where.exists()

    def keys(self, state: str) -> Path:
        """The node's audit keys (signing key, record-hash key), outside the audit store."""
        return self.state_dir(state) / "keys"

    @property
    def served(self) -> Path:
        """Written by a running ``statelink demo``: where its hub listens, and its pid."""
        return self.root / "hub.json"

    def running_hub(self) -> str | None:
        """The URL of a hub serving this folder right now, if any."""
        served = self.running()
        return str(served["url"]) if served else None

    def serving(self, state: str) -> Path:
        """Written by a running ``statelink serve node``: its pid (it owns the audit log)."""
        return self.state_dir(state) / "serving.json"

    def running_node(self, state: str) -> bool:
        """Whether a node service for the state runs on this machine right now."""
        try:
            served = json.loads(self.serving(state).read_text(encoding="utf-8"))
            os.kill(int(served["pid"]), 0)
        except (OSError, ValueError, KeyError, TypeError):
            return False
        return True

    def running(self) -> dict[str, str] | None:
        """What a demo serving this folder right now wrote: its hub's URL, its pid and, for
        ``--processes``, the TLS files a client of its hub uses (ca, cert, key)."""
        try:
            served = json.loads(self.served.read_text(encoding="utf-8"))
            os.kill(int(served["pid"]), 0)
            return {k: str(v) for k, v in served.items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    @property
    def ground_truth(self) -> Path:
        """What the demo's year of synthetic traffic sent: counts to check reports against."""
        return self.root / "ground-truth.json"

    @property
    def accounts(self) -> Path:
        """Dashboard accounts (names, roles, states, password hashes)."""
        return self.root / "accounts.json"

    @property
    def demo_accounts(self) -> Path:
        """The demo's generated sign-ins, printed when the demo starts."""
        return self.root / "demo-accounts.txt"

    @property
    def session_key(self) -> Path:
        """The key that signs dashboard session cookies."""
        return self.root / "session.key"

    @property
    def sessions(self) -> Path:
        """The dashboard's live sessions (hashed ids, accounts, times), shared by the
        dashboard and the ``statelink accounts`` commands that end them."""
        return self.root / "sessions.sqlite"

    @property
    def hub_db(self) -> Path:
        """The hub's routing log: who sent what where, and what came back (no content)."""
        return self.root / "hub.sqlite"

    def node_db(self, state: str) -> Path:
        """The node's own store: settings, certifications, review queue, notices."""
        return self.state_dir(state) / "node.sqlite"


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
        from statelink.records.generator import Spec

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
    from statelink.records import RecordStore
    from statelink.records.generator import generate
    from statelink.store import open_engine, sqlite_url

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
    from statelink.directory import Directory, seed_directory

    if spec.scale <= 0 or spec.scale > 1:
        raise UsageError(f"--scale must be above 0 and at most 1, given {spec.scale}")
    started = dt.datetime.now(dt.UTC)
    layout.manifest.unlink(missing_ok=True)
    existing = Directory.read(layout.directory) if layout.directory.exists() else Directory([])
    directory = seed_directory().merged(existing)  # imported agencies win
    directory.write(layout.directory)
    order = sorted(CODES, key=lambda s: -STATES[s].population)
    counts: dict[str, dict[str, int]] = {}
    with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        futures = {pool.submit(build_state, s, spec, layout.records(s)): s for s in order}
        for future in as_completed(futures):
            state = futures[future]
            counts[state] = future.result()
            if on_state is not None:
                on_state(state, counts[state])
    for state in order:
        provision_state(layout, state, directory, started.date())
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


def provision_state(layout: Layout, state: str, directory: Directory, today: dt.date) -> None:
    """The state's demo policy and settings, unless it has its own already; the node's
    review queue and notices are created (migrated) here too, not on its first message."""
    from statelink.node_database import NodeDatabase
    from statelink.policy.active import PolicyStore
    from statelink.provision import provision

    with NodeDatabase.open(state, layout.node_db(state)) as db:
        provision(state, PolicyStore(state, layout.state_dir(state)), db.settings, directory, today)


def _node_database(state: str) -> str | None:
    """The node database this machine's settings name for the state, if any."""
    from statelink.config import NodeStores  # pydantic-settings: only when a node is opened

    return NodeStores().database_for(state)


def open_node_database(layout: Layout, state: str) -> NodeDatabase:
    """A state's node database (settings, review queue, notices), as its node uses it."""
    from statelink.node_database import NodeDatabase

    code = known_state(layout, state)
    return NodeDatabase.open(code, layout.node_store(code))


def open_policy_store(layout: Layout, state: str) -> PolicyStore:
    from statelink.policy.active import PolicyStore

    code = known_state(layout, state)
    return PolicyStore(code, layout.state_dir(code))


def known_state(layout: Layout, state: str) -> str:
    manifest = require_manifest(layout)
    code = state.strip().upper()
    if code not in manifest.counts:
        raise UsageError(f"unknown state {state!r}: expected one of {' '.join(manifest.counts)}")
    return code


def open_decision_point(layout: Layout, state: str) -> DecisionPoint:
    """A state's decision point as its node would run it (for explain and the CLI)."""
    from statelink.directory.source import DirectorySource
    from statelink.policy.active import PolicyStore
    from statelink.policy.decision_point import DecisionPoint

    code = known_state(layout, state)
    return DecisionPoint(
        code,
        PolicyStore(code, layout.state_dir(code)),
        open_node_database(layout, code).settings,
        DirectorySource.open(layout.directory),
    )


def open_audit(layout: Layout, state: str) -> tuple[AuditLog, NodeKeys]:
    """A state's audit log and its keys, for reading and verifying (not for appending)."""
    from statelink.audit.keys import NodeKeys
    from statelink.audit.log import AuditLog

    code = known_state(layout, state)
    return AuditLog.open(code, layout.audit_store(code)), NodeKeys.load(code, layout.keys(code))


def open_directory(layout: Layout) -> Directory:
    from statelink.directory import Directory

    require_manifest(layout)
    return Directory.read(layout.directory)


def open_records(layout: Layout, state: str) -> RecordStore:
    from statelink.records import RecordStore

    code = known_state(layout, state)
    return RecordStore.open(code, layout.records(code))


def copy_node(
    layout: Layout, state: str, to: str, *, on_rows: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Copy a state's node (records, settings, review queue, notices, audit log) from the
    data folder's SQLite files into the database ``to``, for ``serve node --database``."""
    from statelink.audit.log import metadata as audit_tables
    from statelink.notices.store import metadata as notice_tables
    from statelink.policy.settings import metadata as settings_tables
    from statelink.records.schema import metadata as record_tables
    from statelink.review.queue import metadata as review_tables
    from statelink.store.copy import Tables

    code = known_state(layout, state)
    sources = [
        (layout.records(code), [Tables("records", record_tables)]),
        (
            layout.node_db(code),
            [
                Tables("settings", settings_tables),
                Tables("review", review_tables),
                Tables("notices", notice_tables),
            ],
        ),
        (layout.audit(code), [Tables("audit", audit_tables)]),
    ]
    return _copy(sources, to, on_rows)


def copy_hub(
    layout: Layout, to: str, *, on_rows: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Copy the hub's routing log and members into the database ``to``."""
    from statelink.hub.members import metadata as member_tables
    from statelink.hub.routing_log import metadata as routing_tables
    from statelink.store.copy import Tables

    tables = [Tables("routing", routing_tables), Tables("members", member_tables)]
    return _copy([(layout.hub_db, tables)], to, on_rows)


def _copy(
    sources: list[tuple[Path, list[Tables]]],
    to: str,
    on_rows: Callable[[str, int], None] | None,
) -> dict[str, int]:
    from statelink.store import engine_for
    from statelink.store.copy import copy_tables

    if to.startswith(("sqlite", "/", ".")):
        raise UsageError("--to must be a database URL such as postgresql://host/db")
    target = engine_for(to)
    copied: dict[str, int] = {}
    try:
        for path, tables in sources:
            source = engine_for(path)
            try:
                copied |= copy_tables(tables, source, target, on_rows=on_rows)
            finally:
                source.dispose()
    finally:
        target.dispose()
    return copied
