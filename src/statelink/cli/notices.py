"""``statelink notices``: letters a state owes people whose records went to listed agencies."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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

if TYPE_CHECKING:
    from statelink.notices.letters import Letter
    from statelink.notices.store import Notice

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
    from statelink.notices.store import today

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
    from statelink.nation import open_node_database

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
    from statelink.notices.store import today

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
    """Write one HTML letter per notice, letters.html with them all (one a page, to print)
    and mail-merge.csv (one row per notice)."""
    from statelink.notices.letters import export as export_letters

    code, items = _find(state, data, "all" if ids else status, ids)
    letters, contact_set = _letters(code, data, items)
    with writing(out, "--out", folder=True):
        written = export_letters(out, letters)
    if not contact_set:
        sys.stderr.write(
            f"warning: {code} has not set its contact details, and its letters say so: "
            f"set them with `statelink settings contact --state {code} --name ... "
            "--address ...`\n"
        )
    if json_output:
        print_json(
            {"notices": len(items), "contact": contact_set, "files": [str(p) for p in written]}
        )
        return
    console.print(
        f"{len(items)} letter(s), letters.html (all of them, to print) and mail-merge.csv "
        f"written to {out}",
        markup=False,
    )


def _letters(state: str, data: Path, items: list[Notice]) -> tuple[list[Letter], bool]:
    """The letters of ``items``, dated today, with the state's contact details and the
    legal basis of each release from the audit log; whether the contact details are set."""
    from statelink.nation import open_node_database
    from statelink.notices.basis import bases
    from statelink.notices.letters import letters
    from statelink.notices.store import today

    with open_node_database(layout(data), state) as db:
        contact = db.settings.contact()
    found = bases(layout(data), state, (n.message_id for n in items))
    return letters(state, items, on=today(), contact=contact, bases=found), contact is not None


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
    from statelink.nation import open_node_database
    from statelink.notices.store import today

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
    from statelink.nation import open_node_database
    from statelink.notices.store import today

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
