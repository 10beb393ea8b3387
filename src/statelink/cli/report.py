"""``statelink report`` and ``statelink access-report``: what the audit logs say."""

from __future__ import annotations

import datetime as dt
import json
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
from statelink.errors import UsageError

if TYPE_CHECKING:
    from statelink.reports.model import Count, Report

FORMATS = ("table", "json", "csv", "html")
PUBLIC_FORMATS = (*FORMATS, "pdf")
Day = Annotated[
    dt.datetime | None,
    typer.Option(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"], help="UTC, e.g. 2026-07-01."),
]


def report(
    state: State,
    since: Day = None,
    until: Day = None,
    format: Annotated[
        str, typer.Option("--format", help="table, json, csv or html (pdf too, with --public).")
    ] = "table",
    public_report: Annotated[
        bool,
        typer.Option("--public", help="Aggregates only, counts under 10 suppressed (to publish)."),
    ] = False,
    top: Annotated[
        int, typer.Option(min=0, help="How many top requesters to list (0: every agency).")
    ] = 10,
    out: Annotated[Path | None, typer.Option(help="Write to FILE instead of the screen.")] = None,
    rebuild_copy: Annotated[
        bool,
        typer.Option(
            "--rebuild",
            help="Discard the Parquet copy of the audit log and copy it again (after a refusal).",
        ),
    ] = False,
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """Who read the state's residents' data, for what, and what was refused or held.

    The copy of the audit log behind the report is first checked against the log's latest
    signed checkpoint, which the report states; a copy that does not match is refused."""
    from statelink.reports.report import Period
    from statelink.reports.sources import rebuild, state_report

    fmt = "json" if json_output else format
    allowed = PUBLIC_FORMATS if public_report else FORMATS
    if fmt not in allowed:
        raise UsageError(f"--format: expected one of {', '.join(allowed)}, given {format!r}")
    if since and until and until <= since:
        raise UsageError(f"--until ({until:%Y-%m-%d}) must come after --since ({since:%Y-%m-%d})")
    where = layout(data)
    if rebuild_copy:
        rebuild(where, state)
    made = state_report(where, state, Period(since, until), top=top)
    text = _public(made, fmt) if public_report else _full(made, fmt)
    if text is not None:  # None: shown as tables
        _emit(text, fmt, out)


def _emit(text: str | bytes, fmt: str, out: Path | None) -> None:
    """Write the report to ``out``, else to standard output (HTML and PDF only where
    that is not a terminal)."""
    if out is None and fmt == "html" and sys.stdout.isatty():
        raise UsageError(
            "HTML is for a browser, not the terminal: add --out FILE (or redirect: > report.html)"
        )
    if out is None and fmt == "pdf" and sys.stdout.isatty():
        raise UsageError("PDF is not for the terminal: add --out FILE (or redirect: > report.pdf)")
    if out is not None:
        with writing(out, "--out"):
            out.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        console.print(f"written to {out}", markup=False)
    elif isinstance(text, bytes):
        sys.stdout.flush()
        sys.stdout.buffer.write(text)
        sys.stdout.buffer.flush()
    else:
        sys.stdout.write(text)


def _full(made: Report, fmt: str) -> str | None:
    """The report in a format (None: shown here as tables)."""
    from statelink.reports import page

    if fmt == "json":
        return _json(made)
    if fmt == "csv":
        return page.to_csv(made)
    if fmt == "html":
        return page.to_html(made)
    _tables(made)
    return None


def _public(made: Report, fmt: str) -> str | bytes | None:
    """The public report in a format (None: shown here as tables)."""
    from statelink.reports import public

    if fmt == "pdf":
        return public.to_pdf(made)
    if fmt == "json":
        return _json(public.to_json(made))
    if fmt == "html":
        return public.to_html(made)
    if fmt == "csv":
        return public.to_csv(made)
    _public_tables(made)
    return None


def _json(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def _tables(made: Report) -> None:
    from statelink.reports.anchor import statement

    t = made["totals"]
    console.print(
        f"[bold]{made['state']}[/] {(t['first'] or '')[:10]} to {(t['last'] or '')[:10]}: "
        f"{t['requests']:,} requests from {t['requesters']:,} agencies, "
        f"{t['records_released']:,} records released, {t['refused']:,} refused, "
        f"{t['held']:,} held, {t['immigration_requests']:,} from immigration agencies"
    )
    console.print(
        statement(made["anchor"], made["state"]), highlight=False, soft_wrap=True, markup=False
    )
    b = made["breakdowns"]
    purposes: list[Count] = [
        {
            "key": f"{r['key']} ({r['label']})" if r["label"] else r["key"],
            "n": r["n"],
            "released": r["released"],
        }
        for r in b["purpose"]
    ]
    for title, rows in (
        ("who asked", b["requester_class"]),
        ("decision", b["decision"]),
        ("purpose", purposes),
        ("message key", b["mke"]),
        ("federal component", [r for r in b["component"] if r["key"] != "state and local"]),
    ):
        table = Table(title, "requests", "records released", box=None, pad_edge=False)
        for r in rows:
            table.add_row(escape(str(r["key"])), f"{r['n']:,}", f"{r['released'] or 0:,}")
        console.print(table)
    _who_and_why(made)


def _who_and_why(made: Report) -> None:
    """Immigration agencies, the deciding policies, top requesters and the policy sets."""
    table = Table("immigration agency", "decision", "requests", "records released", box=None)
    for i in made["immigration"]:
        table.add_row(
            escape(i["component"]), i["decision"], f"{i['n']:,}", f"{i['released'] or 0:,}"
        )
    console.print(table)
    table = Table("deciding policy", "decision", "requests", "reason", box=None, pad_edge=False)
    for p in made["breakdowns"]["policy"]:
        table.add_row(escape(p["key"]), p["decision"], f"{p['n']:,}", escape(p["reason"]))
    console.print(table)
    table = Table("top requester", "agency", "requests", "refused or held", box=None)
    for r in made["top_requesters"]:
        table.add_row(
            escape(r["ori"]), escape(r["name"]), f"{r['n']:,}", f"{r['refused_or_held']:,}"
        )
    console.print(table)
    table = Table(
        "policy set", "in force (first to last request)", "permit", "deny", "hold", box=None
    )
    for s in made["policy_sets"]:
        table.add_row(
            (s["digest"] or "")[:12],
            f"{s['first'][:10]} to {s['last'][:10]}",
            f"{s['permit']:,}",
            f"{s['deny']:,}",
            f"{s['hold']:,}",
        )
    console.print(table)


def _public_tables(made: Report) -> None:
    from statelink.reports import public
    from statelink.reports.anchor import statement

    console.print(
        statement(made["anchor"], made["state"]), highlight=False, soft_wrap=True, markup=False
    )
    for t in public.tables(made):
        table = Table(t.title, "requests", box=None, pad_edge=False)
        for label, shown in t.rows:
            table.add_row(escape(label), shown)
        table.add_row("[bold]total[/]", f"[bold]{t.total}[/]")
        console.print(table)


def access_report(
    state: State,
    licence: Annotated[str, typer.Option("--licence", help="The resident's licence number.")],
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """Every access to one resident's records: when, which agency, why, what was decided
    (from the copy of the audit log, checked against its latest signed checkpoint)."""
    from statelink.nation import known_state, open_audit
    from statelink.reports.anchor import statement
    from statelink.reports.resident import accesses
    from statelink.reports.sources import agency_names, anchored

    where = layout(data)
    code = known_state(where, state)
    log, keys = open_audit(where, code)
    log.close()
    copy = anchored(where, code)
    rows = accesses(copy.table, keys, licence, agencies=agency_names(where))
    covered = copy.anchor.as_json() if copy.anchor else None
    if json_output:
        print_json({"state": code, "anchor": covered, "accesses": rows})
        return
    console.print(statement(covered, code), highlight=False, soft_wrap=True, markup=False)
    if not rows:
        console.print(f"{code}'s audit log records no access to that licence's records")
        return
    table = Table("when (UTC)", "agency", "purpose", "decision", "status", box=None, pad_edge=False)
    for r in rows:
        table.add_row(
            r["received_at"][:19].replace("T", " "),
            escape(f"{r['ori']} {r['agency']}"),
            escape(f"{r['purpose']} {r['purpose_label']}"),
            r["decision"],
            r["status"],
        )
    console.print(table)
