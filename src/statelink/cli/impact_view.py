"""Terminal views of a replay, a diff and a coverage (Rich)."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from statelink.cli.options import console
from statelink.impact import Coverage, Diff, Region, Replay, Verdict
from statelink.impact.outcomes import OUTCOMES, split
from statelink.impact.replay import NamedAgency, ReplayJson
from statelink.reports.anchor import statement

STYLE = {"permit": "green", "deny": "red", "hold": "yellow"}
VERDICT_STYLE = {
    Verdict.EQUIVALENT: "bold green",
    Verdict.STRICTER: "bold red",
    Verdict.MORE_PERMISSIVE: "bold yellow",
    Verdict.INCOMPARABLE: "bold magenta",
    Verdict.UNKNOWN: "bold",
}
ORIS_SHOWN = 8


def _n(value: int) -> str:
    return f"{value:,}"


def _arrow(key: str) -> str:
    before, after = split(key)
    return f"[{STYLE[before]}]{before}[/] → [{STYLE[after]}]{after}[/]"


def show_replay(replay: Replay, names: dict[str, str]) -> None:
    made = replay.as_dict(names)
    period = " ".join(
        part
        for part in (
            f"from {made['since'][:10]}" if made["since"] else "",
            f"before {made['until'][:10]}" if made["until"] else "",
        )
        if part
    )
    console.print(
        f"[bold]{replay.state}[/]: {_n(replay.records)} decided requests {period or 'in the log'}"
        f" replayed under {escape(replay.candidate)} [dim](set {replay.candidate_digest[:12]}; "
        f"{_n(replay.inputs)} distinct decision inputs)[/]",
        soft_wrap=True,
    )
    share = replay.reproduced / replay.records * 100 if replay.records else 100.0
    mark = "green" if replay.reproduced == replay.records else "red"
    console.print(
        f"fidelity: [{mark}]{_n(replay.reproduced)} of {_n(replay.records)} ({share:.1f}%)[/] "
        "reproduce their logged decision under the set then in force"
    )
    console.print(
        statement(made["anchor"], replay.state), highlight=False, soft_wrap=True, markup=False
    )
    for miss in replay.not_reproduced[:20]:
        console.print(f"  [red]#{miss.seq}[/] {escape(miss.why)}", soft_wrap=True)
    if replay.not_reproduced_total > 20:
        console.print(f"  [dim]... {replay.not_reproduced_total - 20:,} more (use --json)[/]")
    _matrix(made["outcomes"])
    _changes(made, replay)
    _lines(made)
    _agencies(made["agencies"])


def _matrix(outcomes: dict[str, int]) -> None:
    table = Table("before \\ after", *OUTCOMES, box=None, pad_edge=False)
    for before in OUTCOMES:
        table.add_row(before, *(_n(outcomes[f"{before}->{after}"]) for after in OUTCOMES))
    console.print(table)


def _changes(made: ReplayJson, replay: Replay) -> None:
    changes = made["changes"]
    total = sum(c["records"] for c in changes)
    if not changes:
        console.print("[green]no decided request would change[/]")
        return
    console.print(f"\n[bold]what changes[/]: {_n(total)} requests")
    table = Table(
        "from → to",
        "requests",
        "agencies",
        "requester",
        "key",
        "purpose",
        "examples (seq)",
        box=None,
        pad_edge=False,
    )
    for c in changes[:25]:
        table.add_row(
            _arrow(f"{c['from']}->{c['to']}"),
            _n(c["records"]),
            _n(c["agencies"]),
            escape(f"{c['component']} {c['kind']}"),
            escape(c["mke"]),
            escape(c["purpose"]),
            ", ".join(map(str, c["examples"])),
        )
    console.print(table)
    if len(changes) > 25:
        console.print(f"[dim]{len(changes) - 25} more changed classes (use --json)[/]")
    seq = changes[0]["examples"][0]
    console.print(
        f"[dim]prove an example was logged: statelink audit proof --state {replay.state} "
        f"--seq {seq}[/]"
    )


def _lines(made: ReplayJson) -> None:
    serious, immigration = made["serious_crime"], made["immigration"]
    console.print(
        f"\nserious-crime requests: {_n(serious['records'])}; would lose access "
        f"[red]{_n(serious['lose'])}[/], gain {_n(serious['gain'])}"
    )
    parts = ", ".join(
        f"{c} lose {_n(v['lose'])} gain {_n(v['gain'])}"
        for c, v in immigration["by_component"].items()
        if v["lose"] or v["gain"]
    )
    console.print(
        f"immigration agencies: {_n(immigration['records'])} requests; lose "
        f"{_n(immigration['lose'])}, gain {_n(immigration['gain'])}"
        + (f" ({parts})" if parts else "")
    )
    weeks = made["held_per_week"]
    held = {
        side: (
            sum(w[side] for w in weeks),
            sum(1 for w in weeks if w[side]),
            max((w[side] for w in weeks), default=0),
        )
        for side in ("before", "after")
    }
    console.print(
        "held for case-by-case review: "
        + ", ".join(
            f"{_n(total)} {side}" + (f" (in {n} weeks, at most {_n(most)} a week)" if total else "")
            for side, (total, n, most) in held.items()
        )
    )
    for dim in ("component", "purpose", "mke"):
        rows = [r for r in made["breakdowns"][dim] if r["changed"]]
        if rows:
            shown = ", ".join(f"{r['key']} {_n(r['changed'])}" for r in rows[:8])
            console.print(f"changed by {dim}: {shown}", markup=False)


def _agencies(rows: list[NamedAgency]) -> None:
    if not rows:
        return
    console.print("\n[bold]most affected agencies[/]")
    table = Table("ORI", "name", "requests", "changed", "how", box=None, pad_edge=False)
    for r in rows:
        how = ", ".join(
            f"{_arrow(k)} {_n(n)}" for k, n in r["transitions"].items() if len(set(split(k))) > 1
        )
        table.add_row(escape(r["ori"]), escape(r["name"]), _n(r["records"]), _n(r["changed"]), how)
    console.print(table)


def _agencies_n(n: int) -> str:
    return f"{n:,} agenc{'y' if n == 1 else 'ies'}"


def _oris(oris: tuple[str, ...]) -> str:
    shown = escape(", ".join(oris[:ORIS_SHOWN]))
    return shown + (f" and {len(oris) - ORIS_SHOWN:,} more" if len(oris) > ORIS_SHOWN else "")


def _conditions(conditions: dict[str, list[str]]) -> str:
    shown = "; ".join(f"{name} {' | '.join(values)}" for name, values in conditions.items())
    return escape(shown) or "any context"


def _region(n: int, region: Region) -> None:
    console.print(
        f"{n}. {_arrow(f'{region.before.value}->{region.after.value}')}  "
        f"{escape(' '.join(region.mkes))}  [dim]({escape(', '.join(region.data))} data)[/]"
    )
    console.print(f"   when: {_conditions(region.conditions)}", soft_wrap=True)
    who = escape("; ".join(c["label"] for c in region.classes))
    console.print(
        f"   who: {who}: {_agencies_n(len(region.oris))} ({_oris(region.oris)})", soft_wrap=True
    )
    e = region.example
    facts = " ".join(f"{k}={str(v).lower()}" for k, v in e.context.items() if isinstance(v, bool))
    decided = " → ".join(
        f"[{STYLE[s.outcome]}]{s.outcome}[/] ({escape(', '.join(s.policies))})" for s in e.decisions
    )
    console.print(f"   e.g. [cyan]{escape(e.message)}[/] [dim]{facts}[/]", soft_wrap=True)
    console.print(f"        decided {decided}", soft_wrap=True)


def show_diff(found: Diff, old: str, new: str) -> None:
    where = f"{found.state}: " if found.state else ""
    console.print(
        f"{where}{escape(old)} → {escape(new)}: "
        f"[{VERDICT_STYLE[found.verdict]}]{found.verdict.value.upper()}[/]"
    )
    how = "exact" if found.exact else "[red]not exact[/]"
    console.print(
        f"[dim]{how}: {_n(found.points)} requests decided by both sets ({found.classes} classes "
        f"of {_n(found.agencies)} agencies × message keys × context)[/]"
    )
    for note in (*found.inexact, *found.unreachable):
        console.print(f"[yellow]note[/]: {escape(note)}", soft_wrap=True)
    if found.verdict is not Verdict.EQUIVALENT:
        console.print(
            "by message key: " + ", ".join(f"{mke} {v.value}" for mke, v in found.by_mke.items())
        )
    for n, region in enumerate(found.regions, 1):
        _region(n, region)


def show_coverage(found: Coverage, label: str) -> None:
    how = "exact" if found.exact else "[red]not exact[/]"
    named = label if found.digest[:12] in label else f"{label} (set {found.digest[:12]})"
    console.print(
        f"who can obtain [bold]{found.state}[/] data under {escape(named)} "
        f"({escape(found.who)}) [dim]{how}[/]"
    )
    for note in (*found.inexact, *found.unreachable):
        console.print(f"[yellow]note[/]: {escape(note)}", soft_wrap=True)
    for cls in found.classes:
        console.print(
            f"\n[bold]{escape(cls.agency_class['label'])}[/]: {_agencies_n(len(cls.oris))} "
            f"({_oris(cls.oris)})",
            soft_wrap=True,
        )
        if not cls.paths:
            console.print("  [green]no path[/]: nothing is released to them")
        for path in cls.paths:
            console.print(
                f"  [{STYLE[path.after.value]}]{path.after.value:6}[/] "
                f"{escape(', '.join(path.data))} ({escape(' '.join(path.mkes))}) when "
                f"{_conditions(path.conditions)}",
                soft_wrap=True,
            )
