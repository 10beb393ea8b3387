"""Shared fixtures: one small real nation, built once per test session."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from statelink.cli import main
from statelink.embedded import EmbeddedNetwork
from statelink.nation import Layout, Manifest, build_nation, read_manifest
from statelink.node import StateNode
from statelink.records import RecordStore
from statelink.records.generator import Spec
from statelink.simulation import run_year, write_truth

TEST_SPEC = Spec(scale=0.00005, seed=7, as_of=dt.date(2026, 1, 1))
"""About 16,500 residents nationwide: every state has records, WA has about 385."""


@pytest.fixture(scope="session")
def nation(tmp_path_factory: pytest.TempPathFactory) -> tuple[Layout, Manifest]:
    layout = Layout(tmp_path_factory.mktemp("nation"))
    return layout, build_nation(layout, TEST_SPEC, workers=2)


@pytest.fixture(scope="session")
def layout(nation: tuple[Layout, Manifest]) -> Layout:
    return nation[0]


@pytest.fixture(scope="session")
def network(layout: Layout) -> Iterator[EmbeddedNetwork]:
    """The session nation's network, shared: tests must not change its files."""
    net = EmbeddedNetwork.open(layout)
    yield net
    asyncio.run(net.aclose())


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def copy_nation(layout: Layout, target: Path, *, logs: bool = False) -> Layout:
    """A private copy of a nation, for tests that change files.

    Unless ``logs``, the copy leaves out what running networks wrote (audit logs, the
    hub's routing log), so it starts with empty logs whatever other tests did.
    """
    import shutil

    ignore = None if logs else shutil.ignore_patterns("audit.sqlite*", "hub.sqlite*")
    shutil.copytree(layout.root, target, dirs_exist_ok=True, ignore=ignore)
    return Layout(target)


@dataclass
class Run:
    """What a user sees from one ``statelink`` command: exit code, stdout, stderr."""

    code: int
    out: str
    err: str


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Run the real ``statelink`` entry point in-process."""

    def invoke(*args: str) -> Run:
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return invoke


UNTIL = dt.date(2026, 11, 1)


@pytest.fixture(scope="session")
def year(layout: Layout, tmp_path_factory: pytest.TempPathFactory) -> Layout:
    own = copy_nation(layout, tmp_path_factory.mktemp("year"))
    manifest = read_manifest(own)
    assert manifest is not None

    async def send() -> None:
        async with EmbeddedNetwork.open(own) as network:
            result = await run_year(network, scale=manifest.scale, seed=manifest.seed, until=UNTIL)
        write_truth(own.ground_truth, result, scale=manifest.scale, seed=manifest.seed)

    asyncio.run(send())
    return own


@pytest.fixture(scope="session")
def truth(year: Layout) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(year.ground_truth.read_text(encoding="utf-8"))
    return loaded


BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def node_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path | str]:
    """Where a node's stores live: a SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield tmp_path / "node.sqlite"
        return
    from tests.postgres import drop_database, fresh_database

    url = fresh_database()
    yield url
    drop_database(url)


def records_of(node: StateNode) -> RecordStore:
    """A node's records store (a node needs only its search; tests read more of it)."""
    assert isinstance(node.records, RecordStore)
    return node.records
