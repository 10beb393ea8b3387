"""``statelink demo --processes``: the real topology on loopback.

The hub and a few state nodes run as separate ``statelink serve`` processes over mutual
TLS with a development PKI (``<data>/pki``); three members show the two ways to connect
and ORI ownership: ``demo-operator`` (every state and federal component, by client
certificate; ``statelink query`` uses it), ``wa-switch`` (Washington's agencies, by
certificate) and ``ice-line`` (ICE and HSI offices, by bearer token).

With ``--hubs N`` (N > 1) the hub runs as N replicas behind nginx, and every store is in
PostgreSQL (``--postgres``): one database for the hubs' shared state and one per node,
made afresh on each run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rich.markup import escape

from statelink.cli.options import console
from statelink.states import CODES

if TYPE_CHECKING:
    from statelink import pki as dev_pki
    from statelink.balancer import Change
    from statelink.examples import Example
    from statelink.nation import Layout
    from statelink.processes import ProcessNetwork
    from statelink.store import Where

DEFAULT_NODES = ("WA", "OR", "ID")
MEMBERS = ("demo-operator", "wa-switch")
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
"""The machine's own PostgreSQL, as the tests use it (``--postgres``, ``STATELINK_POSTGRES``)."""


@dataclass(frozen=True)
class Topology:
    """What ``demo --processes`` runs: where members connect, the nodes, the hubs, and
    the PostgreSQL server its stores go to (None: SQLite files in the data folder)."""

    host: str
    port: int
    states: Sequence[str]
    hubs: int = 1
    postgres: str | None = None


@dataclass(frozen=True)
class Databases:
    """The demo's PostgreSQL databases: the hubs' shared one and one per node."""

    hub: str
    nodes: dict[str, str] = field(default_factory=dict)


def _pki(where: Layout) -> dev_pki.Pki:
    from statelink import pki as dev_pki

    pki = dev_pki.Pki(where.root / "pki")
    complete = pki.ca.exists() and all(pki.member(m).exists() for m in MEMBERS)
    if not complete:
        dev_pki.init(pki.root, states=CODES, members=MEMBERS, force=True)
    return pki


def _members(where: Layout, pki: dev_pki.Pki, hub_db: Where) -> str:
    """Register the demo's members afresh; the ice-line token (new on every run)."""
    from statelink import pki as dev_pki
    from statelink.directory.source import DirectorySource
    from statelink.hub.members import MemberStore

    store = MemberStore.open("hub", hub_db)
    try:
        for name in ("demo-operator", "wa-switch", "ice-line"):
            if store.find(name) is not None:
                store.remove(name)
        directory = DirectorySource.open(where.directory).current()
        components = sorted({a.component for a in directory if a.component})
        store.add(
            "demo-operator",
            states=CODES,
            components=components,
            cert_sha256=dev_pki.fingerprint_of(pki.member("demo-operator")),
        )
        store.add(
            "wa-switch", states=["WA"], cert_sha256=dev_pki.fingerprint_of(pki.member("wa-switch"))
        )
        store.add("ice-line", components=["ICE", "HSI"])
        _, token = store.issue_token("ice-line")
    finally:
        store.close()
    return token


@dataclass(frozen=True)
class Tries:
    """What the commands to try need: the program, the hub, the PKI, a token, examples."""

    me: str
    base: str
    pki: dev_pki.Pki
    token: str
    tour: list[Example]
    last_pid: str  # a node's process to stop ("?" if it has none)
    databases: Databases | None = None


def serve_processes(where: Layout, topology: Topology, tour: list[Example], me: str) -> None:
    """Start nginx (with several hubs), the hubs and nodes, print how to use them, and run
    until Ctrl-C."""
    from statelink.balancer import nginx_program
    from statelink.processes import ProcessNetwork

    if topology.hubs > 1:
        nginx_program()  # installed, with its stream module, before anything is made
    databases = _databases(where, topology) if topology.postgres else None
    pki = _pki(where)
    token = _members(where, pki, databases.hub if databases else where.hub_db)
    network = ProcessNetwork(
        where,
        pki,
        list(topology.states),
        where.root / "logs",
        host=topology.host,
        hub_port=topology.port,
        hub_database=databases.hub if databases else None,
        node_databases=databases.nodes if databases else {},
        node_records=databases.nodes if databases else {},
        hubs=topology.hubs,
        on_change=_said_checker,
    )
    console.print(f"\n[bold]starting[/] {_what(topology)} as processes over mutual TLS…")
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        network.start()
        base = network.url
        _write_served(where, base, pki)
        _print_services(network, pki, databases)
        last = network.nodes[topology.states[-1]].process
        pid = str(last.pid) if last else "?"
        _print_tries(Tries(me, base, pki, token, tour, pid, databases))
        if network.nginx is not None:
            _print_replica_tries(network)
        console.print(f"\nhub on {base}/v1 (OpenAPI: {base}/docs) — Ctrl-C to stop", markup=False)
        _run_until_stopped(network, stop)
    finally:
        signal.signal(signal.SIGTERM, previous)
        where.served.unlink(missing_ok=True)
        if any(service.running() for service in network.services):
            console.print("stopping the hub and nodes… (Ctrl-C again stops them at once)")
        network.stop()


def _what(topology: Topology) -> str:
    nodes = f"{len(topology.states)} node(s) ({', '.join(topology.states)})"
    if topology.hubs == 1:
        return f"the hub and {nodes}"
    return f"nginx, {topology.hubs} hub replicas and {nodes}"


def _said_checker(change: Change) -> None:
    """The readiness checker took a hub out of nginx, or put it back: say so."""
    if change.ready:
        console.print(f"load balancer: {change.replica} is ready again: back in", markup=False)
    else:
        console.print(
            f"load balancer: {change.replica} is not ready ({change.why}): taken out",
            markup=False,
        )


def _databases(where: Layout, topology: Topology) -> Databases:
    """Make the demo's databases afresh on the PostgreSQL server: the hubs' and one per
    node (a copy of its SQLite stores); named after the data folder, so two data folders
    do not share them."""
    from statelink.nation import copy_node

    assert topology.postgres is not None
    server = topology.postgres
    tag = hashlib.sha256(str(where.root.resolve()).encode()).hexdigest()[:6]
    names = {"hub": f"statelink_demo_{tag}_hub"}
    names |= {s: f"statelink_demo_{tag}_{s.lower()}" for s in topology.states}
    urls = _create_databases(server, names)
    console.print(
        f"PostgreSQL: {len(urls)} database(s) made afresh on {_shown(server)}: "
        f"{', '.join(names.values())}",
        markup=False,
        soft_wrap=True,
    )
    for state in topology.states:
        copy_node(where, state, urls[state])
    return Databases(urls["hub"], {s: urls[s] for s in topology.states})


def _create_databases(server: str, names: dict[str, str]) -> dict[str, str]:
    """Drop and create each database; their URLs. A clear error if the server does not
    answer or refuses."""
    import psycopg
    from sqlalchemy.engine import make_url

    from statelink.errors import ServiceFailed

    url = make_url(server)
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            for name in names.values():
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as e:
        said = str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__
        raise ServiceFailed(
            f"PostgreSQL does not answer at {_shown(server)} ({said}). With several hubs the "
            "demo keeps the hubs' shared state and the nodes' stores in PostgreSQL: install "
            "and start it (apt-get install postgresql), or give --postgres "
            "postgresql://USER:PASSWORD@HOST:PORT/DATABASE (or STATELINK_POSTGRES) of a "
            "server where that user may create databases"
        ) from None
    except psycopg.Error as e:
        raise ServiceFailed(
            f"PostgreSQL at {_shown(server)} refused to make the demo's databases "
            f"({str(e).strip()}); give --postgres as a user that may create databases"
        ) from None
    return {
        key: url.set(database=name).render_as_string(hide_password=False)
        for key, name in names.items()
    }


def _shown(url: str) -> str:
    """A database URL as printed: without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _write_served(where: Layout, base: str, pki: dev_pki.Pki) -> None:
    """Tell ``statelink query`` on this data folder where the hub is and how to connect."""
    served = {
        "url": base,
        "pid": os.getpid(),
        "ca": str(pki.ca),
        "cert": str(pki.member("demo-operator")),
        "key": str(pki.member_key("demo-operator")),
    }
    where.served.write_text(json.dumps(served), encoding="utf-8")


def _print_services(network: ProcessNetwork, pki: dev_pki.Pki, databases: Databases | None) -> None:
    """Each service (nginx first, where there is one), then the databases."""
    services = network.services
    if network.nginx is not None:
        services = [network.nginx, *network.replicas, *network.nodes.values()]
    for service in services:
        pid = service.process.pid if service.process else "?"
        line = f"  {service.name:8} {service.url}  pid {pid}  log {service.log}"
        console.print(line, markup=False)
    if databases is not None:
        console.print(f"  hub database {_shown(databases.hub)}", markup=False)
        for state, url in databases.nodes.items():
            console.print(f"  node {state} database {_shown(url)}", markup=False)
        state, url = next(iter(databases.nodes.items()))
        console.print(
            "  the admin commands above read the data folder's files; for a node's "
            f"PostgreSQL stores set: STATELINK_NODE_STATE={state} STATELINK_NODE_DATABASE={url}",
            soft_wrap=True,
            markup=False,
        )
    console.print(
        f"  other states have no node here: their answers are UNAVAILABLE; PKI in {pki.root}",
        markup=False,
    )


def _print_replica_tries(network: ProcessNetwork) -> None:
    """How to see the load balancer take a hub out, and put it back."""
    first = network.replicas[0]
    pid = first.process.pid if first.process else "?"
    conf: Path | str = network.balancer.conf if network.balancer else "nginx.conf"
    with contextlib.suppress(ValueError):
        conf = Path(conf).relative_to(Path.cwd())
    console.print(
        f"  [dim]# hang a hub: nginx's readiness checker takes it out ({escape(str(conf))})[/]"
    )
    console.print(
        f"  kill -STOP {pid}   # {first.name}; queries still answer; then: kill -CONT {pid}",
        soft_wrap=True,
        markup=False,
    )


def _print_tries(tries: Tries) -> None:
    """Commands to try against the hub: each member's way in, a refusal, a stopped node."""
    me, base, pki = tries.me, tries.base, tries.pki
    wa = tries.tour[0].message
    tls = f"--cacert {pki.ca}"
    wa_cert = f"--cert {pki.member('wa-switch')} --key {pki.member_key('wa-switch')}"
    post = "-H 'content-type: text/plain' --data"
    hub_db = f" --database {tries.databases.hub}" if tries.databases else ""
    own = wa.replace(wa.split(".")[1], "WA0340000", 1)
    spoofed = wa.replace(wa.split(".")[1], "OR0020100", 1)
    console.print("\n[bold]try the networked hub[/] (in another terminal):")
    for comment, line in (
        ("as demo-operator (client certificate)", f"{me} query '{wa}'"),
        (
            "as wa-switch: its own ORI works, another state's is refused (403)",
            f"curl -s {tls} {wa_cert} {post} '{own}' {base}/v1/messages",
        ),
        ("", f"curl -s {tls} {wa_cert} {post} '{spoofed}' {base}/v1/messages"),
        (
            "as ice-line (bearer token); revoke it with: "
            f"{me} members revoke TOKEN_ID{hub_db} (see {me} members list{hub_db})",
            f"curl -s {tls} -H 'authorization: Bearer {tries.token}' "
            f"{post} '{tries.tour[7].message}' {base}/v1/messages",
        ),
        ("no certificate, no token: 401", f"curl -s {tls} {base}/v1/directory"),
        (
            "stop a node and ask again: that state alone is UNAVAILABLE",
            f"kill -STOP {tries.last_pid}   # then: kill -CONT …",
        ),
    ):
        if comment:
            console.print(f"  [dim]# {escape(comment)}[/]", soft_wrap=True)
        console.print(f"  {line}", soft_wrap=True, markup=False)


def _run_until_stopped(network: ProcessNetwork, stop: threading.Event) -> None:
    """Wait for SIGTERM or Ctrl-C (KeyboardInterrupt: the command ends as interrupted once
    the services are stopped); fail if every hub, or nginx, exits meanwhile."""
    from statelink.processes import service_failed

    while not stop.wait(1.0):
        if not any(hub.running() for hub in network.replicas):
            raise service_failed(network.hub, "exited")
        if network.nginx is not None and not network.nginx.running():
            raise service_failed(network.nginx, "exited")
