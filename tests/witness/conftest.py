"""A real witness: ``statelink witness serve`` in its own process on a loopback port; and
a hostile one, a real HTTP server on loopback that answers as no honest witness would."""

from __future__ import annotations

import gzip
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from statelink.audit import verifier
from statelink.witness.keys import WitnessKey
from statelink.witness.submission import Submission
from tests.web.conftest import serving


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


def start(folder: Path, *options: str) -> Iterator[RunningWitness]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "statelink", "witness", "serve", "--dir", str(folder),
         "--port", str(port), *options],
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


@dataclass(frozen=True)
class HostileWitness:
    """A server that answers ``POST /<mode>/add-checkpoint`` as a broken or hostile witness
    would; the cosigning modes sign with ``key`` (vkey ``vkey``)."""

    url: str
    vkey: str


def _hostile_app(key: WitnessKey) -> Starlette:
    async def answer(request: Request) -> Response:
        mode = request.path_params["mode"]
        body = await request.body()
        size_type = {"content-type": "text/x.tlog.size"}
        fixed = {
            "superscript": Response("\u00b2", 409, headers=size_type),
            "beyond": Response(f"{1 << 63}\n", 409, headers=size_type),
            "largest": Response(f"{(1 << 63) - 1}\n", 409, headers=size_type),
            "huge": Response("\u2014 x ".encode() + b"A" * (1 << 20), 200),
            "gzip": Response(
                gzip.compress(b"\0" * (8 << 20)), 200, headers={"content-encoding": "gzip"}
            ),
            "control": Response("\x1b[2Jboom\x07", 500),
        }
        if mode in fixed:
            return fixed[mode]
        shift = {"replay": -3600, "future": 3600, "fresh": 0}[mode]
        text = verifier.note_text(Submission.parse(body).note)
        return Response(key.cosign(text, timestamp=int(time.time()) + shift), 200)

    return Starlette(routes=[Route("/{mode}/add-checkpoint", answer, methods=["POST"])])


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[HostileWitness]:
    key = WitnessKey.create(tmp_path / "hostile", "hostile.example/w6")
    with serving(_hostile_app(key)) as url:
        yield HostileWitness(url, key.verifier_key())
