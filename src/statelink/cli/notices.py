"""``statelink notices``: letters a state owes people whose records went to listed agencies."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from statelink.cli.files import writing
from statelink.cli.options import (
    DEFAULT_DATA,
    DataDir,
    JsonOutput,
    State,
    console,
    layout,
    print_json,
)
from statelink.nation import open_node_database
from statelink.notices.letters import export as export_letters
from statelink.notices.store import Notice, today

app = typer.Typer(
    help="Notices owed to residents: list, export letters, mark sent, withhold, purge.",
    no_args_is_help=True,
)
Status = Annotated[
    str,
    typer.Option(help="due (default: due and overdue), overdue, sent, withheld, or all."),
]
Ids = Annotated[list[int], typer.Argument(help="Notice ids (see `statelink notices list`).")]


def _rows(items: list[Notice]) -> Table:
    on = today()
    table = Table(
        "id",
        "status",
        "due",
        "released",
        "record",
        "to agency",
        "name",
        "city",
        box=None,
        pad_edge=False,
    )
    for n in items:
        status = "OVERDUE" if n.overdue(on) else n.status
        table.add_row(
            str(n.id),
            f"[red]{status}[/]" if status == "OVERDUE" else status,
            n.due_on.isoformat(),
            n.released_on.isoformat(),
            n.record_kind,
            escape(f"{n.ori} {n.agency}"),
            escape(n.name),
            escape(f"{n.city}, {n.address_state}"),
        )
    return table


def _find(
    state: str, data: Path, status: str, ids: list[int] | None = None
) -> tuple[str, list[Notice]]:
    """The state's code and its notices with that status (or those ids)."""
    db = open_node_database(layout(data), state)
    store = db.notices
    try:
        return store.state, store.find(None if status == "all" else status, ids=ids or ())
    finally:
        db.close()


@app.command("list")
def list_(
    state: State,
    status: Status = "due",
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """The queue of notices, by due date: due and overdue ones unless --status says."""
    code, items = _find(state, data, status)
    if json_output:
        print_json([n.as_dict() for n in items])
        return
    if not items:
        console.print(f"{code}: no {status} notices", markup=False)
        return
    console.print(_rows(items))
    overdue = sum(n.overdue(today()) for n in items)
    console.print(f"{len(items)} notice(s), {overdue} overdue")


@app.command()
def export(
    state: State,
    out: Annotated[Path, typer.Option("--out", help="Folder for the letters and the CSV.")],
    ids: Annotated[list[int] | None, typer.Argument(help="Only these notices.")] = None,
    status: Status = "due",
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """Write one HTML letter per notice and mail-merge.csv (one row per notice)."""
    code, items = _find(state, data, "all" if ids else status, ids)
    with writing(out, "--out", folder=True):
        written = export_letters(code, items, out)
    if json_output:
        print_json({"notices": len(items), "files": [str(p) for p in written]})
        return
    console.print(f"{len(items)} letter(s) and mail-merge.csv written to {out}", markup=False)


@app.command("mark-sent")
def mark_sent(
    state: State,
    ids: Ids,
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """Mark notices as sent today; they are purged when the retention period ends."""
    _close(state, data, ids, "", json_output)


@app.command()
def withhold(
    state: State,
    ids: Ids,
    reason: Annotated[
        str, typer.Option(help="Why, where the law allows it (e.g. a criminal investigation).")
    ],
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """Withhold notices with a reason, where the law allows it."""
    _close(state, data, ids, reason, json_output)


def _close(state: str, data: Path, ids: list[int], reason: str, json_output: bool) -> None:
    with open_node_database(layout(data), state) as db:
        retention = db.settings.number("notice_retention_days")
        if reason:
            done = db.notices.withhold(ids, reason=reason, on=today(), retention_days=retention)
        else:
            done = db.notices.mark_sent(ids, on=today(), retention_days=retention)
    if json_output:
        print_json([n.as_dict() for n in done])
        return
    for n in done:
        console.print(f"notice {n.id} {n.status}; purged on {n.purge_on}")


@app.command()
def purge(state: State, data: DataDir = DEFAULT_DATA, json_output: JsonOutput = False) -> None:
    """Delete sent and withheld notices whose retention period has ended."""
    db = open_node_database(layout(data), state)
    store = db.notices
    try:
        count = store.purge(today())
    finally:
        db.close()
    if json_output:
        print_json({"state": store.state, "purged": count})
    else:
        console.print(f"{store.state}: {count} notice(s) purged")
