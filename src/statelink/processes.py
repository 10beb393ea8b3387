"""A networked statelink on one machine: the hub and some state nodes as processes.

Used by ``statelink demo --processes``, the integration tests and the benchmarks: each
service is a real ``statelink serve`` process on loopback, over mutual TLS with the
development PKI. Logs go to one file per service.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx

from statelink.errors import ServiceFailed
from statelink.nation import Layout
from statelink.pki import Pki
from statelink.transport.tls import client_context

START_SECONDS = 60.0
STOP_SECONDS = 10.0


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Service:
    name: str
    url: str
    args: list[str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    program: tuple[str, ...] = ("-m", "statelink")
    """What Python runs with ``args`` (a benchmark may run its own baseline instead)."""

    def start(self, env: Mapping[str, str]) -> None:
        out = open(self.log, "ab")  # noqa: SIM115 (the child keeps it)
        self.process = subprocess.Popen(
            [sys.executable, *self.program, *self.args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(env),
            start_new_session=True,  # ^C in the demo's terminal reaches only the demo
        )
        out.close()

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal(self, sig: int) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        stop_services([self], timeout)

    def _terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(OSError):
                self.process.send_signal(signal.SIGCONT)  # a paused one must be able to exit
                self.process.terminate()

    def _wait(self, deadline: float) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self._kill()
        self.process = None

    def _kill(self) -> None:
        if self.process is not None:
            with contextlib.suppress(OSError):
                self.process.kill()
            self.process.wait()
            self.process = None


def stop_services(services: Sequence[Service], timeout: float = STOP_SECONDS) -> None:
    """Ask every service to stop (SIGTERM), give them ``timeout`` seconds together, then
    kill those still running. An interrupt meanwhile (a second Ctrl-C) kills the rest at
    once and is raised again: nothing is left running behind the caller."""
    try:
        for service in services:
            service._terminate()
        deadline = time.monotonic() + timeout
        for service in services:
            service._wait(deadline)
    except BaseException:
        for service in services:
            service._kill()
        raise


@dataclass
class ProcessNetwork:
    layout: Layout
    pki: Pki
    states: Sequence[str]
    logs: Path
    hub_database: str | None = None
    node_databases: Mapping[str, str] = field(default_factory=dict)
    node_records: Mapping[str, str] = field(default_factory=dict)
    host: str = "127.0.0.1"
    hub_port: int = 0
    single_timeout: float = 10.0
    nationwide_timeout: float = 60.0
    hub: Service = field(init=False)
    nodes: dict[str, Service] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        tls = ["--ca", str(self.pki.ca)]
        for state in self.states:
            port = free_port(self.host)
            args = [
                "serve", "node", "--state", state, "--data", str(self.layout.root),
                "--host", self.host, "--port", str(port),
                "--cert", str(self.pki.node(state)), "--key", str(self.pki.node_key(state)),
                "--hub-cert", str(self.pki.hub), *tls,
            ]  # fmt: skip
            if state in self.node_databases:
                args += ["--database", self.node_databases[state]]
            if state in self.node_records:
                args += ["--records", self.node_records[state]]
            self.nodes[state] = Service(
                f"node {state}",
                f"https://{self.host}:{port}",
                args,
                self.logs / f"node-{state}.log",
            )
        port = self.hub_port or free_port(self.host)
        args = [
            "serve", "hub", "--data", str(self.layout.root), "--host", self.host,
            "--port", str(port), "--cert", str(self.pki.hub), "--key", str(self.pki.hub_key),
            "--single-timeout", str(self.single_timeout),
            "--nationwide-timeout", str(self.nationwide_timeout), *tls,
        ]  # fmt: skip
        for state, node in self.nodes.items():
            args += ["--node", f"{state}={node.url}"]
        if self.hub_database:
            args += ["--database", self.hub_database]
        self.hub = Service("hub", f"https://{self.host}:{port}", args, self.logs / "hub.log")

    @property
    def services(self) -> list[Service]:
        return [*self.nodes.values(), self.hub]

    def start(self) -> None:
        """Start every node, then the hub; return once all answer their health check."""
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        for node in self.nodes.values():
            node.start(env)
        for node in self.nodes.values():
            self.wait_healthy(node)
        self.hub.start(env)
        self.wait_healthy(self.hub)

    def restart_node(self, state: str) -> None:
        node = self.nodes[state]
        node.stop()
        node.start({**os.environ, "PYTHONUNBUFFERED": "1"})
        self.wait_healthy(node)

    def wait_healthy(self, service: Service, timeout: float = START_SECONDS) -> None:
        context = client_context(ca=self.pki.ca, cert=self.pki.hub, key=self.pki.hub_key)
        deadline = time.monotonic() + timeout
        while True:
            if not service.running():
                raise service_failed(service, "exited")
            try:
                if httpx.get(service.url + "/v1/health", verify=context, timeout=2).is_success:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise service_failed(service, f"did not answer within {timeout:g} s")
            time.sleep(0.1)

    def stop(self) -> None:
        stop_services(list(reversed(self.services)))

    def __enter__(self) -> ProcessNetwork:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def service_failed(service: Service, what: str) -> ServiceFailed:
    """The error for a service that failed, in one line: where its log is, and the log's
    last line (a statelink service's own one-line error, when it wrote one)."""
    last = ""
    with contextlib.suppress(OSError):
        lines = service.log.read_text(errors="replace")[-2000:].splitlines()
        last = next((line.strip() for line in reversed(lines) if line.strip()), "")
    ends = f"; it ends: {last}" if last else ""
    return ServiceFailed(f"{service.name} {what}; see its log {service.log}{ends}")
