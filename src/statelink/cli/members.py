"""``statelink members``: who may connect to the hub, how, and for which ORIs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

import statelink.cli.arguments as arguments
from statelink.cli.options import DEFAULT_DATA, DataDir, JsonOutput, console, layout, print_json

if TYPE_CHECKING:
    from statelink.hub.members import MemberStore

app = typer.Typer(help="The hub's members: add, list, remove, tokens.", no_args_is_help=True)

Database = Annotated[
    str | None,
    typer.Option(
        envvar="STATELINK_HUB_DATABASE",
        help="The hub's database URL (default: hub.sqlite in the data folder).",
    ),
]


@contextmanager
def _store(data: Path, database: str | None) -> Iterator[MemberStore]:
    from statelink.hub.members import MemberStore

    store = MemberStore.open(
        "hub", arguments.database(database, "--database") or layout(data).hub_db
    )
    try:
        yield store
    finally:
        store.close()


@app.command()
def add(
    name: Annotated[str, typer.Argument(help="Member name, e.g. wa-switch.")],
    state: Annotated[
        list[str] | None,
        typer.Option("--state", help="Own every state and local agency of this state (repeat)."),
    ] = None,
    component: Annotated[
        list[str] | None,
        typer.Option(
            "--component", help="Own every federal office of this component, e.g. ICE (repeat)."
        ),
    ] = None,
    ori: Annotated[
        list[str] | None, typer.Option("--ori", help="Own this one ORI (repeat).")
    ] = None,
    cert: Annotated[
        Path | None,
        typer.Option(help="The member's client certificate (PEM): it may connect with it."),
    ] = None,
    data: DataDir = DEFAULT_DATA,
    database: Database = None,
    json_output: JsonOutput = False,
) -> None:
    """Add a member: what it owns and, optionally, its client certificate."""
    from statelink.pki import fingerprint_of

    with _store(data, database) as store:
        found = store.add(
            name,
            states=state or [],
            components=component or [],
            oris=ori or [],
            cert_sha256=fingerprint_of(cert) if cert else None,
        )
    if json_output:
        print_json(found.to_json())
    else:
        console.print(f"member {found.name} added" + (" with its certificate" if cert else ""))


@app.command("list")
def list_(
    data: DataDir = DEFAULT_DATA, database: Database = None, json_output: JsonOutput = False
) -> None:
    """List members, what they own, and their tokens (ids only)."""
    with _store(data, database) as store:
        found = store.list()
    if json_output:
        print_json([m.to_json() for m in found])
        return
    table = Table("member", "states", "components", "ORIs", "certificate", "live tokens")
    for m in found:
        live = [t.token_id for t in m.tokens if t.revoked_at is None]
        table.add_row(
            m.name,
            " ".join(sorted(m.states)),
            " ".join(sorted(m.components)),
            " ".join(sorted(m.oris)),
            (m.cert_sha256 or "")[:16],
            " ".join(live),
        )
    console.print(table)


@app.command()
def remove(name: str, data: DataDir = DEFAULT_DATA, database: Database = None) -> None:
    """Remove a member and all its tokens."""
    with _store(data, database) as store:
        store.remove(name)
    console.print(f"member {name} removed", markup=False)


@app.command()
def token(
    name: str,
    data: DataDir = DEFAULT_DATA,
    database: Database = None,
    json_output: JsonOutput = False,
) -> None:
    """Issue a bearer token for a member. It is shown once; only its hash is kept."""
    with _store(data, database) as store:
        token_id, secret = store.issue_token(name)
    if json_output:
        print_json({"member": name, "token_id": token_id, "token": secret})
    else:
        console.print(f"token {token_id} for {name} (shown once):", markup=False)
        print(secret)


@app.command()
def revoke(token_id: str, data: DataDir = DEFAULT_DATA, database: Database = None) -> None:
    """Revoke a token: it stops working at once."""
    with _store(data, database) as store:
        store.revoke_token(token_id)
    console.print(f"token {token_id} revoked", markup=False)
