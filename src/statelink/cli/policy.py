"""``statelink policy``: write, check, test, explain and apply a state's Cedar policies."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

import statelink.cli.impact as impact
from statelink.cli.files import manifest, reading, writing
from statelink.cli.options import (
    DEFAULT_DATA,
    DataDir,
    JsonOutput,
    State,
    console,
    layout,
    print_json,
)
from statelink.errors import PolicyInvalid, UsageError

if TYPE_CHECKING:
    from statelink.directory import Agency, Directory
    from statelink.messages.response import PolicyReason
    from statelink.policy.engine import Explanation

app = typer.Typer(
    help="A state's Cedar policies: templates, validate, test, explain, apply; and what a "
    "set would change: simulate, diff, coverage.",
    no_args_is_help=True,
)
app.command()(impact.simulate)
app.command()(impact.diff)
app.command()(impact.coverage)

OUTCOME_STYLE = {"permit": "bold green", "deny": "bold red", "hold": "bold yellow"}
"""The style of each decision's outcome (an Outcome is a StrEnum: its value is the key)."""


def _reasons(policies: tuple[PolicyReason, ...] | list[PolicyReason]) -> list[dict[str, str]]:
    return [p.model_dump() for p in policies]


def _print_reasons(policies: tuple[PolicyReason, ...]) -> None:
    for p in policies:
        law = f" [dim]{escape(f'[{p.law}]')}[/]" if p.law else ""
        console.print(f"  [bold]{escape(p.id)}[/]: {escape(p.reason)}{law}")


@app.command()
def templates(json_output: JsonOutput = False) -> None:
    """List the policy templates and the law each follows."""
    from statelink.policy.templates import TEMPLATES

    rows = [
        {
            "name": t.name,
            "title": t.title,
            "law": t.law,
            "home": t.home,
            "certification": t.certification,
            "notice_groups": list(t.notice_groups),
        }
        for t in TEMPLATES.values()
    ]
    if json_output:
        print_json(rows)
        return
    table = Table("template", "what it does", "law", box=None, pad_edge=False)
    for row in rows:
        table.add_row(str(row["name"]), str(row["title"]), str(row["law"]))
    console.print(table)


@app.command()
def init(
    state: State,
    template: Annotated[str, typer.Option(help="Template name (see `policy templates`).")],
    out: Annotated[
        Path | None,
        typer.Option(help="Folder to write [default: the data folder's states/XX/drafts]."),
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite files already there.")] = False,
    data: DataDir = DEFAULT_DATA,
) -> None:
    """Write a starting policy set for a state from a template (not in force until applied)."""
    from statelink.nation import Layout
    from statelink.policy.templates import write

    folder = out or Layout(data).drafts(state.upper())
    with writing(folder, "--out", folder=True):
        written = write(template, state, folder, force=force)
    for path in written:
        console.print(f"wrote {path}", markup=False)
    console.print(
        f"next: statelink policy test {folder} --cases {folder / 'cases.yaml'}"
        if any(p.name == "cases.yaml" for p in written)
        else f"next: statelink policy validate {folder}",
        markup=False,
    )


@app.command()
def validate(
    path: Annotated[Path, typer.Argument(help="A .cedar file or a folder of them.")],
    json_output: JsonOutput = False,
) -> None:
    """Check a policy set against the contract schema; exit 1 if it is refused."""
    from statelink.policy.policies import Policies
    from statelink.policy.schema import schema_version

    try:
        with reading(path, "PATH"):
            policies = Policies.load(path)
    except PolicyInvalid as e:
        if json_output:
            print_json({"valid": False, "problems": [p.__dict__ for p in e.problems]})
        else:
            console.print(f"[red]refused[/]: {len(e.problems)} problem(s) in {escape(str(path))}")
            for problem in e.problems:
                console.print(f"  {problem}", soft_wrap=True, markup=False)
        raise typer.Exit(1) from None
    summary = {
        "valid": True,
        "digest": policies.digest,
        "schema_version": schema_version(),
        "policies": [
            {"id": i.id, "effect": i.effect, "file": i.file} for i in policies.infos.values()
        ],
    }
    if json_output:
        print_json(summary)
        return
    console.print(
        f"[green]valid[/]: {len(policies.infos)} policies in {len(policies.files)} "
        f"file(s), digest {policies.digest[:12]} (schema version {schema_version()})"
    )
    for info in policies.infos.values():
        console.print(f"  {info.effect:6}  {escape(info.id)}  [dim]({escape(info.file)})[/]")


def _directory(csv: Path | None, data: Path) -> Directory:
    from statelink.directory import Directory, seed_directory
    from statelink.nation import open_directory

    if csv is not None:
        with reading(csv, "--directory"):
            return Directory.read(csv)
    if manifest(layout(data)) is not None:
        return open_directory(layout(data))
    return seed_directory()


@app.command("test")
def run_cases_command(
    path: Annotated[Path, typer.Argument(help="The policy set to test (file or folder).")],
    cases: Annotated[Path, typer.Option(help="Case table, YAML or JSON.")],
    directory: Annotated[
        Path | None,
        typer.Option(
            help="Directory CSV to evaluate against [default: the nation's, else the seed]."
        ),
    ] = None,
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """Run a table of cases against a policy set; exit 1 if any case fails."""
    from statelink.policy.cases import load_cases, run_cases
    from statelink.policy.policies import Policies

    with reading(path, "PATH"):
        policies = Policies.load(path)
    with reading(cases, "--cases"):
        loaded = load_cases(cases)
    results = run_cases(policies, loaded, _directory(directory, data))
    failed = [r for r in results if not r.ok]
    if json_output:
        print_json(
            [
                {
                    k: v
                    for k, v in r.as_dict().items()
                    if k in ("name", "expect", "decision", "reasons", "ok")
                }
                for r in results
            ]
        )
    else:
        table = Table(
            "", "case", "expect", "decision", "deciding policies", box=None, pad_edge=False
        )
        for r in results:
            mark = "[green]ok[/]" if r.ok else "[red]FAIL[/]"
            expected = (
                f" (expected {', '.join(r.case.reasons)})"
                if (not r.ok and r.case.reasons is not None)
                else ""
            )
            table.add_row(
                mark,
                escape(r.case.name),
                r.case.expect.value,
                f"[{OUTCOME_STYLE[r.decision]}]{r.decision.value}[/]",
                escape(", ".join(r.reasons) + expected),
            )
        console.print(table)
        console.print(f"{len(results) - len(failed)} of {len(results)} cases pass")
    if failed:
        raise typer.Exit(1)


@app.command()
def explain(
    state: State,
    message: Annotated[str, typer.Argument(help="The message, text or JSON.")],
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """How a state's active policy decides a message, and what single change would change it."""
    from statelink.messages.text import parse_any
    from statelink.nation import open_decision_point

    parsed = parse_any(message)
    point = open_decision_point(layout(data), state)
    try:
        if not (parsed.nationwide or point.state in parsed.dest):
            raise UsageError(f"the message is not addressed to {point.state}")
        agency = point.directories.current().require(parsed.ori)
        explanation = point.explain(point.request(parsed, agency))
    finally:
        point.settings.close()
    if json_output:
        print_json(_explanation_json(point.state, explanation))
    else:
        _print_explanation(point.state, agency, explanation)


def _explanation_json(state: str, explanation: Explanation) -> dict[str, Any]:  # --json
    decision = explanation.decision
    return {
        "state": state,
        "decision": decision.outcome.value,
        "policies": _reasons(decision.policies),
        "digest": decision.digest,
        "error": decision.error,
        "context": dict(explanation.request.context),
        "changes": [
            {
                "change": c.change,
                "outcome": c.outcome.value,
                "policies": _reasons(c.policies),
            }
            for c in explanation.changes
        ],
    }


def _print_explanation(state: str, agency: Agency, explanation: Explanation) -> None:
    """The decision, its reasons and the context; unless permitted, what would change it."""
    from statelink.policy.engine import Outcome

    decision = explanation.decision
    console.print(
        f"{state} decides [{OUTCOME_STYLE[decision.outcome]}]"
        f"{decision.outcome.value.upper()}[/] for {escape(agency.ori)} ({escape(agency.name)}) "
        f"[dim]policy set {decision.digest[:12] or 'none'}[/]"
    )
    _print_reasons(decision.policies)
    if decision.error:
        console.print(f"  [red]{escape(decision.error)}[/]")
    facts = " ".join(
        f"{k}={v}"
        for k, v in explanation.request.context.items()
        if k not in ("warrant", "case_number", "reason")
    )
    console.print(f"[dim]context: {escape(facts)}[/]", soft_wrap=True)
    if decision.outcome is Outcome.PERMIT:
        return
    if not explanation.changes:
        console.print("no single change to the request would change this decision")
        return
    console.print("what would change it:")
    for change in explanation.changes:
        ids = ", ".join(p.id for p in change.policies)
        console.print(
            f"  {escape(change.change)} → [{OUTCOME_STYLE[change.outcome]}]"
            f"{change.outcome.value}[/] ({escape(ids)})"
        )


@app.command()
def apply(
    state: State,
    path: Annotated[Path, typer.Argument(help="The policy set (file or folder).")],
    data: DataDir = DEFAULT_DATA,
    by: Annotated[
        str,
        typer.Option(help="Who applies it, recorded with the set (default: your account here)."),
    ] = "",
    json_output: JsonOutput = False,
) -> None:
    """Validate a policy set, then make it the state's active set in one atomic step."""
    from statelink.nation import open_policy_store

    store = open_policy_store(layout(data), state)
    previous = store.applied()
    who = by.strip() or _operator()
    with reading(path, "PATH"):
        policies = store.apply(path, by=who)
    if json_output:
        print_json(
            {
                "state": store.state,
                "digest": policies.digest,
                "applied_by": who,
                "previous": previous.digest if previous else None,
                "policies": list(policies.infos),
            }
        )
        return
    console.print(
        f"{store.state}: policy set {policies.digest[:12]} is active "
        f"({len(policies.infos)} policies"
        + (f"; was {previous.digest[:12]})" if previous else ")")
        + (f", applied by {who}" if who else ""),
        markup=False,
    )
    console.print("a running node picks it up within a second")


def _operator() -> str:
    """The account this command runs as ("" where the system cannot say)."""
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""


@app.command()
def show(
    state: State,
    data: DataDir = DEFAULT_DATA,
    text: Annotated[bool, typer.Option(help="Print the Cedar text too.")] = False,
    history: Annotated[bool, typer.Option(help="List every set applied, oldest first.")] = False,
    json_output: JsonOutput = False,
) -> None:
    """The state's active policy set and its digest."""
    from statelink.nation import open_policy_store

    store = open_policy_store(layout(data), state)
    applied = store.applied()
    policies = store.active()
    if json_output:
        print_json(
            {
                **(applied.as_dict() if applied else {}),
                "policies": [asdict(i) for i in policies.infos.values()],
                **({"text": policies.files} if text else {}),
                **({"history": [h.as_dict() for h in store.history()]} if history else {}),
            }
        )
        return
    assert applied is not None
    console.print(f"[bold]{store.state}[/] policy set [cyan]{applied.digest}[/]")
    by = f" by {applied.applied_by}" if applied.applied_by else ""
    console.print(f"  applied {applied.applied_at}{by} from {applied.source}", markup=False)
    for info in policies.infos.values():
        law = f" [dim]{escape(f'[{info.law}]')}[/]" if info.law else ""
        console.print(
            f"  {info.effect:6} [bold]{escape(info.id)}[/]: {escape(info.reason)}{law}",
            soft_wrap=True,
        )
    if text:
        for name, body in policies.files.items():
            console.print(f"\n[dim]--- {escape(name)}[/]")
            console.print(body, markup=False, highlight=False)
    if history:
        console.print("\nhistory:")
        for h in store.history():
            console.print(f"  {h.applied_at}  {h.digest[:12]}  {h.source}", markup=False)
