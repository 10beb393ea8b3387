"""``statelink demo --processes``: the real topology on loopback.

The hub and a few state nodes run as separate ``statelink serve`` processes over mutual
TLS with a development PKI (``<data>/pki``); three members show the two ways to connect
and ORI ownership: ``demo-operator`` (every state and federal component, by client
certificate; ``statelink query`` uses it), ``wa-switch`` (Washington's agencies, by
certificate) and ``ice-line`` (ICE and HSI offices, by bearer token).
"""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.markup import escape

from statelink.cli.options import console
from statelink.states import CODES

if TYPE_CHECKING:
    from statelink import pki as dev_pki
    from statelink.examples import Example
    from statelink.nation import Layout
    from statelink.processes import ProcessNetwork

DEFAULT_NODES = ("WA", "OR", "ID")
MEMBERS = ("demo-operator", "wa-switch")


def _pki(where: Layout) -> dev_pki.Pki:
    from statelink import pki as dev_pki

    pki = dev_pki.Pki(where.root / "pki")
    complete = pki.ca.exists() and all(pki.member(m).exists() for m in MEMBERS)
    if not complete:
        dev_pki.init(pki.root, states=CODES, members=MEMBERS, force=True)
    return pki


def _members(where: Layout, pki: dev_pki.Pki) -> str:
    """Register the demo's members afresh; the ice-line token (new on every run)."""
    from statelink import pki as dev_pki
    from statelink.directory.source import DirectorySource
    from statelink.hub.members import MemberStore

    store = MemberStore.open("hub", where.hub_db)
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


def serve_processes(
    where: Layout, host: str, port: int, states: Sequence[str], tour: list[Example], me: str
) -> None:
    """Start the hub and nodes, print how to use them, and run until Ctrl-C."""
    from statelink.processes import ProcessNetwork

    pki = _pki(where)
    token = _members(where, pki)
    network = ProcessNetwork(
        where, pki, list(states), where.root / "logs", host=host, hub_port=port
    )
    console.print(
        f"\n[bold]starting[/] the hub and {len(states)} node(s) "
        f"({', '.join(states)}) as processes over mutual TLS…"
    )
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        network.start()
        base = network.hub.url
        _write_served(where, base, pki)
        _print_services(network, pki)
        last = network.nodes[states[-1]].process
        _print_tries(Tries(me, base, pki, token, tour, str(last.pid) if last else "?"))
        console.print(f"\nhub on {base}/v1 (OpenAPI: {base}/docs) — Ctrl-C to stop", markup=False)
        _run_until_stopped(network, stop)
    finally:
        signal.signal(signal.SIGTERM, previous)
        where.served.unlink(missing_ok=True)
        if any(service.running() for service in network.services):
            console.print("stopping the hub and nodes… (Ctrl-C again stops them at once)")
        network.stop()


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


def _print_services(network: ProcessNetwork, pki: dev_pki.Pki) -> None:
    for service in network.services:
        pid = service.process.pid if service.process else "?"
        line = f"  {service.name:8} {service.url}  pid {pid}  log {service.log}"
        console.print(line, markup=False)
    console.print(
        f"  other states have no node here: their answers are UNAVAILABLE; PKI in {pki.root}",
        markup=False,
    )


def _print_tries(tries: Tries) -> None:
    """Commands to try against the hub: each member's way in, a refusal, a stopped node."""
    me, base, pki = tries.me, tries.base, tries.pki
    wa = tries.tour[0].message
    tls = f"--cacert {pki.ca}"
    wa_cert = f"--cert {pki.member('wa-switch')} --key {pki.member_key('wa-switch')}"
    post = "-H 'content-type: text/plain' --data"
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
            f"{me} members revoke TOKEN_ID (see {me} members list)",
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
            console.print(f"  [dim]# {escape(comment)}[/]")
        console.print(f"  {line}", soft_wrap=True, markup=False)


def _run_until_stopped(network: ProcessNetwork, stop: threading.Event) -> None:
    """Wait for SIGTERM or Ctrl-C (KeyboardInterrupt: the command ends as interrupted once
    the services are stopped); fail if the hub exits meanwhile."""
    from statelink.processes import service_failed

    while not stop.wait(1.0):
        if not network.hub.running():
            raise service_failed(network.hub, "exited")
