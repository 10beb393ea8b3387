"""``statelink review``: a state's queue of held messages, decided case by case."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Column, Table

from statelink.cli.options import (
    DEFAULT_DATA,
    DataDir,
    JsonOutput,
    State,
    console,
    layout,
    print_json,
)
from statelink.review.queue import ALL_STATES

if TYPE_CHECKING:
    from statelink.nation import Layout
    from statelink.review import ReviewItem

app = typer.Typer(
    help="Held messages waiting for case-by-case review: list, show, approve, deny.",
    no_args_is_help=True,
)
MessageId = Annotated[str, typer.Argument(help="The held message's id.")]
Reviewer = Annotated[
    str,
    typer.Option(envvar="STATELINK_REVIEWER", help="Who decides (recorded and audited)."),
]
Note = Annotated[str, typer.Option(help="Why: recorded with the decision.")]
WAIT_SECONDS = 5.0


@app.command("list")
def list_(
    state: State,
    status: Annotated[
        str,
        typer.Option(help="open (default), all, or one of: " + ", ".join(ALL_STATES)),
    ] = "open",
    limit: Annotated[int, typer.Option(min=1, help="Most items to show.")] = 50,
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """List review items, newest first."""
    from statelink.nation import open_node_database

    with open_node_database(layout(data), state) as db:
        items = db.queue.find(status, limit=limit)
    if json_output:
        print_json([i.to_json() for i in items])
    elif items:
        console.print(_table(items))
    else:
        console.print(f"{db.state}: no {status} review items", markup=False)


def _table(items: list[ReviewItem]) -> Table:
    table = Table(
        Column("message id", no_wrap=True),
        "status",
        "held at (UTC)",
        "expires",
        "ORI",
        "agency",
        "MKE",
        "purpose",
        "offense",
        "held by",
        box=None,
        pad_edge=False,
    )
    for i in items:
        cells = (
            i.message_id,
            i.status,
            f"{i.created_at:%Y-%m-%d %H:%M}",
            f"{i.expires_at:%Y-%m-%d %H:%M}",
            i.ori,
            i.agency,
            i.mke,
            i.purpose,
            i.offense,
            ", ".join(p.id for p in i.policies),
        )
        table.add_row(*(escape(c) for c in cells))
    return table


@app.command()
def show(
    message_id: MessageId,
    state: State,
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """Show one item: the requester, the claimed basis and the policies that held it."""
    from statelink.nation import open_node_database

    db = open_node_database(layout(data), state)
    queue = db.queue
    try:
        item = queue.get(message_id)
    finally:
        db.close()
    if json_output:
        print_json(item.to_json())
    else:
        _print(item)


def _print(item: ReviewItem) -> None:
    from statelink.messages.fields import PURPOSES

    rows = [
        ("message id", item.message_id),
        ("status", item.status),
        ("held at", f"{item.created_at:%Y-%m-%d %H:%M:%S} UTC"),
        ("expires", f"{item.expires_at:%Y-%m-%d %H:%M:%S} UTC"),
        ("requester", f"{item.ori} {item.agency}"),
        ("message key", item.mke),
        ("purpose", f"{item.purpose} ({PURPOSES.get(item.purpose, '?')})"),
        ("offense", item.offense or "-"),
        ("case number", item.case_number or "-"),
        ("warrant", item.warrant or "none"),
    ]
    rows += [("held by", f"{p.id}: {p.reason}") for p in item.policies]
    if item.decided_at:
        rows += [
            ("decided", f"{item.decided_at:%Y-%m-%d %H:%M:%S} UTC by {item.reviewer}"),
            ("note", item.note),
        ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        console.print(f"{key:<{width}}  {value}", markup=False)


@app.command()
def approve(
    message_id: MessageId,
    state: State,
    reviewer: Reviewer,
    note: Note,
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """Approve: the node evaluates the message again with review_approved = true and, if
    its policy permits, keeps the answer for the requester to collect."""
    _decide(layout(data), state, message_id, True, reviewer, note, json_output)


@app.command()
def deny(
    message_id: MessageId,
    state: State,
    reviewer: Reviewer,
    note: Note,
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """Deny: nothing is released."""
    _decide(layout(data), state, message_id, False, reviewer, note, json_output)


def _decide(
    where: Layout,
    state: str,
    message_id: str,
    approve: bool,
    reviewer: str,
    note: str,
    json_output: bool,
) -> None:
    import asyncio

    from statelink.nation import open_node_database
    from statelink.review.queue import ItemStatus

    db = open_node_database(where, state)
    queue = db.queue
    try:
        item = queue.decide(message_id, approve=approve, reviewer=reviewer, note=note)
        if where.running_hub() or where.running_node(queue.state):  # its node carries it out
            deadline = time.monotonic() + WAIT_SECONDS
            while (  # BUSY: the node is carrying it out at this very moment
                item.status in (ItemStatus.APPROVED, ItemStatus.DENIED, ItemStatus.BUSY)
                and time.monotonic() < deadline
            ):
                time.sleep(0.2)
                item = queue.get(item.message_id)
        else:
            asyncio.run(_carry_out(where, queue.state))
            item = queue.get(item.message_id)
    finally:
        db.close()
    if json_output:
        print_json(item.to_json())
        return
    outcome = {
        ItemStatus.READY: "approved: the answer is ready for the requester to collect "
        f"(`statelink query --fetch {item.message_id} --ori {item.ori}`)",
        ItemStatus.CLOSED: "denied: nothing is released",
        ItemStatus.REFUSED: "approved, but the policy in force now refuses it: nothing is released",
        ItemStatus.APPROVED: "approved: the node carries it out when the requester collects it",
        ItemStatus.DENIED: "denied: the node closes it when the requester next asks",
        ItemStatus.BUSY: "decided: the node is carrying it out (see `statelink review show`)",
    }
    console.print(f"{item.message_id} {outcome.get(item.status, item.status)}", markup=False)


async def _carry_out(where: Layout, state: str) -> None:
    from statelink.embedded import EmbeddedNetwork

    async with EmbeddedNetwork.open(where) as network:
        await network.nodes[state].reviews.carry_out()
