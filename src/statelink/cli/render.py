"""Readable terminal views of answers, records and agencies (Rich)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from statelink.messages.response import Status

if TYPE_CHECKING:
    from statelink.directory import Agency
    from statelink.messages.response import DriverRecord, HubResponse, StateAnswer, VehicleRecord

STATUS_STYLE = {
    Status.HIT: "bold green",
    Status.NO_HIT: "dim",
    Status.DENIED: "bold red",
    Status.HELD: "bold yellow",
    Status.UNAVAILABLE: "magenta",
    Status.REJECTED: "red",
}


def _detail(answer: StateAnswer) -> str:
    reasons = "; ".join(
        f"{r.id}: {r.reason}" + (f" [{r.law}]" if r.law else "") for r in answer.reasons
    )
    return escape(" — ".join(part for part in (answer.detail, reasons) if part))


def response(console: Console, reply: HubResponse) -> None:
    counts = ", ".join(f"{n} {status}" for status, n in reply.counts().items())
    console.print(
        f"[bold]{reply.mke}[/] message [cyan]{reply.message_id}[/] from {escape(reply.ori)}"
        + (f" control {escape(reply.control)}" if reply.control else "")
        + f" to {len(reply.destinations)} state(s): {counts} ({reply.elapsed_ms:.1f} ms)"
    )
    if reply.answers:
        table = Table("state", "status", "records", "ms", "detail", box=None, pad_edge=False)
        for answer in reply.answers:
            table.add_row(
                answer.state,
                f"[{STATUS_STYLE[answer.status]}]{answer.status.value}[/]",
                str(answer.record_count),
                f"{answer.elapsed_ms:.1f}",
                _detail(answer),
            )
        console.print(table)
    hidden = len(reply.destinations) - len(reply.answers)
    if hidden:
        console.print(f"[dim]{hidden} state(s) with no hit not listed[/]")
    drivers_ = [d for a in reply.answers for d in a.drivers]
    vehicles_ = [v for a in reply.answers for v in a.vehicles]
    if drivers_:
        console.print()
        drivers(console, drivers_)
    if vehicles_:
        console.print()
        vehicles(console, vehicles_)


def drivers(console: Console, records: Sequence[DriverRecord]) -> None:
    for d in records:
        a = d.address
        console.print(
            f"[bold]{d.state} {escape(d.name)}[/]  OLN [cyan]{escape(d.oln)}[/]  DOB {d.dob}  "
            f"SEX {escape(d.sex)}  HGT {d.height_in // 12}'{d.height_in % 12:02d}\"  "
            f"EYES {escape(d.eyes)}"
        )
        console.print(
            escape(f"    {a.street}, {a.city} {a.state} {a.zip} · class {d.license_class} · ")
            + f"[bold]{escape(d.status)}[/] · issued {d.issued} · expires {d.expires}"
            + (f" · restrictions {escape(d.restrictions)}" if d.restrictions else "")
        )
        for event in d.history:
            code = f" {event.code}" if event.code else ""
            console.print(
                f"    {event.date}  {event.kind}{code}  {event.description}", markup=False
            )


def vehicles(console: Console, records: Sequence[VehicleRecord]) -> None:
    table = Table(
        "state",
        "plate",
        "type",
        "plate yr",
        "VIN",
        "vehicle",
        "color",
        "owner",
        box=None,
        pad_edge=False,
    )
    for v in records:
        table.add_row(
            v.state,
            f"[cyan]{escape(v.plate)}[/]",
            escape(v.plate_type),
            str(v.plate_year),
            escape(v.vin),
            escape(f"{v.year} {v.make} {v.model}"),
            escape(v.color),
            escape(v.owner_name),
        )
    console.print(table)


def agencies(console: Console, rows: Sequence[Agency], total: int) -> None:
    table = Table(
        "ORI", "name", "state", "kind", "dept", "component", "groups", box=None, pad_edge=False
    )
    for a in rows:
        table.add_row(
            *(escape(c) for c in (a.ori, a.name, a.state, a.kind, a.department, a.component)),
            escape(", ".join(a.groups)),
        )
    console.print(table)
    if total > len(rows):
        console.print(f"[dim]{len(rows)} of {total} shown; use --limit to see more[/]")


def agency(console: Console, a: Agency) -> None:
    from statelink.directory import KINDS

    console.print(f"[bold]{escape(a.ori)}[/]  {escape(a.name)}")
    for line in (
        f"  state       {a.state}",
        f"  kind        {a.kind} ({KINDS[a.kind]})",
        f"  department  {a.department or '-'}",
        f"  component   {a.component or '-'}",
        f"  groups      {', '.join(a.groups) or '-'}",
    ):
        console.print(line, markup=False)
