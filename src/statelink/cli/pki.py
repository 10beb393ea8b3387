"""``statelink pki``: a development CA and certificates for the hub, nodes and members."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from statelink.cli.files import writing
from statelink.cli.options import JsonOutput, console, print_json
from statelink.errors import UsageError
from statelink.states import CODES

if TYPE_CHECKING:
    from statelink import pki as dev_pki

app = typer.Typer(help="Development PKI for the networked mode.", no_args_is_help=True)

PkiDir = Annotated[Path, typer.Option("--dir", help="Folder of the PKI files.")]
DEFAULT_DIR = Path("statelink-pki")


@app.command()
def init(
    state: Annotated[
        list[str] | None,
        typer.Option(
            "--state", help="A state to make a node certificate for (repeat; default: every state)."
        ),
    ] = None,
    member: Annotated[
        list[str] | None,
        typer.Option("--member", help="A member to make a client certificate for (repeat)."),
    ] = None,
    host: Annotated[
        list[str] | None,
        typer.Option("--host", help="Another name or address the servers answer on (repeat)."),
    ] = None,
    folder: PkiDir = DEFAULT_DIR,
    force: Annotated[bool, typer.Option(help="Replace an existing CA and every file.")] = False,
    json_output: JsonOutput = False,
) -> None:
    """Create a development CA and certificates for the hub, each node and each member."""
    from statelink import pki as dev_pki

    states = [s.strip().upper() for s in state] if state else list(CODES)
    unknown = [s for s in states if s not in CODES]
    if unknown:
        raise UsageError(f"unknown state code(s): {', '.join(unknown)}")
    members = member or []
    with writing(folder, "--dir", folder=True):
        made = dev_pki.init(folder, states=states, members=members, hosts=host or [], force=force)
    hub_sha256 = dev_pki.fingerprint_of(made.hub)
    if json_output:
        print_json(_summary(made, hub_sha256, states, members))
        return
    for line in (
        f"development CA in {made.root} (keys are 0600; keep ca.key safe)",
        f"hub certificate {made.hub} sha256 {hub_sha256}",
        f"{len(states)} node certificate(s) in {made.root / 'nodes'}",
        *(f"member {name}: {made.member(name)}" for name in members),
    ):
        console.print(line, markup=False)


def _summary(
    made: dev_pki.Pki, hub_sha256: str, states: list[str], members: list[str]
) -> dict[str, Any]:
    """What ``pki init --json`` prints: every file made, with the certificates' SHA-256."""
    from statelink import pki as dev_pki

    return {
        "dir": str(made.root),
        "ca": str(made.ca),
        "hub": {"cert": str(made.hub), "key": str(made.hub_key), "sha256": hub_sha256},
        "nodes": {s: str(made.node(s)) for s in states},
        "members": {
            m: {
                "cert": str(made.member(m)),
                "key": str(made.member_key(m)),
                "sha256": dev_pki.fingerprint_of(made.member(m)),
            }
            for m in members
        },
    }


@app.command()
def member(
    name: Annotated[str, typer.Argument(help="The member's name (its certificate's CN).")],
    folder: PkiDir = DEFAULT_DIR,
    json_output: JsonOutput = False,
) -> None:
    """Issue a client certificate for a member from the development CA."""
    from statelink import pki as dev_pki

    pem = dev_pki.issue_member(dev_pki.Pki(folder), name)
    found = {
        "cert": str(pem),
        "key": str(dev_pki.Pki(folder).member_key(name)),
        "sha256": dev_pki.fingerprint_of(pem),
    }
    if json_output:
        print_json(found)
    else:
        console.print(f"member {name}: {found['cert']} sha256 {found['sha256']}", markup=False)
