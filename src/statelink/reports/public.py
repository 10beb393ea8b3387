"""The public report: aggregates only, with small counts suppressed, fit to publish.

A count from 1 to 9 shows as ``<10``. Where a table shows its total and only one of its
cells is suppressed, the total minus the others would give that cell away, so the
smallest other non-zero cell is suppressed too; where the total itself is under 10,
every cell is. Zero stays zero. No table names a local agency or a person.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from html import escape

from statelink.messages.fields import PURPOSES
from statelink.reports.anchor import statement
from statelink.reports.model import Report
from statelink.spreadsheet import Writer
from statelink.states import STATES

THRESHOLD = 10
HIDDEN = "<10"


@dataclass(frozen=True)
class Table:
    title: str
    rows: list[tuple[str, str]]  # label, shown count
    total: str


def suppress(counts: list[tuple[str, int]]) -> Table:
    """Primary and secondary suppression of one table's cells (title left empty)."""
    total = sum(n for _, n in counts)
    if 0 < total < THRESHOLD:
        return Table("", [(label, HIDDEN if n else "0") for label, n in counts], HIDDEN)
    hidden = {i for i, (_, n) in enumerate(counts) if 0 < n < THRESHOLD}
    if len(hidden) == 1:
        others = [(n, i) for i, (_, n) in enumerate(counts) if n > 0 and i not in hidden]
        if others:
            hidden.add(min(others)[1])
    rows = [(label, HIDDEN if i in hidden else f"{n:,}") for i, (label, n) in enumerate(counts)]
    return Table("", rows, f"{total:,}")


def tables(report: Report) -> list[Table]:
    """The public tables of a state's report."""
    b = report["breakdowns"]

    def table(title: str, counts: list[tuple[str, int]]) -> Table:
        made = suppress(counts)
        return Table(title, made.rows, made.total)

    decision_names = {"permit": "released or searched", "deny": "refused", "hold": "held"}
    made = [
        table(
            "Requests by who asked",
            [(r["key"], int(r["n"])) for r in b["requester_class"]],
        ),
        table(
            "Requests by purpose",
            [(PURPOSES.get(r["key"], r["key"] or "none"), int(r["n"])) for r in b["purpose"]],
        ),
        table(
            "Requests by decision",
            [(decision_names.get(r["key"], r["key"]), int(r["n"])) for r in b["decision"]],
        ),
        table("Requests by message type", [(r["key"], int(r["n"])) for r in b["mke"]]),
        table(
            "Requests from federal components",
            [(r["key"], int(r["n"])) for r in b["component"] if r["key"] != "state and local"],
        ),
    ]
    immigration: dict[str, int] = {}
    for r in report["immigration"]:
        name = decision_names.get(r["decision"], r["decision"])
        immigration[name] = immigration.get(name, 0) + int(r["n"])
    made.append(table("Requests from immigration agencies, by decision", list(immigration.items())))
    return made


def to_csv(report: Report) -> str:
    """One row per shown cell and total; text cells are neutralised for spreadsheets."""
    out = io.StringIO()
    writer = Writer(out)
    writer.writerow(("state", "since", "until", "table", "row", "requests"))
    period = (report["state"], report["since"] or "", report["until"] or "")
    for t in tables(report):
        for label, shown in t.rows:
            writer.writerow((*period, t.title, label, shown.replace(",", "")))
        writer.writerow((*period, t.title, "total", t.total.replace(",", "")))
    anchor = report["anchor"]
    if anchor is not None:  # the signed checkpoint the numbers cover (size: its records)
        witnesses = len(anchor["witnessed_by"])
        label = f"{anchor['origin']} root {anchor['root']} witnesses {witnesses}"
        writer.writerow((*period, "Signed checkpoint covered", label, anchor["size"]))
    return out.getvalue()


def to_html(report: Report) -> str:
    """One static page: no scripts, no external files."""
    state = STATES[report["state"]].name
    first = (report["since"] or report["totals"]["first"] or "")[:10]
    last = (report["until"] or report["totals"]["last"] or "")[:10]
    sections = []
    for t in tables(report):
        rows = "".join(
            f"<tr><th scope='row'>{escape(label)}</th><td>{escape(shown)}</td></tr>"
            for label, shown in t.rows
        )
        sections.append(
            f"<section><h2>{escape(t.title)}</h2><table><tbody>{rows}</tbody>"
            f"<tfoot><tr><th scope='row'>Total</th><td>{escape(t.total)}</td></tr></tfoot>"
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
tfoot th, tfoot td {{ font-weight: 700; }}
.note {{ color: #5b6570; }}
</style></head><body>
<h1>{escape(state)}: who requested driver and vehicle records</h1>
<p>Requests from other states' and federal agencies for {escape(state)}'s driver and vehicle records
through the interstate switch, {escape(first)} to {escape(last)}.</p>
<p class="note">Counts from 1 to 9 are shown as &lt;10, and where one such count could be
worked out from a total, another count is hidden too. Source: the state's audit log.</p>
<p class="note">{escape(statement(report["anchor"], report["state"]))}</p>
{"".join(sections)}
</body></html>
"""
