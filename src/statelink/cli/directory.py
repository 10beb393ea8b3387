"""``statelink directory list|show|import|export``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from statelink.cli.files import read_text, reading, writing
from statelink.cli.options import DEFAULT_DATA, DataDir, JsonOutput, console, layout, print_json
from statelink.errors import NationMissing, NotFound

if TYPE_CHECKING:
    from statelink.directory import Directory

app = typer.Typer(
    help="The directory of agencies: list, show, import, export.", no_args_is_help=True
)


def _load(data: Path) -> Directory:
    from statelink.directory import Directory

    path = layout(data).directory
    try:
        with reading(path, "--data"):
            return Directory.read(path)
    except NotFound:
        raise NationMissing(
            f"no directory at {path}: build the demo nation (`statelink demo --no-serve`) "
            "or import one (`statelink directory import FILE`)"
        ) from None


@app.command("list")
def list_(
    state: Annotated[str | None, typer.Option(help="Home state (NCIC code).")] = None,
    kind: Annotated[str | None, typer.Option(help="ORION type: PD SO SA LE FE NJ ...")] = None,
    component: Annotated[str | None, typer.Option(help="Component: ICE HSI CBP FBI ...")] = None,
    group: Annotated[
        str | None, typer.Option(help="Group: federal dhs immigration-enforcement ...")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Part of the agency name.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Most agencies to show.")] = 50,
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """List agencies, filtered by state, kind, component, group or name."""
    import statelink.cli.render as render

    found = _load(data).select(state=state, kind=kind, component=component, group=group, name=name)
    if json_output:
        print_json([a.as_dict() for a in found[:limit]])
    else:
        render.agencies(console, found[:limit], len(found))


@app.command()
def show(
    ori: Annotated[str, typer.Argument(help="The agency's 9-character ORI.")],
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """Show one agency."""
    import statelink.cli.render as render

    agency = _load(data).show(ori)
    if json_output:
        print_json(agency.as_dict())
    else:
        render.agency(console, agency)


@app.command("import")
def import_(
    file: Annotated[
        Path, typer.Argument(help="CSV: ori,name,state,kind,department,component,groups")
    ],
    replace: Annotated[
        bool,
        typer.Option(help="Replace the whole directory instead of adding and updating by ORI."),
    ] = False,
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """Import agencies from CSV; every row is checked before anything changes."""
    from statelink.directory import Directory

    incoming = Directory.parse_csv(read_text(file, "FILE"), str(file))
    path = layout(data).directory
    with reading(path, "--data"):
        current = Directory.read(path) if path.exists() else Directory([])
    added = sum(1 for a in incoming if a.ori not in current)
    updated = sum(1 for a in incoming if a.ori in current and current.get(a.ori) != a)
    result = current.merged(incoming, replace=replace)
    result.write(path)
    summary = {
        "file": str(file),
        "rows": len(incoming),
        "added": added,
        "updated": updated,
        "total": len(result),
        "replaced": replace,
    }
    if json_output:
        print_json(summary)
    else:
        console.print(
            f"imported {len(incoming)} agencies from {file}: {added} added, "
            f"{updated} updated; the directory now holds {len(result)}",
            markup=False,
        )


@app.command()
def export(
    file: Annotated[Path | None, typer.Argument(help="Where to write; stdout if left out.")] = None,
    data: DataDir = DEFAULT_DATA,
) -> None:
    """Export the directory as CSV (contract 4)."""
    directory = _load(data)
    if file is None:
        sys.stdout.write(directory.to_csv())
    else:
        with writing(file, "FILE"):
            directory.write(file)
        console.print(f"wrote {len(directory)} agencies to {file}", markup=False)
