"""``statelink report`` and ``access-report`` on a nation with a year of traffic."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

from statelink.nation import Layout
from tests.conftest import Run

Invoke = Callable[..., Run]


def test_report_formats(run: Invoke, year: Layout) -> None:
    data = ("--data", str(year.root))
    made = json.loads(run("report", "--state", "WA", "--format", "json", *data).out)
    assert made["state"] == "WA"
    assert made["totals"]["requests"] > 0
    assert json.loads(run("report", "--state", "wa", "--json", *data).out) == made
    table = run("report", "--state", "WA", *data)
    assert f"{made['totals']['requests']:,} requests" in table.out
    assert "no-civil-immigration" in table.out
    rows = list(
        csv.DictReader(io.StringIO(run("report", "--state", "WA", "--format", "csv", *data).out))
    )
    totals = {r["key"]: r["requests"] for r in rows if r["section"] == "totals"}
    assert int(totals["requests"]) == made["totals"]["requests"]
    html = run("report", "--state", "WA", "--format", "html", *data).out
    assert html.startswith("<!doctype html>")
    assert "<script" not in html
    assert 'class="chart flow"' in html
    every = json.loads(run("report", "--state", "WA", "--top", "0", "--json", *data).out)
    assert len(every["top_requesters"]) == every["totals"]["requesters"]
    assert sum(r["n"] for r in every["top_requesters"]) == made["totals"]["requests"]


def test_public_report_and_its_files(run: Invoke, year: Layout, tmp_path: object) -> None:
    data = ("--data", str(year.root))
    out = f"{tmp_path}/wa.html"
    assert (
        run("report", "--state", "WA", "--public", "--format", "html", "--out", out, *data).code
        == 0
    )
    with open(out, encoding="utf-8") as f:
        page = f.read()
    assert "&lt;10" in page or "<10" not in page
    assert "<script" not in page
    rows = list(
        csv.DictReader(
            io.StringIO(run("report", "--state", "WA", "--public", "--format", "csv", *data).out)
        )
    )
    for row in rows:
        assert row["requests"] == "<10" or row["requests"] == "0" or int(row["requests"]) >= 10
    shown = json.loads(run("report", "--state", "WA", "--public", "--json", *data).out)
    assert {t["table"] for t in shown} >= {"Requests by who asked", "Requests by decision"}


def test_bad_report_input(run: Invoke, year: Layout) -> None:
    data = ("--data", str(year.root))
    fmt = run("report", "--state", "WA", "--format", "pdf", *data)
    assert fmt.code == 2
    assert "expected one of table, json, csv, html" in fmt.err
    order = run("report", "--state", "WA", "--since", "2026-05-01", "--until", "2026-04-01", *data)
    assert order.code == 2
    assert "must come after" in order.err
    assert run("report", "--state", "ZZ", *data).code == 2


def test_access_report(run: Invoke, year: Layout) -> None:
    data = ("--data", str(year.root))
    nobody = run("access-report", "--state", "WA", "--licence", "NOSUCH1", *data)
    assert "records no access" in nobody.out
    assert (
        json.loads(
            run("access-report", "--state", "WA", "--licence", "NOSUCH1", "--json", *data).out
        )
        == []
    )
