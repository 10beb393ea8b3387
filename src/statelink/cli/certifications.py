"""``statelink certifications``: which agencies have a current certification with a state."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from statelink.cli.options import (
    DEFAULT_DATA,
    DataDir,
    JsonOutput,
    State,
    console,
    layout,
    print_json,
)

if TYPE_CHECKING:
    from statelink.policy.settings import Certification

app = typer.Typer(
    help="Certifications on file with a state: list, add, revoke.", no_args_is_help=True
)


def _status(cert: Certification, today: dt.date) -> str:
    if cert.revoked_at is not None:
        return "revoked"
    if cert.valid_to < today:
        return "lapsed"
    if cert.valid_from > today:
        return "not yet valid"
    return "current"


@app.command("list")
def list_(
    state: State,
    ori: Annotated[str | None, typer.Option(help="Only this agency.")] = None,
    expiring_within: Annotated[
        int | None,
        typer.Option(min=0, help="Only current certifications that end within this many days."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="Most rows to show.")] = 50,
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """List certifications, with their status today."""
    from statelink.nation import open_node_database

    today = dt.datetime.now(dt.UTC).date()
    db = open_node_database(layout(data), state)
    settings = db.settings
    try:
        if expiring_within is not None:
            rows = settings.expiring(today, expiring_within)
            if ori:
                rows = [c for c in rows if c.ori == ori.upper()]
        else:
            rows = settings.certifications(ori.upper() if ori else None)
    finally:
        db.close()
    if json_output:
        print_json([{**c.as_dict(), "status": _status(c, today)} for c in rows[:limit]])
        return
    table = Table(
        "id", "ORI", "from", "to", "status", "document", "signer", box=None, pad_edge=False
    )
    for c in rows[:limit]:
        cells = (
            str(c.id),
            c.ori,
            c.valid_from.isoformat(),
            c.valid_to.isoformat(),
            _status(c, today),
            c.document,
            c.signer,
        )
        table.add_row(*(escape(cell) for cell in cells))
    console.print(table)
    if len(rows) > limit:
        console.print(f"[dim]{limit} of {len(rows)} shown; use --limit to see more[/]")


@app.command()
def add(
    state: State,
    ori: Annotated[str, typer.Option(help="The certifying agency's ORI.")],
    valid_from: Annotated[dt.datetime, typer.Option(formats=["%Y-%m-%d"], help="First day.")],
    valid_to: Annotated[dt.datetime, typer.Option(formats=["%Y-%m-%d"], help="Last day.")],
    document: Annotated[str, typer.Option(help="Reference to the signed document.")] = "",
    signer: Annotated[str, typer.Option(help="Who signed it.")] = "",
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """Record a certification; it counts from its first day to its last."""
    from statelink.nation import open_node_database

    db = open_node_database(layout(data), state)
    settings = db.settings
    try:
        cert = settings.add_certification(
            ori, valid_from.date(), valid_to.date(), document=document, signer=signer
        )
    finally:
        db.close()
    if json_output:
        print_json(cert.as_dict())
    else:
        console.print(
            f"{settings.state}: certification {cert.id} for {cert.ori} from "
            f"{cert.valid_from} to {cert.valid_to}",
            markup=False,
        )


@app.command()
def revoke(
    state: State,
    ori: Annotated[str, typer.Option(help="The agency whose certifications end now.")],
    reason: Annotated[str, typer.Option(help="Why, for the record.")],
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """Revoke every unrevoked certification of an agency."""
    from statelink.nation import open_node_database

    db = open_node_database(layout(data), state)
    settings = db.settings
    try:
        count = settings.revoke(ori, reason)
    finally:
        db.close()
    if json_output:
        print_json({"state": settings.state, "ori": ori.upper(), "revoked": count})
    else:
        console.print(
            f"{settings.state}: revoked {count} certification(s) of {ori.upper()}", markup=False
        )
