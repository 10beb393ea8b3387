"""``statelink database copy``: move a node's or the hub's stores into PostgreSQL."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

import statelink.cli.arguments as arguments
from statelink.cli.options import DEFAULT_DATA, DataDir, JsonOutput, console, layout, print_json
from statelink.errors import UsageError

app = typer.Typer(help="The stores' databases: copy into PostgreSQL.", no_args_is_help=True)


@app.command()
def copy(
    to: Annotated[str, typer.Option(help="Database URL to copy into, e.g. postgresql://host/wa.")],
    state: Annotated[
        str | None,
        typer.Option(help="Copy this state's node: records, settings, reviews, notices, audit."),
    ] = None,
    hub: Annotated[
        bool, typer.Option("--hub", help="Copy the hub's routing log and members.")
    ] = False,
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """Copy a node's (or the hub's) SQLite stores into an empty database, creating its
    tables; then run the service with --database URL."""
    from statelink.nation import copy_hub, copy_node

    if (state is None) == (not hub):
        raise UsageError("give --state XX (a node) or --hub")
    arguments.database(to, "--to")
    where = layout(data)
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
        console=console, disable=json_output, transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task("copying", total=None)
        rows = 0

        def copied_some(table: str, n: int) -> None:
            nonlocal rows
            rows += n
            progress.update(task, description=f"copying {table}: {rows:,} rows so far")

        if state is not None:
            copied = copy_node(where, state, to, on_rows=copied_some)
        else:
            copied = copy_hub(where, to, on_rows=copied_some)
    if json_output:
        print_json({"copied": copied})
        return
    what = f"the {state.upper()} node" if state else "the hub"
    console.print(f"copied {what}: {sum(copied.values()):,} rows")
    for table, n in copied.items():
        console.print(f"  {table:16} {n:>10,}")
