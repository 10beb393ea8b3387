"""A state's full report as one static HTML page (for officials, not for publishing),
and as CSV rows: one per number, named by section and key."""

from __future__ import annotations

import io
from collections.abc import Sequence
from html import escape
from typing import Any

from statelink.reports import charts
from statelink.reports.anchor import statement
from statelink.reports.model import Breakdowns, Count, PolicyCount, PurposeCount, Report
from statelink.spreadsheet import Writer
from statelink.states import STATES


def _no_link(_filters: dict[str, str]) -> str:
    return "#"


def _sections(b: Breakdowns) -> list[tuple[str, Sequence[Count | PolicyCount]]]:
    """Each breakdown by name, in the report's order."""
    return [
        ("decision", b["decision"]),
        ("status", b["status"]),
        ("mke", b["mke"]),
        ("purpose", b["purpose"]),
        ("kind", b["kind"]),
        ("department", b["department"]),
        ("component", b["component"]),
        ("requester_class", b["requester_class"]),
        ("group", b["group"]),
        ("policy", b["policy"]),
    ]


def to_csv(report: Report) -> str:
    """One row per number; text cells are neutralised for spreadsheets (counts stay numbers)."""
    out = io.StringIO()
    writer = Writer(out)
    writer.writerow(("state", "section", "key", "detail", "requests", "records_released"))
    state = report["state"]
    for key, value in report["totals"].items():
        writer.writerow((state, "totals", key, "", value, ""))
    for section, rows in _sections(report["breakdowns"]):
        for r in rows:
            writer.writerow(
                (state, section, r["key"], r.get("decision", ""), r["n"], r.get("released", ""))
            )
    for i in report["immigration"]:
        writer.writerow(
            (state, "immigration", i["component"], i["decision"], i["n"], i["released"])
        )
    for t in report["top_requesters"]:
        writer.writerow((state, "top_requesters", t["ori"], t["name"], t["n"], t["released"]))
    for w in report["weekly"]:
        writer.writerow((state, "weekly", w["week"], "", w["n"], w["released"]))
    for v in report["review"]:
        writer.writerow((state, "review", v["key"], "", v["n"], v["released"]))
    anchor = report["anchor"]
    if anchor is not None:  # the signed checkpoint the numbers cover
        writer.writerow((state, "anchor", "size", anchor["origin"], anchor["size"], ""))
        writer.writerow((state, "anchor", "root", anchor["root"], "", ""))
        witnesses = ";".join(anchor["witnessed_by"])
        writer.writerow((state, "anchor", "witnessed_by", witnesses, "", ""))
    return out.getvalue()


def _table(headers: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _purpose(row: PurposeCount) -> str:
    return f"{row['key']} {row['label']}"


def to_html(report: Report) -> str:
    t = report["totals"]
    b = report["breakdowns"]
    name = STATES[report["state"]].name
    period = f"{(t['first'] or '')[:10]} to {(t['last'] or '')[:10]}"
    policies = _table(
        ("policy", "decision", "requests", "reason", "law"),
        [(r["key"], r["decision"], r["n"], r["reason"], r["law"]) for r in b["policy"]],
    )
    top = _table(
        ("ORI", "agency", "component", "requests", "records released", "refused or held"),
        [
            (r["ori"], r["name"], r["component"], r["n"], r["released"], r["refused_or_held"])
            for r in report["top_requesters"]
        ],
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(name)}: audit report</title>
<style>
body {{ font: 14px/1.45 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #1b1f24; }}
table {{ border-collapse: collapse; width: 100%; margin: .5rem 0 1.5rem; }}
th, td {{ text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #d8dde3; }}
{charts.STYLE}
</style></head><body>
<h1>{escape(name)}: who read residents' data</h1>
<p>{escape(period)}: {t["requests"]:,} requests from {t["requesters"]:,} agencies;
{t["records_released"]:,} records released; {t["refused"]:,} refused, {t["held"]:,} held;
{t["immigration_requests"]:,} from immigration agencies.</p>
<p class="anchor">{escape(statement(report["anchor"], report["state"]))}</p>
<h2>Where the data goes</h2>{charts.flow(charts.paths(report["flow"]), _no_link)}
<h2>Requests per week</h2>{charts.trend(report["weekly"], _no_link)}
<h2>Who asked</h2>{charts.bars(b["requester_class"], _no_link)}
<h2>Why</h2>{charts.bars(b["purpose"], _no_link, label=_purpose)}
<h2>Deciding policies</h2>{policies}
<h2>Top requesters</h2>{top}
</body></html>
"""
