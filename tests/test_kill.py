"""SIGKILL mid-load: after a restart the log verifies and holds every answer given."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from statelink.audit import AuditLog
from statelink.nation import Layout, open_records
from tests.conftest import copy_nation

STATELINK = str(Path(sys.executable).with_name("statelink"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(root: Path, port: int, oln: str) -> subprocess.Popen[bytes]:
    """Start ``statelink demo`` serving ``root`` (without first sending it a year of
    traffic) and wait until WA has answered once."""
    process = subprocess.Popen(
        [STATELINK, "demo", "--data", str(root), "--port", str(port), "--no-traffic"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120  # a slow machine is not a failure
    while time.monotonic() < deadline:
        try:
            reply = httpx.post(
                f"http://127.0.0.1:{port}/v1/messages",
                timeout=10,
                content=f"DQ.NY0303000.WA.OLN/{oln}.PUR/C.",
                headers={"content-type": "text/plain"},
            )
            if reply.status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    errors = process.stderr.read().decode() if process.stderr else ""
    raise RuntimeError(f"the demo did not start: {errors}")


def test_sigkill_mid_load_loses_no_answered_record(layout: Layout, tmp_path: Path) -> None:
    own = copy_nation(layout, tmp_path / "nation")
    store = open_records(own, "WA")
    olns = [d.oln for d in store.list_drivers(50)]
    store.close()
    port = _free_port()
    server = _serve(own.root, port, olns[0])
    received: list[tuple[int, str]] = []
    stop = threading.Event()

    def load() -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            n = 0
            while not stop.is_set():
                try:
                    reply = client.post(
                        "/v1/messages",
                        content=(f"DQ.NY0303000.WA.OLN/{olns[n % len(olns)]}.PUR/C."),
                        headers={"content-type": "text/plain"},
                    )
                except httpx.HTTPError:
                    return  # the server is gone
                receipt = reply.json()["answers"][0]["receipt"]
                received.append((receipt["seq"], receipt["leaf_hash"]))
                n += 1

    workers = [threading.Thread(target=load) for _ in range(4)]
    for worker in workers:
        worker.start()
    time.sleep(1.5)
    os.killpg(server.pid, signal.SIGKILL)  # the server and its audit service, mid-load
    server.wait()
    stop.set()
    for worker in workers:
        worker.join()
    assert len(received) > 50

    server = _serve(own.root, port, olns[0])  # a restart carries on from the last durable record
    reply = httpx.post(
        f"http://127.0.0.1:{port}/v1/messages",
        content=f"DQ.NY0303000.WA.OLN/{olns[0]}.PUR/C.",
        headers={"content-type": "text/plain"},
    ).json()
    after = reply["answers"][0]["receipt"]["seq"]
    server.send_signal(signal.SIGINT)
    server.wait(timeout=30)

    log = AuditLog.open("WA", own.audit("WA"))
    try:
        assert after == log.size() - 1
        for seq, leaf in received:
            assert log.leaf_hash(seq).hex() == leaf
    finally:
        log.close()
    verified = subprocess.run(
        [STATELINK, "audit", "verify", "--state", "WA", "--data", str(own.root)],
        capture_output=True,
        text=True,
    )
    assert verified.returncode == 0, verified.stderr
    assert "verified" in verified.stdout


pytestmark = pytest.mark.slow
