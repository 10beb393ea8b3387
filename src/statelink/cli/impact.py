"""``statelink policy simulate|diff|coverage``: what a policy set would change.

The commands load :mod:`statelink.impact` (Cedar, DuckDB) only when they run.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from statelink.cli.files import manifest, reading
from statelink.cli.options import DEFAULT_DATA, DataDir, JsonOutput, State, layout, print_json
from statelink.errors import UsageError

if TYPE_CHECKING:
    from statelink.impact import Candidate, WhatIf

Day = Annotated[
    dt.datetime | None,
    typer.Option(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"], help="UTC, e.g. 2026-07-01."),
]
SetSpec = Annotated[
    str,
    typer.Argument(help="A folder or .cedar file, template:NAME, active or history:DIGEST."),
]
DirectoryCsv = Annotated[
    Path | None,
    typer.Option("--directory", help="Directory CSV [default: the nation's, else the seed]."),
]

_err = Console(stderr=True, highlight=False)


@contextmanager
def working(what: str) -> Iterator[None]:
    """A spinner on the terminal while a long step runs (nothing when not a terminal)."""
    if not sys.stderr.isatty():
        yield
        return
    with _err.status(what):
        yield


def _whatif(data: Path, csv: Path | None = None) -> WhatIf:
    from statelink.impact import WhatIf

    where = layout(data)
    if csv is None:
        manifest(where)  # a corrupt one is refused here, naming it
        return WhatIf.with_directory(where, None)
    with reading(csv, "--directory"):
        return WhatIf.with_directory(where, csv)


def _resolve(spec: str, what: str, state: str | None, whatif: WhatIf) -> Candidate:
    """The set ``spec`` names (given as the argument ``what``), its files read safely."""
    from statelink.impact import resolve

    with reading(Path(spec), what):
        return resolve(spec, state=state, layout=whatif.layout)


def simulate(
    state: State,
    path: SetSpec,
    since: Day = None,
    until: Day = None,
    top: Annotated[int, typer.Option(min=0, help="Most affected agencies to list.")] = 10,
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """Replay the state's own audit log under a candidate set: what it would have changed."""
    from statelink.cli.impact_view import show_replay
    from statelink.reports.report import Period

    if since and until and until <= since:
        raise UsageError(f"--until ({until:%Y-%m-%d}) must come after --since ({since:%Y-%m-%d})")
    whatif = _whatif(data)
    candidate = _resolve(path, "PATH", state.upper(), whatif)
    with working(f"replaying {state.upper()}'s audit log under {candidate.label}"):
        replay = whatif.simulate(state, candidate, Period(since, until), top=top)
    if json_output:
        print_json(replay.as_dict(whatif.names()))
    else:
        show_replay(replay, whatif.names())
    if replay.not_reproduced_total:
        raise typer.Exit(1)


def diff(
    old: SetSpec,
    new: SetSpec,
    state: Annotated[
        str | None,
        typer.Option("--state", help="The state whose data and in-state agencies to compare on."),
    ] = None,
    directory: DirectoryCsv = None,
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """The exact difference between two policy sets, over every request (not a sample)."""
    from statelink.cli.impact_view import show_diff

    whatif = _whatif(data, directory)
    code = state.upper() if state else None
    before = _resolve(old, "OLD", code, whatif)
    after = _resolve(new, "NEW", code, whatif)
    with working("comparing every request both sets can decide"):
        found = whatif.diff(code, before, after)
    if json_output:
        print_json(found.as_dict())
        return
    show_diff(found, before.label, after.label)


def coverage(
    state: State,
    path: Annotated[
        str,
        typer.Argument(help="The set [default: active]: a folder, template:NAME, history:DIGEST."),
    ] = "active",
    group: Annotated[str, typer.Option(help="Only agencies in this group.")] = "",
    component: Annotated[str, typer.Option(help="Only this component, e.g. HSI.")] = "",
    ori: Annotated[str, typer.Option(help="Only this agency.")] = "",
    directory: DirectoryCsv = None,
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """Who can obtain which of the state's data under a set, and under what conditions."""
    from statelink.cli.impact_view import show_coverage
    from statelink.impact import Who

    whatif = _whatif(data, directory)
    candidate = _resolve(path, "PATH", state.upper(), whatif)
    with working("finding every path to the state's data"):
        found = whatif.coverage(state, candidate, Who(group, component, ori))
    if json_output:
        print_json({"set": candidate.label, **found.as_dict()})
        return
    show_coverage(found, candidate.label)
