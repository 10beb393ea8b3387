"""``statelink directory`` and ``statelink records``: filters, JSON, import checks."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

from statelink.nation import Layout
from tests.conftest import Run, copy_nation

Invoke = Callable[..., Run]


def test_directory_list_filters_and_json(run: Invoke, layout: Layout) -> None:
    result = run(
        "directory",
        "list",
        "--component",
        "ice",
        "--json",
        "--limit",
        "500",
        "--data",
        str(layout.root),
    )
    agencies = json.loads(result.out)
    assert {a["component"] for a in agencies} == {"ICE"}
    assert any(a["ori"] == "VTICE0900" for a in agencies)
    wa = json.loads(
        run(
            "directory",
            "list",
            "--state",
            "WA",
            "--kind",
            "SO",
            "--json",
            "--data",
            str(layout.root),
        ).out
    )
    assert wa
    assert all(a["state"] == "WA" and a["kind"] == "SO" for a in wa)
    readable = run(
        "directory", "list", "--group", "immigration-enforcement", "--data", str(layout.root)
    )
    assert "AZICE0100" in readable.out
    assert "50 of 71 shown" in readable.out


def test_directory_show(run: Invoke, layout: Layout) -> None:
    result = run("directory", "show", "vtice0900", "--json", "--data", str(layout.root))
    assert json.loads(result.out)["name"] == "ICE Law Enforcement Support Center"
    readable = run("directory", "show", "WASPD0000", "--data", str(layout.root))
    assert "Seattle Police Department" in readable.out
    assert "PD (city or county police)" in readable.out
    missing = run("directory", "show", "WA0000001", "--data", str(layout.root))
    assert missing.code == 1
    assert "no agency with ORI" in missing.err


def test_directory_import_checks_every_row_before_changing_anything(
    run: Invoke, layout: Layout, tmp_path: Path
) -> None:
    own = copy_nation(layout, tmp_path / "nation")
    before = own.directory.read_text()
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "ori,name,state,kind,department,component,groups\n"
        "WA9990000,Task Force,WA,LE,,,task-force\n"
        "WA999,Broken,WA,LE,,,\n"
    )
    result = run("directory", "import", str(bad), "--data", str(own.root))
    assert result.code == 2
    assert result.err.strip().startswith(f"error: {bad}, line 3: ori: expected")
    assert own.directory.read_text() == before
    good = tmp_path / "good.csv"
    good.write_text(
        "ori,name,state,kind,department,component,groups\n"
        "WA9990000,Task Force,WA,LE,,,task-force\n"
        "WASPD0000,Seattle Police Department,WA,PD,,,local-law-enforcement;wa-local\n"
    )
    summary = json.loads(
        run("directory", "import", str(good), "--json", "--data", str(own.root)).out
    )
    assert (summary["added"], summary["updated"]) == (1, 1)
    shown = json.loads(run("directory", "show", "WASPD0000", "--json", "--data", str(own.root)).out)
    assert shown["groups"] == ["local-law-enforcement", "wa-local"]


def test_directory_export_is_contract_4_csv(run: Invoke, layout: Layout) -> None:
    out = run("directory", "export", "--data", str(layout.root)).out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["ori", "name", "state", "kind", "department", "component", "groups"]
    assert any(r["ori"] == "VTICE0900" and "immigration-enforcement" in r["groups"] for r in rows)


def test_records_list(run: Invoke, layout: Layout) -> None:
    drivers = json.loads(
        run(
            "records", "list", "--state", "wa", "--limit", "4", "--json", "--data", str(layout.root)
        ).out
    )
    assert len(drivers) == 4
    assert all(d["state"] == "WA" for d in drivers)
    vehicles = json.loads(
        run(
            "records",
            "list",
            "--state",
            "WA",
            "--kind",
            "vehicle",
            "--json",
            "--data",
            str(layout.root),
        ).out
    )
    assert len(vehicles) == 10
    assert all(len(v["vin"]) == 17 for v in vehicles)
    readable = run("records", "list", "--state", "WA", "--limit", "1", "--data", str(layout.root))
    assert drivers[0]["oln"] in readable.out
    bad = run("records", "list", "--state", "ZZ", "--data", str(layout.root))
    assert bad.code == 2
    assert "unknown state 'ZZ'" in bad.err
    assert (
        run("records", "list", "--state", "WA", "--kind", "boat", "--data", str(layout.root)).code
        == 2
    )


def test_demo_reuses_a_nation_and_prints_working_examples(run: Invoke, layout: Layout) -> None:
    result = run("demo", "--no-serve", "--json", "--data", str(layout.root))
    assert result.code == 0, result.err
    shown = json.loads(result.out)
    assert shown["built_now"] is False
    assert shown["totals"]["driver"] > 10_000
    for example in shown["examples"]:
        answer = run("query", example["message"], "--json", "--data", str(layout.root))
        assert answer.code == 0, (example, answer.err)
        assert example["expect"] in json.loads(answer.out)["summary"].values(), example
    mismatch = run("demo", "--no-serve", "--scale", "0.5", "--data", str(layout.root))
    assert mismatch.code == 2
    assert "--rebuild" in mismatch.err


def test_demo_builds_a_new_nation_with_a_progress_bar(run: Invoke, tmp_path: Path) -> None:
    result = run("demo", "--no-serve", "--scale", "0.000001", "--data", str(tmp_path))
    assert result.code == 0, result.err
    assert "51 states" in result.out
    assert "built in" in result.out
    assert "statelink query 'DQ.NY0303000.WA.OLN/WDL" in result.out
