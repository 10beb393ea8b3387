"""``statelink settings``: a state's serious-crime ranges, notice groups, review and notice
times, holidays, and the contact details its letters give. The core checks every value
(:mod:`statelink.policy.limits`); a command reports what it refuses."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

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
from statelink.policy.limits import NUMBERS
from statelink.policy.settings import StateSettings, parse_ranges

app = typer.Typer(
    help="A state's settings: serious-crime ranges, notice groups, review and notice times, "
    "holidays, contact details for letters.",
    no_args_is_help=True,
)


def _show(settings: StateSettings, json_output: bool) -> None:
    ranges = settings.serious_crime()
    groups = settings.notice_groups()
    certifications = settings.certifications()
    numbers = {name: settings.number(name) for name in NUMBERS}
    holidays = settings.holidays()
    contact = settings.contact()
    if json_output:
        print_json(
            {
                "state": settings.state,
                "serious_crime": [
                    {"first": a, "last": b, "label": label} for a, b, label in ranges
                ],
                "notice_groups": groups,
                **numbers,
                "holidays": [{"day": d.isoformat(), "name": n} for d, n in holidays],
                "contact": contact.as_dict() if contact else None,
                "certifications": len(certifications),
            }
        )
        return
    console.print(f"[bold]{settings.state}[/] settings")
    console.print(
        "  serious-crime offense codes: "
        + ", ".join(f"{a}-{b}" + (f" ({label})" if label else "") for a, b, label in ranges),
        markup=False,
    )
    console.print(f"  notice groups: {', '.join(groups) or 'none'}", markup=False)
    for name, value in numbers.items():
        console.print(f"  {name.replace('_', ' ')}: {value}  [dim]({NUMBERS[name].meaning})[/]")
    console.print(
        "  state holidays (besides the federal ones): "
        + (", ".join(f"{d} {n}".strip() for d, n in holidays) or "none"),
        markup=False,
    )
    console.print(
        "  contact for letters: "
        + (contact.one_line() if contact else "not set (see `statelink settings contact`)"),
        markup=False,
    )
    console.print(
        f"  certifications on file: {len(certifications)} (see `statelink certifications list`)"
    )


@app.command()
def show(state: State, data: DataDir = DEFAULT_DATA, json_output: JsonOutput = False) -> None:
    """Show the state's settings."""
    db = open_node_database(layout(data), state)
    settings = db.settings
    try:
        _show(settings, json_output)
    finally:
        db.close()


@app.command("serious-crime")
def serious_crime(
    state: State,
    ranges: Annotated[
        list[str], typer.Argument(help="NCIC offense codes or ranges: 0900-0999 6411")
    ],
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """Replace the offense codes the state counts as serious crime."""
    parsed = parse_ranges(ranges)
    db = open_node_database(layout(data), state)
    settings = db.settings
    try:
        settings.set_serious_crime(parsed)
        _show(settings, json_output)
    finally:
        db.close()


@app.command("notice-groups")
def notice_groups(
    state: State,
    groups: Annotated[
        list[str] | None, typer.Argument(help="Agency groups, e.g. immigration-enforcement")
    ] = None,
    none: Annotated[bool, typer.Option("--none", help="No group owes notices.")] = False,
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """Replace the agency groups whose access to a record owes the person a notice; each
    must be a group of the directory's agencies."""
    from statelink.nation import open_directory

    if bool(groups) == none:
        raise typer.BadParameter("give one or more groups, or --none (not both)")
    known = open_directory(layout(data)).groups()
    db = open_node_database(layout(data), state)
    settings = db.settings
    try:
        settings.set_notice_groups([] if none else (groups or []), known=known)
        _show(settings, json_output)
    finally:
        db.close()


@app.command("set")
def set_(
    state: State,
    name: Annotated[str, typer.Argument(help=", ".join(NUMBERS))],
    value: Annotated[int, typer.Argument(min=0, help="A whole number within the setting's range.")],
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """Set a number: review_hours (72; 1 to 720), notice_days (3; 1 to 60 business days),
    notice_retention_days (30; 1 to 365)."""
    db = open_node_database(layout(data), state)
    settings = db.settings
    try:
        settings.set_number(name.replace("-", "_"), value)
        _show(settings, json_output)
    finally:
        db.close()


@app.command()
def holidays(
    state: State,
    add: Annotated[
        dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Add this day.")
    ] = None,
    name: Annotated[str, typer.Option(help="The added holiday's name.")] = "",
    remove: Annotated[
        dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Remove this day.")
    ] = None,
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """The state's own holidays, which notices' business days skip besides federal ones."""
    db = open_node_database(layout(data), state)
    settings = db.settings
    try:
        if add is not None:
            settings.add_holiday(add.date(), name)
        if remove is not None:
            settings.remove_holiday(remove.date())
        days = settings.holidays()
    finally:
        db.close()
    if json_output:
        print_json([{"day": d.isoformat(), "name": n} for d, n in days])
        return
    for day, label in days:
        console.print(f"{day}  {label}", markup=False)
    if not days:
        console.print(f"{settings.state} has no holidays of its own (federal ones always count)")


@app.command()
def contact(
    state: State,
    name: Annotated[
        str | None, typer.Option(help="Whom residents write to, e.g. 'WA DOL Privacy Office'.")
    ] = None,
    address: Annotated[
        list[str] | None,
        typer.Option(help="A line of the postal address; give it once a line (at most 5)."),
    ] = None,
    email: Annotated[str | None, typer.Option(help="An email address.")] = None,
    phone: Annotated[str | None, typer.Option(help="A telephone number.")] = None,
    web: Annotated[str | None, typer.Option(help="A web page (https://).")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Remove the contact details.")] = False,
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """The contact details every letter to a resident gives: set those given (an empty
    value removes one), keep the others; with none given, show them."""
    from statelink.policy.contact import Contact

    given = (name, address, email, phone, web)
    if clear and any(value is not None for value in given):
        raise typer.BadParameter("--clear removes every detail: give it alone")
    with open_node_database(layout(data), state) as db:
        settings = db.settings
        if clear:
            settings.clear_contact()
        elif any(value is not None for value in given):
            current = settings.contact() or Contact(name="")
            settings.set_contact(
                current.updated(
                    name=name,
                    address=None if address is None else tuple(address),
                    email=email,
                    phone=phone,
                    web=web,
                )
            )
        details = settings.contact()
    if json_output:
        print_json({"state": settings.state, "contact": details.as_dict() if details else None})
        return
    if details is None:
        console.print(f"{settings.state} has not set its contact details; letters say so")
        return
    console.print(f"[bold]{settings.state}[/] contact details for letters")
    shown = [("name", details.name), *(("address", line) for line in details.address)]
    for label, value in [*shown, *((k.lower(), v) for k, v in details.ways())]:
        console.print(f"  {label}: {value}", markup=False)
