"""``statelink settings``: a state's serious-crime ranges and notice groups."""

from __future__ import annotations

from typing import Annotated

import typer

from statelink.cli.options import DEFAULT_DATA, DataDir, JsonOutput, console, layout, print_json
from statelink.nation import open_settings
from statelink.policy.settings import StateSettings, parse_ranges

app = typer.Typer(
    help="A state's policy settings: serious-crime ranges, notice groups.", no_args_is_help=True
)
State = Annotated[str, typer.Option("--state", help="The state (NCIC code), e.g. WA.")]


def _show(settings: StateSettings, json_output: bool) -> None:
    ranges = settings.serious_crime()
    groups = settings.notice_groups()
    certifications = settings.certifications()
    if json_output:
        print_json(
            {
                "state": settings.state,
                "serious_crime": [
                    {"first": a, "last": b, "label": label} for a, b, label in ranges
                ],
                "notice_groups": groups,
                "certifications": len(certifications),
            }
        )
        return
    console.print(f"[bold]{settings.state}[/] settings")
    console.print(
        "  serious-crime offense codes: "
        + ", ".join(f"{a}-{b}" + (f" ({label})" if label else "") for a, b, label in ranges)
    )
    console.print(f"  notice groups: {', '.join(groups) or 'none'}")
    console.print(
        f"  certifications on file: {len(certifications)} (see `statelink certifications list`)"
    )


@app.command()
def show(state: State, data: DataDir = DEFAULT_DATA, json_output: JsonOutput = False) -> None:
    """Show the state's settings."""
    settings = open_settings(layout(data), state)
    try:
        _show(settings, json_output)
    finally:
        settings.close()


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
    settings = open_settings(layout(data), state)
    try:
        settings.set_serious_crime(parsed)
        _show(settings, json_output)
    finally:
        settings.close()


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
    """Replace the agency groups whose access to a record owes the person a notice."""
    if not groups and not none:
        raise typer.BadParameter("give one or more groups, or --none")
    settings = open_settings(layout(data), state)
    try:
        settings.set_notice_groups([] if none else (groups or []))
        _show(settings, json_output)
    finally:
        settings.close()
