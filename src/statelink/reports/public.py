"""The public report: aggregates only, fit to publish, and true in every number it prints.

Six tables: requests by who asked, by purpose, by decision and by message type (each
totals every request), and the immigration agencies' requests by component and by
decision (each totals the "immigration agencies" row of the first). No table names a
local agency or a person.

Suppression (:mod:`statelink.reports.suppression`): a count from 1 to 9 is *suppressed*,
and so is every other count (a row, a total) that would let a reader work one of those
out from the published numbers: from a table's total, from the grand total every table
shares, from the immigration agencies' row that their two tables split, from the decision
counts that hold the immigration agencies' decisions, and from the signed checkpoint's
size (the log's records, at least the requests). A suppressed count is printed as the
word ``suppressed`` (``null`` and ``"suppressed": true`` in JSON, an empty count and
``suppressed`` in CSV), never as a bound, and is never 0: zeros are printed, except in a
report of a handful of requests whose number the checkpoint's size gives away, where every
count is suppressed (``withheld``). Rows come in a fixed order (the known categories, even
at 0, then the others by name), never by size.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import TypedDict

from statelink.messages.fields import PURPOSES
from statelink.reports.anchor import statement
from statelink.reports.model import AnchorJson, Report
from statelink.reports.suppression import THRESHOLD, Kind, Network, suppress
from statelink.spreadsheet import Writer
from statelink.states import STATES

SUPPRESSED = "suppressed"
IMMIGRATION = "immigration agencies"
WHO = ("in-state agencies", "out-of-state agencies", IMMIGRATION, "other federal agencies")
DECISIONS = {
    "permit": "released or searched",
    "deny": "refused",
    "hold": "held",
    "none": "no decision (rejected or unavailable)",
}
RULE = (
    f"Counts from 1 to {THRESHOLD - 1} are suppressed, and so is any other count that would "
    "let one of them be worked out from the published numbers"
)
NOTE = f"{RULE}; a suppressed count is never 0. Zeros and every other count are shown as they are."
WITHHELD = (
    f"{RULE}. This report covers too few requests for any count to be shown (the signed "
    "checkpoint's size would give small ones away): every count, 0 too, is suppressed."
)

Rows = list[tuple[str, int]]  # key, count


@dataclass(frozen=True)
class Cell:
    """One printed count: a table's row or its total (a suppressed count does not keep its
    value, so nothing made from a table can print it)."""

    label: str
    requests: int | None  # None: suppressed

    @property
    def suppressed(self) -> bool:
        return self.requests is None

    @property
    def shown(self) -> str:
        return SUPPRESSED if self.requests is None else f"{self.requests:,}"


@dataclass(frozen=True)
class Table:
    title: str
    cells: tuple[Cell, ...]
    whole: Cell  # the total

    @property
    def rows(self) -> list[tuple[str, str]]:
        """Each row's label and what is printed for it."""
        return [(c.label, c.shown) for c in self.cells]

    @property
    def total(self) -> str:
        return self.whole.shown


@dataclass(frozen=True)
class _Draft:
    """A table before suppression: its rows' labels and edges, and its total's edge."""

    title: str
    rows: list[tuple[str, int]]
    total: int


class _Loop:
    """Tables that split the same total, one after another round one loop of the network
    (:mod:`statelink.reports.suppression`): the total's edge, then each table's rows in
    parallel, and back to the start."""

    def __init__(self, network: Network, name: str, total: int) -> None:
        self.network, self.name, self.value = network, name, total
        self.start = f"{name}.start"
        self.at = f"{name}.0"
        self.steps = 0
        self.total = network.add(self.start, self.at, total)

    def next(self) -> str:
        self.steps += 1
        return f"{self.name}.{self.steps}"

    def table(self, rows: Rows) -> Split:
        """A table on this loop if its rows sum to the loop's total, else on its own."""
        if sum(n for _, n in rows) != self.value:
            alone = _Loop(self.network, f"{self.name}.{self.next()}", sum(n for _, n in rows))
            split = alone.table(rows)
            alone.close()
            return split
        onto = self.next()
        edges = self.network.parallel(self.at, onto, (n for _, n in rows))
        self.at = onto
        return edges, self.total

    def close(self, size: int | None = None) -> None:
        """Back to the start: the signed checkpoint's size (records, at least the requests;
        the others unknown), or nothing more when there is none."""
        if size is None or size < self.value:
            self.network.add(self.at, self.start, self.value, Kind.UNKNOWN)
            return
        self.network.add(self.at, self.start, size, Kind.FIXED)
        self.network.add(self.start, self.at, size - self.value, Kind.UNKNOWN)


Split = tuple[list[int], int]  # the edges of a table's rows and of its total


def tables(report: Report) -> list[Table]:
    """The public tables of a state's report, suppressed."""
    return _suppressed(report)[0]


@dataclass(frozen=True)
class Published:
    """What the public report of a state's report prints (the dashboard's page shows it):
    its tables, suppressed, and whether every count is (``withheld``)."""

    tables: list[Table]
    withheld: bool

    @property
    def note(self) -> str:
        return note(self.withheld)

    @property
    def counts(self) -> int:
        """How many counts the report prints (rows and totals)."""
        return sum(len(t.cells) + 1 for t in self.tables)

    @property
    def hidden(self) -> list[tuple[str, list[str]]]:
        """Each table with suppressed counts, in order: its title and their rows' labels
        (``total`` for its total)."""
        found = [
            (t.title, [c.label for c in (*t.cells, t.whole) if c.suppressed]) for t in self.tables
        ]
        return [(title, labels) for title, labels in found if labels]


def published(report: Report) -> Published:
    return Published(*_suppressed(report))


def _suppressed(report: Report) -> tuple[list[Table], bool]:
    """The public tables, and whether every count is suppressed, zeros too."""
    network, drafts = _layout(report)
    made = suppress(network)
    edges = network.edges

    def cell(label: str, edge: int) -> Cell:
        return Cell(label, None if edge in made.hidden else edges[edge].value)

    return [
        Table(d.title, tuple(cell(label, e) for label, e in d.rows), cell("total", d.total))
        for d in drafts
    ], made.floor == 0


def note(withheld: bool) -> str:
    """The suppression rule, in words, for a report."""
    return WITHHELD if withheld else NOTE


def _layout(report: Report) -> tuple[Network, list[_Draft]]:
    """The tables' rows and totals as the edges of one network."""
    b = report["breakdowns"]
    who = _rows(((r["key"], r["n"]) for r in b["requester_class"]), WHO)
    purpose = _rows(((r["key"], r["n"]) for r in b["purpose"]), tuple(PURPOSES))
    decision = _rows(((r["key"], r["n"]) for r in b["decision"]), tuple(DECISIONS))
    mke = _rows(((r["key"], r["n"]) for r in b["mke"]), ())
    component = _rows(((r["component"], r["n"]) for r in report["immigration"]), ())
    imm = _rows(((r["decision"], r["n"]) for r in report["immigration"]), tuple(DECISIONS))
    network = Network()
    grand = _Loop(network, "requests", int(report["totals"]["requests"]))
    purposes, types = grand.table(purpose), grand.table(mke)
    crossed = _crossed(grand, who, decision, component, imm)
    if crossed is None:  # not one report's numbers (a hand-made one): no table crossed
        alone = _Loop(network, "immigration", sum(n for _, n in imm))
        crossed = (
            grand.table(who),
            grand.table(decision),
            alone.table(component),
            alone.table(imm),
        )
        alone.close()
    anchor: AnchorJson | None = report["anchor"]
    grand.close(anchor["size"] if anchor is not None else None)
    asked, decided, components, imm_decided = crossed
    decisions = [(DECISIONS.get(key, key), n) for key, n in decision]
    return network, [
        _draft("Requests by who asked", who, asked),
        _draft(
            "Requests by purpose", [(PURPOSES.get(k, k or "none"), n) for k, n in purpose], purposes
        ),
        _draft("Requests by decision", decisions, decided),
        _draft("Requests by message type", mke, types),
        _draft("Requests from immigration agencies, by component", component, components),
        _draft(
            "Requests from immigration agencies, by decision",
            [(DECISIONS.get(key, key), n) for key, n in imm],
            imm_decided,
        ),
    ]


def _draft(title: str, rows: Rows, split: Split) -> _Draft:
    edges, total = split
    return _Draft(title, [(label, e) for (label, _), e in zip(rows, edges, strict=True)], total)


def _crossed(
    grand: _Loop, who: Rows, decision: Rows, component: Rows, imm: Rows
) -> tuple[Split, Split, Split, Split] | None:
    """Who asked and the decisions, crossed on the grand loop, with the immigration
    agencies' components and decisions: a decision's count is the immigration agencies'
    plus everyone else's (not printed). None if the numbers are not one report's."""
    theirs, decided = dict(imm), dict(decision)
    total = dict(who)[IMMIGRATION]
    if (
        sum(n for _, n in who) != grand.value
        or sum(decided.values()) != grand.value
        or sum(n for _, n in component) != total
        or sum(theirs.values()) != total
        or any(n > decided.get(key, 0) for key, n in imm)
    ):
        return None
    network, at, end = grand.network, grand.at, grand.next()
    rest, asked, answered = f"{end}.others", f"{end}.immigration", f"{end}.answered"
    who_edges = [network.add(at, asked if key == IMMIGRATION else rest, n) for key, n in who]
    total_edge = who_edges[WHO.index(IMMIGRATION)]
    components = network.parallel(asked, answered, (n for _, n in component))
    imm_edges = [network.add(answered, f"{end}.decision:{key}", n) for key, n in imm]
    for key, n in decision:
        network.add(rest, f"{end}.decision:{key}", n - theirs.get(key, 0), Kind.UNKNOWN)
    decided_edges = [network.add(f"{end}.decision:{key}", end, n) for key, n in decision]
    grand.at = end
    return (
        (who_edges, grand.total),
        (decided_edges, grand.total),
        (components, total_edge),
        (imm_edges, total_edge),
    )


def _rows(counts: Iterable[tuple[str, int]], known: Sequence[str]) -> Rows:
    """Rows in an order that does not depend on the counts: the known keys first (0 when
    absent), then the others by key."""
    found: dict[str, int] = {}
    for key, n in counts:
        found[key] = found.get(key, 0) + int(n)
    others = sorted(key for key in found if key not in known)
    return [(key, found.get(key, 0)) for key in (*known, *others)]


class CountJson(TypedDict):
    row: str  # the row's label, or "total"
    requests: int | None  # None: suppressed
    suppressed: bool


class TableJson(TypedDict):
    table: str
    rows: list[CountJson]
    total: CountJson


class PublicJson(TypedDict):
    """The public report as JSON."""

    state: str
    since: str | None
    until: str | None
    anchor: AnchorJson | None
    note: str  # the suppression rule, in words
    withheld: bool  # every count suppressed, zeros too (too few requests to publish)
    tables: list[TableJson]


def _count_json(cell: Cell) -> CountJson:
    return {"row": cell.label, "requests": cell.requests, "suppressed": cell.suppressed}


def to_json(report: Report) -> PublicJson:
    """Each table's rows and total; a suppressed count is ``null`` with ``suppressed``."""
    made, withheld = _suppressed(report)
    return {
        "state": report["state"],
        "since": report["since"],
        "until": report["until"],
        "anchor": report["anchor"],
        "note": note(withheld),
        "withheld": withheld,
        "tables": [
            {
                "table": t.title,
                "rows": [_count_json(c) for c in t.cells],
                "total": _count_json(t.whole),
            }
            for t in made
        ],
    }


def to_csv(report: Report) -> str:
    """One row per count: the count as a number (empty if suppressed) and its status
    (``shown`` or ``suppressed``); text cells are neutralised for spreadsheets."""
    out = io.StringIO()
    writer = Writer(out)
    writer.writerow(("state", "since", "until", "table", "row", "requests", "status"))
    period = (report["state"], report["since"] or "", report["until"] or "")
    for t in tables(report):
        for c in (*t.cells, t.whole):
            status = SUPPRESSED if c.suppressed else "shown"
            writer.writerow((*period, t.title, c.label, c.requests, status))
    anchor = report["anchor"]
    if anchor is not None:  # the signed checkpoint the numbers cover (size: its records)
        witnesses = len(anchor["witnessed_by"])
        label = f"{anchor['origin']} root {anchor['root']} witnesses {witnesses}"
        writer.writerow((*period, "Signed checkpoint covered", label, anchor["size"], "shown"))
    return out.getvalue()


def _html_cell(cell: Cell) -> str:
    if cell.suppressed:
        return f"<td class='suppressed'>{SUPPRESSED}</td>"
    return f"<td>{escape(cell.shown)}</td>"


def span(report: Report) -> tuple[str, str]:
    """The first and last day a report covers (its period, else its first and last request)."""
    first = (report["since"] or report["totals"]["first"] or "")[:10]
    return first, (report["until"] or report["totals"]["last"] or "")[:10]


def to_html(report: Report) -> str:
    """One static page: no scripts, no external files."""
    state = STATES[report["state"]].name
    first, last = span(report)
    made, withheld = _suppressed(report)
    sections = []
    for t in made:
        rows = "".join(
            f"<tr><th scope='row'>{escape(c.label)}</th>{_html_cell(c)}</tr>" for c in t.cells
        )
        sections.append(
            f"<section><h2>{escape(t.title)}</h2><table><tbody>{rows}</tbody>"
            f"<tfoot><tr><th scope='row'>Total</th>{_html_cell(t.whole)}</tr></tfoot>"
            f"</table></section>"
        )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(state)}: who requested driver and vehicle records</title>
<style>
body {{ font: 15px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto;
       padding: 0 1rem; color: #1b1f24; }}
table {{ border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }}
th, td {{ text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #d8dde3; }}
td {{ text-align: right; font-variant-numeric: tabular-nums; }}
td.suppressed {{ color: #5b6570; font-style: italic; }}
tfoot th, tfoot td {{ font-weight: 700; }}
.note {{ color: #5b6570; }}
</style></head><body>
<h1>{escape(state)}: who requested driver and vehicle records</h1>
<p>Requests from other states' and federal agencies for {escape(state)}'s driver and vehicle records
through the interstate switch, {escape(first)} to {escape(last)}.</p>
<p class="note">{escape(note(withheld))} Source: the state's audit log.</p>
<p class="note">{escape(statement(report["anchor"], report["state"]))}</p>
{"".join(sections)}
</body></html>
"""


def to_pdf(report: Report) -> bytes:
    """What :func:`to_html` says, as a PDF to print or publish (:mod:`statelink.reports.pdf`)."""
    from statelink.reports import pdf

    state = STATES[report["state"]].name
    first, last = span(report)
    made, withheld = _suppressed(report)
    title = f"{state}: who requested driver and vehicle records"
    blocks: list[pdf.Block] = [
        pdf.Text(title, 16, pdf.Face.BOLD),
        pdf.Text(
            f"Requests from other states' and federal agencies for {state}'s driver and vehicle "
            f"records through the interstate switch, {first} to {last}.",
            before=6,
        ),
        pdf.Text(f"{note(withheld)} Source: the state's audit log.", 9, gray=True, before=6),
        pdf.Text(statement(report["anchor"], report["state"]), 9, gray=True, before=4),
    ]
    for t in made:
        blocks.append(pdf.Text(t.title, 12, pdf.Face.BOLD, before=14, keep=True))
        blocks += [pdf.Row(c.label, c.shown, quiet=c.suppressed) for c in t.cells]
        blocks.append(pdf.Row("Total", t.whole.shown, bold=True, quiet=t.whole.suppressed))
    return pdf.document(blocks, title=title, footer=f"{state}, {first} to {last}")
