"""``statelink records list``: a state's own administrative view of its records."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from statelink.cli.options import DEFAULT_DATA, DataDir, JsonOutput, console, layout, print_json

app = typer.Typer(help="A state's own records (its administrative view).", no_args_is_help=True)


class Kind(StrEnum):
    driver = "driver"
    vehicle = "vehicle"


@app.command("list")
def list_(
    state: Annotated[str, typer.Option(help="The state (NCIC code), e.g. WA.")],
    kind: Annotated[Kind, typer.Option(help="Which dataset.")] = Kind.driver,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Most records to show.")] = 10,
    offset: Annotated[int, typer.Option(min=0, help="Records to skip first.")] = 0,
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """List a state's drivers or vehicles, in record order."""
    import statelink.cli.render as render
    from statelink.nation import open_records

    store = open_records(layout(data), state)
    try:
        if kind is Kind.driver:
            drivers = store.list_drivers(limit, offset)
            if json_output:
                print_json(drivers)
            else:
                render.drivers(console, drivers)
        else:
            vehicles = store.list_vehicles(limit, offset)
            if json_output:
                print_json(vehicles)
            else:
                render.vehicles(console, vehicles)
    finally:
        store.close()
