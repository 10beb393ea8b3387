"""A real witness: ``statelink witness serve`` in its own process on a loopback port."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from statelink.witness.keys import WitnessKey


@dataclass(frozen=True)
class RunningWitness:
    folder: Path
    url: str
    vkey: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "statelink", *args], capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def witness_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "witness"
    done = cli("witness", "init", "--dir", str(folder), "--name", "witness.example/w1")
    assert done.returncode == 0, done.stderr
    return folder


def start(folder: Path) -> Iterator[RunningWitness]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "statelink", "witness", "serve", "--dir", str(folder),
         "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # bounded: up to about 30 s for the process to listen
            try:
                httpx.get(f"{url}/0/checkpoint", timeout=1.0)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                time.sleep(0.1)
        yield RunningWitness(folder, url, WitnessKey.load(folder).verifier_key())
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def witness(witness_dir: Path) -> Iterator[RunningWitness]:
    yield from start(witness_dir)
