"""``statelink audit witnesses|witness``: a state's witnesses, and pushing to them.

``witnesses`` lists, adds (``--add URL --key VKEY``) or removes (``--remove NAME``) the
witnesses a state's node sends its checkpoints to; ``witness`` sends the latest one now.
The node's housekeeping does the same every few seconds while it serves.
"""

from __future__ import annotations

from pathlib import Path
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
from statelink.errors import UsageError

if TYPE_CHECKING:
    from statelink.audit.log import AuditLog, CheckpointRow


def witnesses(
    state: State,
    add: Annotated[str | None, typer.Option("--add", help="A witness's URL to add.")] = None,
    witness_key: Annotated[
        str | None, typer.Option("--key", help="With --add: the witness's verifier key.")
    ] = None,
    remove: Annotated[
        str | None, typer.Option("--remove", help="The name of a witness to remove.")
    ] = None,
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """List the state's witnesses; add one (--add URL --key VKEY) or remove one."""
    from statelink.nation import open_node_database

    if add is not None and remove is not None:
        raise UsageError("give --add or --remove, not both")
    if (add is None) != (witness_key is None):
        raise UsageError("--add URL needs --key VKEY (the witness's verifier key), and back")
    with open_node_database(layout(data), state) as db:
        if add is not None and witness_key is not None:
            added = db.witnesses.add(add, witness_key)
            console.print(
                f"{db.state} now sends its checkpoints to {added.name} ({added.url})", markup=False
            )
        elif remove is not None:
            db.witnesses.remove(remove)
            console.print(f"{db.state} no longer sends its checkpoints to {remove}", markup=False)
        found = db.witnesses.witnesses()
    if json_output:
        print_json([w.as_json() for w in found])
        return
    if add is None and remove is None:
        table = Table("name", "url", "cosigned size", "added", box=None, pad_edge=False)
        for w in found:
            table.add_row(escape(w.name), escape(w.url), f"{w.cosigned:,}", escape(w.added))
        console.print(table)


def witness(state: State, data: DataDir = DEFAULT_DATA, json_output: JsonOutput = False) -> None:
    """Send the latest checkpoint to every witness now; exit 1 if one did not cosign it."""
    from statelink.nation import open_audit, open_node_database
    from statelink.witness.pusher import push

    audit_log, _keys = open_audit(layout(data), state)
    try:
        with open_node_database(layout(data), state) as db:
            results = push(audit_log, db.witnesses)
    finally:
        audit_log.close()
    if json_output:
        print_json([r.as_json() for r in results])
    else:
        if not results:
            console.print(f"{audit_log.state} has no witness: add one with audit witnesses --add")
        for r in results:
            mark = "[green]cosigned[/]" if r.ok else "[red]failed[/]"
            console.print(f"{mark} {escape(r.witness)}: size {r.size:,} {escape(r.why)}".rstrip())
    if any(not r.ok for r in results):
        raise typer.Exit(1)


def cosigned(audit_log: AuditLog, data: Path, latest: CheckpointRow) -> str:
    """The state's checkpoint ``latest`` with its witnesses' cosignatures."""
    from statelink.nation import open_node_database
    from statelink.witness.registry import cosigned_checkpoint

    with open_node_database(layout(data), audit_log.state) as db:
        return cosigned_checkpoint(audit_log, db.witnesses, latest)
