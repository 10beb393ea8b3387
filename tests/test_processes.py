"""A service process: started with its program and arguments, its output in its log."""

from __future__ import annotations

import _thread
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from statelink.processes import Service, stop_services


def test_a_service_runs_statelink_by_default(tmp_path: Path) -> None:
    service = Service("cli", "", ["--help"], tmp_path / "cli.log")
    service.start({})
    assert service.process is not None
    assert service.process.wait(60) == 0
    assert "statelink" in (tmp_path / "cli.log").read_text()


def test_a_service_runs_another_program_with_the_same_arguments(tmp_path: Path) -> None:
    script = tmp_path / "baseline.py"
    script.write_text("import sys; print('baseline', sys.argv[1:])")
    service = Service("node", "", ["serve", "node"], tmp_path / "node.log", program=(str(script),))
    service.start({})
    assert service.process is not None
    assert service.process.wait(60) == 0
    assert (tmp_path / "node.log").read_text().strip() == "baseline ['serve', 'node']"


STUBBORN = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(120)"  # noqa: E501


def _stubborn(tmp_path: Path, name: str) -> Service:
    """A process that ignores SIGTERM, as a service stuck in its shutdown would."""
    service = Service(name, "", [], tmp_path / f"{name}.log", program=("-c", STUBBORN))
    service.start({})
    deadline = time.monotonic() + 30
    while "up" not in (tmp_path / f"{name}.log").read_text():
        assert time.monotonic() < deadline, "the stubborn process did not start"
        time.sleep(0.05)
    return service


def test_services_that_ignore_sigterm_are_killed_after_the_timeout(tmp_path: Path) -> None:
    services = [_stubborn(tmp_path, "hub"), _stubborn(tmp_path, "node")]
    processes = [s.process for s in services]
    started = time.monotonic()
    stop_services(services, timeout=1.0)
    assert time.monotonic() - started < 10  # one timeout for all, not one each
    assert all(p is not None and p.returncode == -signal.SIGKILL for p in processes)


@pytest.fixture
def default_sigint() -> Iterator[None]:
    """Ctrl-C raises KeyboardInterrupt, as in the CLI's process, whatever handler an
    earlier test in this process left behind (an event loop's runner installs its own)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.usefixtures("default_sigint")
def test_a_second_interrupt_while_stopping_kills_the_rest_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    services = [_stubborn(tmp_path, "hub"), _stubborn(tmp_path, "node")]
    processes = [s.process for s in services]
    threading.Timer(0.5, _thread.interrupt_main).start()  # Ctrl-C again, while it waits
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        stop_services(services, timeout=60.0)
    assert time.monotonic() - started < 30
    assert all(p is not None and p.poll() == -signal.SIGKILL for p in processes)
    assert all(not s.running() for s in services)


def test_a_service_starts_with_its_own_variables(tmp_path: Path) -> None:
    script = "import os; print(os.environ['STATELINK_HUB_REPLICA'], os.environ['KEPT'])"
    service = Service(
        "hub-2", "", [], tmp_path / "hub.log", program=("-c", script),
        env={"STATELINK_HUB_REPLICA": "hub-2"},
    )  # fmt: skip
    service.start({"KEPT": "yes"})
    assert service.process is not None
    assert service.process.wait(60) == 0
    assert (tmp_path / "hub.log").read_text().split() == ["hub-2", "yes"]


PARENT = (
    "import signal, subprocess, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)']); "
    "print(child.pid, flush=True); time.sleep(120)"
)


def test_a_group_service_is_killed_with_its_children(tmp_path: Path) -> None:
    """nginx's workers outlive a killed master: a service marked ``group`` takes them along."""
    log = tmp_path / "nginx.log"
    service = Service("nginx", "", [], log, program=("-c", PARENT), group=True)
    service.start({})
    deadline = time.monotonic() + 30
    while not log.read_text().strip():
        assert time.monotonic() < deadline, "the parent did not start its child"
        time.sleep(0.05)
    child = int(log.read_text().split()[0])
    stop_services([service], timeout=0.5)  # it ignores SIGTERM: killed, with its child
    deadline = time.monotonic() + 10
    while _alive(child):
        assert time.monotonic() < deadline, "the child outlived its killed parent"
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
