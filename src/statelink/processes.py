"""A networked statelink on one machine: the hub and some state nodes as processes.

Used by ``statelink demo --processes``, the integration tests and the benchmarks: each
service is a real ``statelink serve`` process on loopback, over mutual TLS with the
development PKI. Logs go to one file per service.

With ``hubs`` > 1 the hub runs as that many replicas sharing one PostgreSQL database,
behind nginx (:mod:`statelink.balancer`): the clients' hub URL is nginx's, and a
readiness checker in this process takes a replica that is not ready out of nginx.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx

from statelink.balancer import Balancer, Change, ReadinessChecker, Replica, Site
from statelink.errors import ServiceFailed, UsageError
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
    executable: str = sys.executable
    """The program itself: Python (then ``program``), or another (nginx)."""
    env: Mapping[str, str] = field(default_factory=dict)
    """Variables added to the environment the service starts with."""
    group: bool = False
    """Killed as a process group (nginx: its workers outlive a killed master)."""

    def start(self, env: Mapping[str, str]) -> None:
        out = open(self.log, "ab")  # noqa: SIM115 (the child keeps it)
        self.process = subprocess.Popen(
            [self.executable, *self.program, *self.args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**env, **self.env},
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
                if self.group:  # its own session (start_new_session): pgid = pid
                    os.killpg(self.process.pid, signal.SIGKILL)
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
    """The port members use: the hub's, or nginx's when there is a balancer."""
    single_timeout: float = 10.0
    nationwide_timeout: float = 60.0
    hubs: int = 1
    """Hub replicas; more than one needs ``hub_database`` in PostgreSQL and gets nginx."""
    balanced: bool | None = None
    """nginx in front of the hubs (default: when ``hubs`` > 1)."""
    check_interval: float = 1.0
    """Seconds between the readiness checker's rounds (with a balancer)."""
    on_change: Callable[[Change], None] | None = None
    """Told when the readiness checker takes a hub out or puts it back."""
    hub: Service = field(init=False)
    """The first hub replica (the only one, usually)."""
    replicas: list[Service] = field(init=False, default_factory=list)
    nodes: dict[str, Service] = field(init=False, default_factory=dict)
    balancer: Balancer | None = field(init=False, default=None)
    nginx: Service | None = field(init=False, default=None)
    checker: ReadinessChecker | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self._check_topology()
        self.logs.mkdir(parents=True, exist_ok=True)
        for state in self.states:
            self.nodes[state] = self._node(state)
        balanced = self.hubs > 1 if self.balanced is None else self.balanced
        own_port = not balanced and self.hub_port
        for number in range(1, self.hubs + 1):
            port = self.hub_port if own_port else free_port(self.host)
            self.replicas.append(self._hub(f"hub-{number}", port))
        self.hub = self.replicas[0]
        if balanced:
            self._balance(self.hub_port or free_port(self.host))

    def _check_topology(self) -> None:
        if self.hubs < 1:
            raise UsageError(f"a network needs at least one hub (given {self.hubs})")
        if self.hubs > 1 and not (self.hub_database or "").startswith("postgresql"):
            raise UsageError(
                f"{self.hubs} hub replicas share their members, tokens, resubmissions and "
                "routing log in one PostgreSQL database: give the hub database as "
                "postgresql://USER@HOST:PORT/DATABASE"
            )

    def _node(self, state: str) -> Service:
        port = free_port(self.host)
        args = [
            "serve", "node", "--state", state, "--data", str(self.layout.root),
            "--host", self.host, "--port", str(port),
            "--cert", str(self.pki.node(state)), "--key", str(self.pki.node_key(state)),
            "--hub-cert", str(self.pki.hub), "--ca", str(self.pki.ca),
        ]  # fmt: skip
        if state in self.node_databases:
            args += ["--database", self.node_databases[state]]
        if state in self.node_records:
            args += ["--records", self.node_records[state]]
        url = f"https://{self.host}:{port}"
        return Service(f"node {state}", url, args, self.logs / f"node-{state}.log")

    def _hub(self, name: str, port: int) -> Service:
        args = [
            "serve", "hub", "--data", str(self.layout.root), "--host", self.host,
            "--port", str(port), "--cert", str(self.pki.hub), "--key", str(self.pki.hub_key),
            "--single-timeout", str(self.single_timeout),
            "--nationwide-timeout", str(self.nationwide_timeout), "--ca", str(self.pki.ca),
        ]  # fmt: skip
        for state, node in self.nodes.items():
            args += ["--node", f"{state}={node.url}"]
        if self.hub_database:
            args += ["--database", self.hub_database]
        url = f"https://{self.host}:{port}"
        if self.hubs == 1:
            return Service("hub", url, args, self.logs / "hub.log")
        log = self.logs / f"{name}.log"
        return Service(name, url, args, log, env={"STATELINK_HUB_REPLICA": name})

    def _balance(self, port: int) -> None:
        replicas = tuple(Replica(s.name, s.url.removeprefix("https://")) for s in self.replicas)
        self.balancer = Balancer.inside(self.logs / "nginx", Site(f"{self.host}:{port}", replicas))
        self.nginx = Service(
            "nginx",
            f"https://{self.host}:{port}",
            self.balancer.command()[1:],
            self.logs / "nginx.log",
            program=(),
            executable=self.balancer.program,
            group=True,
        )

    @property
    def url(self) -> str:
        """The hub's URL for members: nginx's when there is one."""
        return self.nginx.url if self.nginx is not None else self.hub.url

    @property
    def services(self) -> list[Service]:
        """Every service, in the order they start."""
        return [*self.nodes.values(), *self.replicas, *([self.nginx] if self.nginx else [])]

    def start(self) -> None:
        """Start every node, then the hubs, then nginx; return once all answer their
        health check (nginx's through to a hub)."""
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        for node in self.nodes.values():
            node.start(env)
        for node in self.nodes.values():
            self.wait_healthy(node)
        for replica in self.replicas:  # one by one: the first brings the database's
            replica.start(env)  # tables to the newest revision
            self.wait_healthy(replica)
        if self.balancer is not None and self.nginx is not None:
            self.balancer.write()
            self.nginx.start(env)
            self.wait_healthy(self.nginx)
            self.checker = ReadinessChecker(
                self.balancer,
                {s.name: s.url for s in self.replicas},
                client_context(ca=self.pki.ca),
                interval=self.check_interval,
                on_change=self.on_change,
            )
            self.checker.start()

    def replica(self, name: str) -> Service:
        """The hub replica called ``name`` (``hub-1``...)."""
        found = [s for s in self.replicas if s.name == name]
        if not found:
            raise UsageError(f"no hub replica {name}: {', '.join(s.name for s in self.replicas)}")
        return found[0]

    def restart_hub(self, name: str) -> None:
        """Start the replica ``name`` again (stopped first if it runs), on its own port."""
        hub = self.replica(name)
        hub.stop()
        hub.start({**os.environ, "PYTHONUNBUFFERED": "1"})
        self.wait_healthy(hub)

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
        """Stop the checker, then every service: nginx first, the nodes last."""
        try:
            if self.checker is not None:
                self.checker.stop()
        finally:
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
