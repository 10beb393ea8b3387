"""``statelink demo``: build (or reuse) a simulated nation, then serve it on localhost."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

import statelink.cli.files as files
from statelink.audit.appender import CHECKPOINT_EVERY, CHECKPOINT_SECONDS
from statelink.cli.options import DEFAULT_DATA, DataDir, JsonOutput, console, layout, print_json
from statelink.errors import UsageError
from statelink.nation import (
    DEFAULT_AS_OF,
    DEFAULT_SCALE,
    DEFAULT_SEED,
    Layout,
    Manifest,
    build_nation,
)
from statelink.records.generator import Spec
from statelink.states import CODES

if TYPE_CHECKING:
    from statelink.examples import Example
    from statelink.simulation import YearResult


@dataclass(frozen=True)
class Build:
    """Which nation ``demo`` wants, and whether to send it a year of traffic."""

    scale: float | None
    seed: int | None
    rebuild: bool
    traffic: bool


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def _build(where: Layout, spec: Spec, quiet: bool) -> Manifest:
    if quiet:
        return build_nation(where, spec)
    with _progress() as progress:
        task = progress.add_task("building states", total=len(CODES))

        def done(state: str, counts: dict[str, int]) -> None:
            progress.update(
                task, advance=1, description=f"built {state} ({counts['driver']:,} drivers)"
            )

        return build_nation(where, spec, on_state=done)


def _prepare(where: Layout, build: Build, quiet: bool) -> tuple[Manifest, bool]:
    """The nation to use, built if needed; True when it was built now."""
    scale, seed = build.scale, build.seed
    manifest = files.manifest(where)
    if manifest is not None and not build.rebuild:
        wanted = (
            scale if scale is not None else manifest.scale,
            seed if seed is not None else manifest.seed,
        )
        if wanted != (manifest.scale, manifest.seed):
            raise UsageError(
                f"{where.root} holds a nation built with scale {manifest.scale} and seed "
                f"{manifest.seed}; add --rebuild to build it again with scale {wanted[0]} "
                f"and seed {wanted[1]}"
            )
        return manifest, False
    spec = Spec(
        scale=DEFAULT_SCALE if scale is None else scale,
        seed=DEFAULT_SEED if seed is None else seed,
        as_of=DEFAULT_AS_OF,
    )
    return _build(where, spec, quiet), True


def _traffic(where: Layout, manifest: Manifest, quiet: bool) -> YearResult:
    """Send the calibrated year of synthetic traffic through the switch (see simulation)."""
    import asyncio

    from statelink.embedded import EmbeddedNetwork
    from statelink.simulation import run_year, write_truth, year_count

    until = dt.datetime.now(dt.UTC).date()

    async def run(progress: Callable[[int, int], None] | None) -> YearResult:
        async with EmbeddedNetwork.open(where) as network:
            return await run_year(
                network,
                scale=manifest.scale,
                seed=manifest.seed,
                until=until,
                on_progress=progress,
            )

    if quiet:
        result = asyncio.run(run(None))
    else:
        with _progress() as progress:
            task = progress.add_task("a year of traffic", total=year_count(manifest.scale))
            result = asyncio.run(
                run(lambda done, total: progress.update(task, completed=done, total=total))
            )
    write_truth(where.ground_truth, result, scale=manifest.scale, seed=manifest.seed)
    return result


def program() -> str:
    """How the user can type this command: ``statelink`` if it is on PATH, else its path."""
    invoked = Path(sys.argv[0]).resolve()
    found = shutil.which("statelink")
    if invoked.name != "statelink" or (found and Path(found).resolve() == invoked):
        return "statelink"
    try:
        return str(invoked.relative_to(Path.cwd()))
    except ValueError:
        return str(invoked)


Scale = Annotated[
    float | None,
    typer.Option(
        help=f"Records per resident of each state [default for a new build: {DEFAULT_SCALE}]."
    ),
]
Seed = Annotated[
    int | None,
    typer.Option(help=f"Seed of the synthetic data [default for a new build: {DEFAULT_SEED}]."),
]
Rebuild = Annotated[bool, typer.Option(help="Build again even if a nation exists.")]
Serve = Annotated[bool, typer.Option(help="Serve the API after building.")]
Host = Annotated[str, typer.Option(help="Address to serve on.")]
Port = Annotated[int, typer.Option(min=1, max=65535, help="Port to serve on.")]
CheckpointEvery = Annotated[
    int, typer.Option(min=1, help="Sign each state's audit log every N records...")
]
CheckpointSeconds = Annotated[
    float, typer.Option(min=0.1, help="...or every T seconds, whichever comes first.")
]
Traffic = Annotated[
    bool, typer.Option(help="Send a calibrated year of synthetic traffic after building.")
]
Processes = Annotated[
    bool,
    typer.Option(
        help="Serve the networked topology instead: the hub and state nodes as separate "
        "processes over mutual TLS (no dashboard)."
    ),
]
Nodes = Annotated[
    list[str] | None,
    typer.Option(
        "--node",
        help="With --processes: a state to run a node for (repeat) [default: WA OR ID].",
    ),
]
Hubs = Annotated[
    int,
    typer.Option(
        min=1,
        help="With --processes: hub replicas; more than one run behind nginx (Debian's, "
        "with libnginx-mod-stream) with every store in PostgreSQL (see --postgres).",
    ),
]
Postgres = Annotated[
    str | None,
    typer.Option(
        envvar="STATELINK_POSTGRES",
        help="With --processes: a PostgreSQL server where the demo may create its databases "
        "(the hubs' and one per node, made afresh on each run) [default with --hubs 2 or "
        "more: postgresql://postgres@127.0.0.1:5432/postgres].",
    ),
]


@dataclass(frozen=True)
class Serving:
    """How ``demo`` serves the nation once it is ready."""

    host: str
    port: int
    checkpoint_every: int
    checkpoint_seconds: float
    processes: bool
    nodes: tuple[str, ...]  # --node as given; checked only when serving processes
    hubs: int = 1
    postgres: str | None = None


@dataclass(frozen=True)
class Ready:
    """The nation ``demo`` serves: whether it was built now, the traffic sent now, the tour."""

    where: Layout
    manifest: Manifest
    built: bool
    year: YearResult | None
    tour: list[Example]


def demo(
    data: DataDir = DEFAULT_DATA,
    scale: Scale = None,
    seed: Seed = None,
    rebuild: Rebuild = False,
    serve: Serve = True,
    host: Host = "127.0.0.1",
    port: Port = 8750,
    checkpoint_every: CheckpointEvery = CHECKPOINT_EVERY,
    checkpoint_seconds: CheckpointSeconds = CHECKPOINT_SECONDS,
    traffic: Traffic = True,
    processes: Processes = False,
    node: Nodes = None,
    hubs: Hubs = 1,
    postgres: Postgres = None,
    json_output: JsonOutput = False,
) -> None:
    """Build a whole simulated nation (50 states and DC), send it a year of traffic, then
    serve it on localhost."""
    import statelink.cli.arguments as arguments
    import statelink.cli.server as server

    if (hubs > 1 or postgres) and not processes:
        raise UsageError("--hubs and --postgres go with --processes (the networked topology)")
    arguments.database(postgres, "--postgres")
    where = layout(data)
    if serve:
        server.check_port(host, port)
    ready = _ready(where, Build(scale, seed, rebuild, traffic), quiet=json_output)
    if json_output:
        print_json(_summary(ready))
    else:
        _print_summary(ready, program())
    if serve:
        options = (checkpoint_every, checkpoint_seconds, processes, tuple(node or ()))
        _serve(ready, Serving(host, port, *options, hubs=hubs, postgres=postgres))


def _ready(where: Layout, build: Build, quiet: bool) -> Ready:
    """Build or reuse the nation; send it its year of traffic unless that was done before."""
    from statelink.examples import examples

    manifest, built = _prepare(where, build, quiet)
    year = None
    if build.traffic and (built or not where.ground_truth.exists()):
        year = _traffic(where, manifest, quiet=quiet)
    return Ready(where, manifest, built, year, examples(where))


def _summary(ready: Ready) -> dict[str, Any]:  # JSON boundary: `demo --json`
    """What ``demo --json`` prints."""
    year = ready.year
    return {
        "data": str(ready.where.root),
        "built_now": ready.built,
        **ready.manifest.model_dump(mode="json"),
        "totals": ready.manifest.totals(),
        "traffic": ({"messages": year.messages, "answers": year.answers} if year else None),
        "examples": [
            {"title": e.title, "message": e.message, "expect": e.expect} for e in ready.tour
        ],
    }


def _print_summary(ready: Ready, me: str) -> None:
    manifest, year = ready.manifest, ready.year
    totals = manifest.totals()
    console.print(
        f"[bold]nation[/] in {escape(str(ready.where.root))}: {len(manifest.counts)} states, "
        f"{totals['driver']:,} drivers, {totals['vehicle']:,} vehicles "
        f"(scale {manifest.scale}, seed {manifest.seed}; "
        + (f"built in {manifest.build_seconds:.1f} s)" if ready.built else "reused)")
    )
    if year is not None:
        console.print(
            f"[bold]a year of traffic[/]: {year.messages:,} messages from {year.first[:10]} "
            f"to {year.last[:10]}: "
            + ", ".join(f"{n:,} {status}" for status, n in sorted(year.answers.items()))
            + f" (ground truth in {escape(str(ready.where.ground_truth))})"
        )
        if year.answers.get("UNAVAILABLE"):
            console.print(
                f"[yellow]{year.answers['UNAVAILABLE']:,} UNAVAILABLE[/]: a node did not "
                "answer in time (the demo simulates no outage; the machine was too busy)"
            )
    _print_tour(ready.tour, me)


def _print_tour(tour: list[Example], me: str) -> None:
    """The example queries, then how to review a held one and read the audit logs."""
    from statelink.examples import HSI_SEATTLE

    console.print("\n[bold]try these[/] (in another terminal):")
    for example in tour:
        console.print(f"  [dim]# {escape(example.title)}[/]")
        console.print(f"  {me} query '{example.message}'", soft_wrap=True, markup=False)
    console.print("\n[bold]review a held message[/] (after the HSI query above):")
    for line in (
        f"{me} review list --state WA",
        f"{me} review approve MESSAGE_ID --state WA --reviewer YOU --note 'why'",
        f"{me} query --fetch MESSAGE_ID --ori {HSI_SEATTLE}",
        f"{me} notices list --state WA",
        f"{me} audit show --state WA --message-id MESSAGE_ID",
    ):
        console.print(f"  {line}", soft_wrap=True, markup=False)
    console.print("\n[bold]what the audit logs say[/]:")
    licence = tour[0].message.split("OLN/")[1].split(".")[0]
    for line in (
        f"{me} report --state WA",
        f"{me} report --state WA --public --format html --out wa-public.html",
        f"{me} access-report --state WA --licence {licence}",
    ):
        console.print(f"  {line}", soft_wrap=True, markup=False)


def _serve(ready: Ready, serving: Serving) -> None:
    """Serve until Ctrl-C: the hub and nodes as processes, or everything in this one."""
    from statelink.cli.networked import DEFAULT_NODES, DEFAULT_POSTGRES, Topology, serve_processes

    if not serving.processes:
        _serve_embedded(ready, serving)
        return
    states = [s.strip().upper() for s in serving.nodes] if serving.nodes else list(DEFAULT_NODES)
    unknown = [s for s in states if s not in CODES]
    if unknown:
        raise UsageError(f"unknown state code(s) for --node: {', '.join(unknown)}")
    postgres = serving.postgres or (DEFAULT_POSTGRES if serving.hubs > 1 else None)
    topology = Topology(serving.host, serving.port, states, serving.hubs, postgres)
    serve_processes(ready.where, topology, ready.tour, program())


def _serve_embedded(ready: Ready, serving: Serving) -> None:
    """The API and the dashboard in this process, with every node."""
    import uvicorn

    import statelink.cli.server as server
    from statelink.accounts import Accounts, demo_accounts
    from statelink.embedded import EmbeddedNetwork
    from statelink.web.api import create_app
    from statelink.web.http_protocol import ProblemProtocol

    where, tour = ready.where, ready.tour
    base = f"http://{serving.host}:{serving.port}"
    shown = escape(base)
    console.print(f"\n[bold]API[/] on {shown}/v1  (OpenAPI: {shown}/docs)  — Ctrl-C to stop")
    for line in (
        f"  {program()} query --hub {base} '{tour[0].message}'",
        f"  curl -s -H 'content-type: text/plain' --data '{tour[0].message}' {base}/v1/messages",
    ):
        console.print(line, soft_wrap=True, markup=False)
    console.print(f"\n[bold]dashboard[/] on {shown}/dashboard/  (WA: {shown}/dashboard/states/WA/)")
    for name, role, password in demo_accounts(Accounts(where.accounts), where.demo_accounts):
        console.print(
            f"  sign in as {name} ({role}) with password {password}", soft_wrap=True, markup=False
        )
    network = EmbeddedNetwork.open(
        where,
        checkpoint_every=serving.checkpoint_every,
        checkpoint_seconds=serving.checkpoint_seconds,
    )
    where.served.write_text(json.dumps({"url": base, "pid": os.getpid()}), encoding="utf-8")
    try:
        app = create_app(network)
        config = uvicorn.Config(
            app,
            host=serving.host,
            port=serving.port,
            log_level="warning",
            http=ProblemProtocol.serving(app),  # its refusals in the problem shape too
        )
        server.serve(config)  # until Ctrl-C: then KeyboardInterrupt
    finally:
        where.served.unlink(missing_ok=True)
