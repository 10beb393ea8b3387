"""A real HTTP server on loopback (uvicorn in a thread), serving the embedded network."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import pytest
import uvicorn
from playwright.sync_api import Browser, sync_playwright
from starlette.types import ASGIApp

from statelink.embedded import EmbeddedNetwork
from statelink.nation import Layout
from statelink.web.api import create_app
from statelink.web.http_protocol import ProblemProtocol
from tests.conftest import copy_nation


@pytest.fixture(scope="module")
def served(layout: Layout, tmp_path_factory: pytest.TempPathFactory) -> Layout:
    """The nation the test server owns (its own copy: one writer per audit log)."""
    return copy_nation(layout, tmp_path_factory.mktemp("served"))


@contextmanager
def serving(app: ASGIApp, lifespan: Literal["on", "off"] = "on") -> Iterator[str]:
    """``app`` served by uvicorn on a free loopback port, in a thread, with the HTTP
    protocol the services use; its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    http = ProblemProtocol.serving(app)
    config = uvicorn.Config(app, log_level="warning", lifespan=lifespan, http=http)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def base_url(served: Layout) -> Iterator[str]:
    with serving(create_app(EmbeddedNetwork.open(served))) as url:
        yield url


def _install_chromium() -> None:
    """Install Debian's chromium (the test setup's job, like starting a service)."""
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*sudo, "apt-get", "install", "-y", "-q", "chromium"]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        subprocess.run([*sudo, "apt-get", "update", "-q"], env=env, capture_output=True)
        subprocess.run(install, env=env, capture_output=True)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium, installed if missing; the browser tests fail (never skip) without it."""
    path = shutil.which("chromium")
    if path is None:
        _install_chromium()
        path = shutil.which("chromium")
    if path is None:
        pytest.fail("the dashboard tests need Debian's chromium: apt-get install chromium")
    return path


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Browser]:
    """Debian's chromium, headless, driven by Playwright."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield launched
        launched.close()
