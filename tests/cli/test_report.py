"""``statelink report`` and ``access-report`` on a nation with a year of traffic."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import subprocess
import sys
from collections.abc import Callable

import duckdb

from statelink.nation import Layout
from statelink.reports.table import AuditTable, quoted
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
    assert "<script" not in page
    rows = list(
        csv.DictReader(
            io.StringIO(run("report", "--state", "WA", "--public", "--format", "csv", *data).out)
        )
    )
    for row in rows:
        assert row["status"] in ("shown", "suppressed")
        if row["status"] == "suppressed":
            assert row["requests"] == ""
        else:
            assert int(row["requests"]) == 0 or int(row["requests"]) >= 10
    assert "<10" not in page  # a suppressed count is marked, never bounded
    shown = json.loads(run("report", "--state", "WA", "--public", "--json", *data).out)
    for table in shown["tables"]:
        for row in table["rows"]:
            assert (row["requests"] is None) == bool(row.get("suppressed")), row
    assert {t["table"] for t in shown["tables"]} >= {
        "Requests by who asked",
        "Requests by decision",
    }
    assert shown["anchor"]["size"] > 0
    assert "Covers the WA audit log up to record" in page


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
    assert json.loads(
        run("access-report", "--state", "WA", "--licence", "NOSUCH1", "--json", *data).out
    ) == {"state": "WA", "anchor": _checkpoint(run, data), "accesses": []}


def _checkpoint(run: Invoke, data: tuple[str, str]) -> dict[str, object]:
    """The anchor a report should state: `statelink audit checkpoint`'s size and root."""
    signed = json.loads(run("audit", "checkpoint", "--state", "WA", "--json", *data).out)
    return {
        "origin": "statelink.example/audit/WA",
        "size": signed["size"],
        "root": signed["root"],
        "witnessed_by": [],
    }


def test_a_report_states_the_signed_checkpoint_it_covers(run: Invoke, year: Layout) -> None:
    data = ("--data", str(year.root))
    expected = _checkpoint(run, data)
    made = json.loads(run("report", "--state", "WA", "--json", *data).out)
    assert made["anchor"] == expected
    size, root = expected["size"], str(expected["root"])
    text = run("report", "--state", "WA", *data).out
    assert f"up to record {int(str(size)) - 1:,} " in text
    assert root[:16] in text
    assert "not witnessed" in text
    html = run("report", "--state", "WA", "--format", "html", *data).out
    assert root[:16] in html
    rows = list(
        csv.DictReader(io.StringIO(run("report", "--state", "WA", "--format", "csv", *data).out))
    )
    assert {r["key"]: r["detail"] for r in rows if r["section"] == "anchor"}["root"] == root


def test_an_edited_copy_is_refused_until_rebuilt(run: Invoke, year: Layout) -> None:
    data = ("--data", str(year.root))
    assert run("report", "--state", "WA", "--json", *data).code == 0
    table = AuditTable(year.analytics("WA"))
    (_, last, path), *_ = table.parts()
    seq = last // 2
    staged = path.with_name("edited.parquet")
    try:
        with duckdb.connect() as con:
            con.execute(
                f"COPY (SELECT * REPLACE (CASE WHEN seq = {seq} THEN 'ICE' ELSE component END "
                f"AS component) FROM read_parquet({quoted(path)}) ORDER BY seq) "
                f"TO {quoted(staged)} (FORMAT parquet)"
            )
        staged.replace(path)
        for command in (("report",), ("report", "--public"), ("access-report", "--licence", "X")):
            refused = run(*command, "--state", "WA", *data)
            assert refused.code == 1, command
            assert f"does not match the audit log at record {seq} " in refused.err, command
    finally:
        rebuilt = run("report", "--state", "WA", "--rebuild", "--json", *data)
    assert rebuilt.code == 0
    assert json.loads(rebuilt.out)["anchor"] == _checkpoint(run, data)


def test_html_is_not_dumped_into_a_terminal(year: Layout) -> None:
    """On a terminal, --format html without --out asks for a file; redirected, it writes."""
    words = [sys.executable, "-m", "statelink", "report", "--state", "WA", "--format", "html"]
    words += ["--data", str(year.root)]
    main, child = pty.openpty()
    try:
        done = subprocess.run(words, stdout=child, stderr=subprocess.PIPE, timeout=120)
    finally:
        os.close(child)
        os.close(main)
    assert done.returncode == 2
    assert done.stderr.decode().strip() == (
        "error: HTML is for a browser, not the terminal: add --out FILE "
        "(or redirect: > report.html)"
    )
    piped = subprocess.run(words, capture_output=True, timeout=120)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.lstrip().lower().startswith(b"<!doctype html>")
