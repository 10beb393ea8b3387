"""``statelink demo --processes --hubs 2``: nginx, two hubs, nodes and PostgreSQL stores on
one machine, the way a user runs it; Ctrl-C stops every one of them, nginx included."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from statelink.nation import Layout
from statelink.processes import free_port
from tests.conftest import Run, copy_nation
from tests.nginx import require_nginx
from tests.postgres import ADMIN_URL, require_server

SERVICE = re.compile(r"^  (nginx|hub-\d|node [A-Z]{2}) +(https://\S+)  pid (\d+)", re.MULTILINE)


def _children(pid: int) -> list[int]:
    """A process's children (nginx's workers), from /proc."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    status = Path(f"/proc/{pid}/status")
    return not status.exists() or "zombie" in status.read_text()


@pytest.fixture
def demo_data(layout: Layout, tmp_path: Path) -> Iterator[Layout]:
    own = copy_nation(layout, tmp_path / "nation")
    yield own
    prefix = "statelink_demo_%"  # the databases the demo made for this data folder
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        names = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (prefix,)
        ).fetchall()
        made = (out := tmp_path / "demo.out").exists() and out.read_text()
        for (name,) in names:
            if made and name in made:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _wait_for(out: Path, process: subprocess.Popen[bytes], text: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while True:
        said = out.read_text() if out.exists() else ""
        if text in said:
            return said
        assert process.poll() is None, f"the demo exited ({process.returncode}):\n{said}"
        assert time.monotonic() < deadline, f"the demo did not say {text!r}:\n{said}"
        time.sleep(0.2)


def _stop(demo: subprocess.Popen[bytes], out: Path) -> None:
    """Whatever happened, leave nothing running: Ctrl-C, then the services by their pids."""
    if demo.poll() is None:
        demo.send_signal(signal.SIGINT)
        try:
            demo.wait(60)
        except subprocess.TimeoutExpired:
            demo.kill()
            demo.wait()
    said = out.read_text() if out.exists() else ""
    for _, _, pid in SERVICE.findall(said):
        if not _gone(int(pid)):
            os.killpg(int(pid), signal.SIGKILL)  # each service leads its own session


def test_two_hubs_behind_nginx_serve_and_ctrl_c_stops_them_all(
    demo_data: Layout, tmp_path: Path, run: Callable[..., Run]
) -> None:
    require_nginx()
    require_server()
    port = free_port()
    out = tmp_path / "demo.out"
    words = ["demo", "--data", str(demo_data.root), "--no-traffic", "--processes"]
    words += ["--hubs", "2", "--node", "WA", "--node", "OR", "--port", str(port)]
    env = {**os.environ, "STATELINK_POSTGRES": ADMIN_URL, "PYTHONUNBUFFERED": "1"}
    with out.open("wb") as sink:
        demo = subprocess.Popen(
            [sys.executable, "-m", "statelink", *words],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        said = _wait_for(out, demo, "Ctrl-C to stop", timeout=120)
        services = {name: (url, int(pid)) for name, url, pid in SERVICE.findall(said)}
        assert list(services) == ["nginx", "hub-1", "hub-2", "node WA", "node OR"]  # nginx first
        assert services["nginx"][0] == f"https://127.0.0.1:{port}"
        assert f"hub on https://127.0.0.1:{port}/v1" in said
        assert re.search(r"hub database postgresql://\S+/statelink_demo_\w+_hub", said)
        workers = _children(services["nginx"][1])
        assert workers, "nginx runs its workers"
        asked = run(
            "query", "--data", str(demo_data.root), "DNQ.WA0340000.WA.NAM/SMITH, JAMES.PUR/C."
        )
        assert asked.code == 0, asked.err
        assert "from WA0340000 to 1 state(s)" in asked.out
        demo.send_signal(signal.SIGINT)  # Ctrl-C
        assert demo.wait(60) != 0
        pids = [pid for _, pid in services.values()] + workers
        deadline = time.monotonic() + 15
        while not all(_gone(pid) for pid in pids):
            left = [p for p in pids if not _gone(p)]
            assert time.monotonic() < deadline, f"left running: {left}"
            time.sleep(0.2)
        assert "stopping the hub and nodes" in out.read_text()
    finally:
        _stop(demo, out)  # only if something above failed: nothing is left behind


def test_two_hubs_without_postgresql_say_what_to_give(
    demo_data: Layout, run: Callable[..., Run]
) -> None:
    require_nginx()
    nothing = f"postgresql://postgres@127.0.0.1:{free_port()}/postgres"
    result = run(
        "demo", "--data", str(demo_data.root), "--no-traffic", "--processes", "--hubs", "2",
        "--postgres", nothing, "--port", str(free_port()),
    )  # fmt: skip
    assert result.code == 1
    assert "PostgreSQL does not answer at" in result.err
    assert "--postgres" in result.err
    assert "apt-get install postgresql" in result.err


def test_several_hubs_go_with_processes(demo_data: Layout, run: Callable[..., Run]) -> None:
    result = run("demo", "--data", str(demo_data.root), "--no-traffic", "--hubs", "2")
    assert result.code == 2
    assert "--hubs and --postgres go with --processes" in result.err
