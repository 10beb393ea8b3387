"""``statelink balancer config|watch``: nginx in front of hub replicas, on a real machine.

``config`` prints the ``nginx.conf`` of a load-balancer machine (the code the demo and the
tests run, with Debian's paths); ``watch`` is its readiness checker: it owns that file,
polls every hub's ``/ready`` and reloads nginx when a hub goes out or comes back
(:mod:`statelink.balancer`).
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from statelink.cli.options import console
from statelink.errors import UsageError

if TYPE_CHECKING:
    from statelink.balancer import Change, Site

app = typer.Typer(
    help="The load balancer in front of hub replicas: nginx's configuration and its "
    "readiness checker.",
    no_args_is_help=True,
)

Hubs = Annotated[
    list[str],
    typer.Option("--hub", help="A hub replica: NAME=HOST:PORT (repeat, one per replica)."),
]
Listen = Annotated[str, typer.Option(help="Address and port members connect to.")]
Workers = Annotated[str, typer.Option(help="nginx worker processes ('auto': one per core).")]
DEFAULT_LISTEN = "0.0.0.0:443"


def _site(hubs: list[str], listen: str, workers: str) -> Site:
    from statelink.balancer import Replica, Site

    replicas = []
    for given in hubs:
        name, _, address = given.partition("=")
        host, _, port = address.rpartition(":")
        if not name or not host or not port.isdigit():
            raise UsageError(f"--hub: expected NAME=HOST:PORT, given {given!r}")
        replicas.append(Replica(name, address))
    if len({r.name for r in replicas}) != len(replicas):
        raise UsageError("--hub: each replica needs its own name")
    _, _, port = listen.rpartition(":")
    if not port.isdigit():
        raise UsageError(f"--listen: expected HOST:PORT, given {listen!r}")
    return Site(listen, tuple(replicas), workers=workers)


@app.command()
def config(hub: Hubs, listen: Listen = DEFAULT_LISTEN, workers: Workers = "auto") -> None:
    """Print the nginx.conf of a load-balancer machine: TCP pass-through to the hubs
    (mutual TLS ends at a hub), passive health checks."""
    from statelink.balancer import Files, render

    print(render(_site(hub, listen, workers), Files.system()), end="")


@app.command()
def watch(
    hub: Hubs,
    ca: Annotated[Path, typer.Option(help="CA certificate the hubs' certificates chain to.")],
    conf: Annotated[Path, typer.Option(help="nginx's configuration file.")] = Path(
        "/etc/nginx/nginx.conf"
    ),
    listen: Listen = DEFAULT_LISTEN,
    workers: Workers = "auto",
    interval: Annotated[float, typer.Option(min=0.1, help="Seconds between rounds.")] = 1.0,
    root: Annotated[
        Path | None,
        typer.Option(
            help="An nginx run with -p DIR, its pid and log in DIR [default: Debian's places]."
        ),
    ] = None,
) -> None:
    """Write the nginx.conf and reload nginx; then check each hub's /ready every second,
    mark a hub that is not ready down and reload (and back when it is ready). Until
    SIGTERM."""
    from statelink.balancer import Balancer, Files, ReadinessChecker
    from statelink.transport.tls import client_context

    site = _site(hub, listen, workers)
    if root is None:
        balancer = Balancer(conf, site, Files.system())
    else:
        balancer = Balancer(conf, site, Files.inside(root), prefix=root)
    balancer.write()
    balancer.reload()  # every hub in: the checker takes out those that are not ready
    urls = {r.name: f"https://{r.address}" for r in site.replicas}
    checker = ReadinessChecker(
        balancer, urls, client_context(ca=ca), interval=interval, on_change=_said
    )
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    console.print(f"watching {len(urls)} hub(s) for {conf}", markup=False)
    checker.start()
    try:
        while not stop.wait(1.0):
            pass
    finally:
        checker.stop()
        signal.signal(signal.SIGTERM, previous)


def _said(change: Change) -> None:
    state = "back in" if change.ready else "taken out"
    console.print(f"{change.replica} {state} ({change.why})", markup=False)
