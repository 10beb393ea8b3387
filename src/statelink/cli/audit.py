"""``statelink audit``: verify a state's log, print checkpoints, keys and proofs, export.

``verify`` (:mod:`statelink.cli.verification`) checks the log with the verifier alone,
never with the code that wrote the log.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

import statelink.cli.mirror as mirror
import statelink.cli.verification as verification
import statelink.cli.witnessing as witnessing
from statelink.audit.export import FORMATS, export
from statelink.audit.log import AuditLog, CheckpointRow, Filters
from statelink.audit.lookup import official_of
from statelink.audit.record import AuditRecord
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
from statelink.errors import NotFound, UsageError

app = typer.Typer(
    help="A state's tamper-evident audit log: verify, proofs, show, export.", no_args_is_help=True
)
app.command()(verification.verify)
app.command()(mirror.mirror)
app.command()(witnessing.witnesses)
app.command()(witnessing.witness)


def _open(data: Path, state: str) -> tuple[AuditLog, str]:
    from statelink.nation import open_audit

    audit_log, keys = open_audit(layout(data), state)
    return audit_log, keys.signer.verifier_key()


def _latest(audit_log: AuditLog) -> CheckpointRow:
    latest = audit_log.latest_checkpoint()
    if latest is None:
        raise NotFound(
            f"{audit_log.state} has no signed checkpoint yet: its node signs one "
            "every 1000 records or 10 s after the first, and when it stops"
        )
    return latest


@app.command("checkpoint")
def checkpoint_(
    state: State, data: DataDir = DEFAULT_DATA, json_output: JsonOutput = False
) -> None:
    """Print the latest signed checkpoint (C2SP note), with its witnesses' cosignatures."""
    audit_log, _key = _open(data, state)
    try:
        latest = _latest(audit_log)
        note = witnessing.cosigned(audit_log, data, latest)
    finally:
        audit_log.close()
    if json_output:
        print_json(
            {
                "size": latest.size,
                "root": latest.root.hex(),
                "time": latest.time,
                "note": note,
            }
        )
    else:
        typer.echo(note, nl=False)


@app.command()
def key(state: State, data: DataDir = DEFAULT_DATA, json_output: JsonOutput = False) -> None:
    """Print the state's verifier key (note format name+hash+key)."""
    _audit_log, node_key = _open(data, state)
    _audit_log.close()
    if json_output:
        print_json({"state": state.upper(), "key": node_key})
    else:
        typer.echo(node_key)


@app.command()
def proof(
    state: State,
    seq: Annotated[int, typer.Option(min=0, help="The record's sequence number (receipt).")],
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """Inclusion proof of a record in the latest signed checkpoint."""
    audit_log, _key = _open(data, state)
    try:
        latest = _latest(audit_log)
        if seq >= latest.size:
            size = audit_log.size()
            if seq >= size:
                raise NotFound(
                    f"the {audit_log.state} audit log has {size:,} records (0 to "
                    f"{size - 1:,}): there is no record {seq:,}"
                )
            raise NotFound(
                f"record {seq} is not covered by a signed checkpoint yet (the latest "
                f"covers records 0 to {latest.size - 1}); try again in a few seconds"
            )
        leaf = audit_log.leaf_hash(seq)
        path = audit_log.reader().inclusion(seq, latest.size)
    finally:
        audit_log.close()
    result = {
        "leaf_index": seq,
        "tree_size": latest.size,
        "leaf_hash": leaf.hex(),
        "path": [p.hex() for p in path],
        "root": latest.root.hex(),
        "checkpoint": latest.note,
    }
    if json_output:
        print_json(result)
        return
    console.print(f"record {seq} is leaf {seq} of the tree of {latest.size:,} records")
    console.print(f"  leaf hash {leaf.hex()}")
    for n, p in enumerate(path):
        console.print(f"  path[{n}]  {p.hex()}")
    console.print(
        f"  root      {latest.root.hex()} "
        f"({base64.b64encode(latest.root).decode()} in the checkpoint)"
    )


@app.command()
def consistency(
    state: State,
    first: Annotated[int, typer.Option("--from", min=0, help="The earlier tree size.")],
    second: Annotated[
        int | None,
        typer.Option("--to", min=0, help="The later tree size [default: the latest checkpoint]."),
    ] = None,
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """Consistency proof: the tree of --to records extends the tree of --from records."""
    audit_log, _key = _open(data, state)
    try:
        second = _latest(audit_log).size if second is None else second
        size = audit_log.size()
        if not first <= second <= size:
            raise UsageError(
                f"expected --from <= --to <= {size} (the log's size), given {first} and {second}"
            )
        reader = audit_log.reader()
        path = reader.consistency(first, second)
        first_root, second_root = reader.root(first), reader.root(second)
    finally:
        audit_log.close()
    result = {
        "first": first,
        "second": second,
        "path": [p.hex() for p in path],
        "first_root": first_root.hex(),
        "second_root": second_root.hex(),
    }
    if json_output:
        print_json(result)
        return
    console.print(f"tree of {second:,} records extends the tree of {first:,}")
    console.print(f"  first root  {first_root.hex()}")
    console.print(f"  second root {second_root.hex()}")
    for n, p in enumerate(path):
        console.print(f"  path[{n}] {p.hex()}")


def _filters(
    ori: str | None,
    component: str | None,
    mke: str | None,
    decision: str | None,
    status: str | None,
    message_id: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    limit: int | None,
) -> Filters:
    first, last = _period(since, until)
    return Filters(
        since=first,
        until=last,
        ori=(ori or "").upper(),
        component=(component or "").upper(),
        mke=(mke or "").upper(),
        decision=(decision or "").lower(),
        status=(status or "").upper(),
        message_id=(message_id or "").upper(),
        limit=limit,
    )


Ori = Annotated[str | None, typer.Option(help="Requester ORI.")]
Component = Annotated[str | None, typer.Option(help="Requester component: ICE HSI ...")]
Mke = Annotated[str | None, typer.Option(help="Message key: DQ RQ ...")]
DecisionOpt = Annotated[str | None, typer.Option("--decision", help="permit, deny or hold.")]
StatusOpt = Annotated[str | None, typer.Option("--status", help="HIT NO_HIT DENIED HELD ...")]
MessageId = Annotated[str | None, typer.Option(help="The hub's message id.")]
Since = Annotated[
    dt.datetime | None,
    typer.Option(
        formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"],
        help="From this UTC time on (when the hub received the message), e.g. 2026-07-01.",
    ),
]
Until = Annotated[
    dt.datetime | None,
    typer.Option(
        formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"],
        help="Before this UTC time (when the hub received the message).",
    ),
]
OldestFirst = Annotated[
    bool, typer.Option("--oldest-first", help="List the oldest record first (default: newest).")
]
After = Annotated[
    int | None,
    typer.Option(
        min=0,
        metavar="SEQ",
        help="The next page: records after record SEQ in this listing's order "
        "(older ones unless --oldest-first).",
    ),
]


def _moment(value: dt.datetime | None) -> str:
    """A --since/--until time in the form the log's ``received_at`` is compared with."""
    return "" if value is None else value.strftime("%Y-%m-%dT%H:%M:%S")


def _period(since: dt.datetime | None, until: dt.datetime | None) -> tuple[str, str]:
    if since and until and until <= since:
        raise UsageError(f"--until ({until:%Y-%m-%d}) must come after --since ({since:%Y-%m-%d})")
    return _moment(since), _moment(until)


@app.command()
def show(
    state: State,
    ori: Ori = None,
    component: Component = None,
    mke: Mke = None,
    decision: DecisionOpt = None,
    status: StatusOpt = None,
    message_id: MessageId = None,
    since: Since = None,
    until: Until = None,
    limit: Annotated[int, typer.Option(min=1, help="Most records to show.")] = 20,
    oldest_first: OldestFirst = False,
    after: After = None,
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """Audit records matching every filter, newest first, a page at a time."""
    audit_log, _key = _open(data, state)
    wanted = _filters(ori, component, mke, decision, status, message_id, since, until, limit)
    try:
        found = audit_log.find(
            dataclasses.replace(wanted, newest_first=not oldest_first, after=after, limit=limit + 1)
        )
        records = list(found)
    finally:
        audit_log.close()
    more, records = len(records) > limit, records[:limit]
    if json_output:
        print_json([r.to_json() for r in records])
        return
    console.print(_table(records))
    if more:
        flag = " --oldest-first" if oldest_first else ""
        console.print(
            f"more: add --after {records[-1].seq}{flag} for the next page", highlight=False
        )


def _table(records: list[AuditRecord]) -> Table:
    table = Table(
        "seq",
        "received",
        "requester",
        "mke",
        "purpose",
        "decision",
        "status",
        "policies",
        box=None,
        pad_edge=False,
    )
    for r in records:
        official = official_of(r)  # a look-up run on the dashboard: who ran it
        cells = (
            str(r.seq),
            r.received_at,
            f"{official.account} ({official.role}), dashboard"
            if official
            else f"{r.requester.ori} {r.requester.component}",
            r.mke,
            r.purpose,
            r.decision,
            r.status,
            ", ".join(r.policies),
        )
        table.add_row(*(escape(c) for c in cells))
    return table


@app.command("export")
def export_(
    state: State,
    fmt: Annotated[str, typer.Option("--format", help=f"One of {', '.join(FORMATS)}.")],
    out: Annotated[
        Path | None, typer.Option(help="File to write [default: audit-XX.<format>].")
    ] = None,
    since: Since = None,
    until: Until = None,
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """Export records (JSON lines as logged, or flat CSV or Parquet)."""
    if fmt not in FORMATS:
        raise UsageError(f"--format: expected one of {', '.join(FORMATS)}, given {fmt!r}")
    audit_log, _key = _open(data, state)
    target = out or Path(f"audit-{audit_log.state}.{fmt}")
    try:
        with writing(target, "--out"):
            count = export(
                audit_log.find(_filters(None, None, None, None, None, None, since, until, None)),
                target,
                fmt,
            )
    finally:
        audit_log.close()
    if json_output:
        print_json({"state": audit_log.state, "format": fmt, "file": str(target), "records": count})
    else:
        console.print(f"wrote {count:,} {audit_log.state} audit records to {target}", markup=False)
