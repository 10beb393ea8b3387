"""``statelink directory``, ``statelink records`` and ``statelink accounts``: filters,
JSON, import checks; the account changes that end dashboard sessions."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from statelink.accounts import Accounts
from statelink.nation import Layout
from statelink.sessions import SessionStore
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
        answered = example["expect"] in ("HIT", "NO_HIT")  # else exit 1: refused or held
        assert answer.code == (0 if answered else 1), (example, answer.err)
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


OLD = "correct horse battery"
NEW = "a new password, long"


@pytest.mark.parametrize(
    ("args", "code", "says", "ended", "password"),
    [
        (["passwd", "r.lee", "--password-file", "new"], 0, "password changed", True, NEW),
        (["passwd", "R.Lee", "--password-file", "new"], 0, "account r.lee:", True, NEW),
        (["passwd", "nobody", "--password-file", "new"], 1, "no account 'nobody'", False, OLD),
        (["passwd", "r.lee", "--password-file", "short"], 2, "at least 10 char", False, OLD),
        (["passwd", "r.lee", "--password-file", "missing"], 2, "cannot read", False, OLD),
        (["passwd", "r.lee"], 2, "--password-file", False, OLD),  # no terminal to ask on
        (["remove", "r.lee"], 0, "sessions ended", True, None),
        (["remove", "nobody"], 1, "no account 'nobody'", False, OLD),
        (["add", "r.lee", "--state", "OR", "--password-file", "new"], 0, "r.lee", True, NEW),
        (["add", "a.new", "--state", "OR", "--password-file", "new"], 0, "a.new", False, OLD),
    ],
    ids=[
        "passwd",
        "passwd as typed",
        "passwd unknown",
        "passwd too short",
        "passwd no file",
        "passwd no terminal",
        "remove",
        "remove unknown",
        "add replaces",
        "add new",
    ],
)
def test_accounts_commands_that_end_dashboard_sessions(
    run: Invoke,
    tmp_path: Path,
    args: list[str],
    code: int,
    says: str,
    ended: bool,
    password: str | None,
) -> None:
    where = Layout(tmp_path / "data")
    accounts = Accounts(where.accounts)
    for name in ("r.lee", "a.kim"):
        accounts.add(name, "reviewer", ["WA"], OLD)
    (tmp_path / "new").write_text(NEW + "\n")
    (tmp_path / "short").write_text("short\n")
    with SessionStore.open(where.sessions) as dashboard:  # as a running dashboard holds it
        lee, kim = dashboard.start("r.lee"), dashboard.start("a.kim")
        files = [str(tmp_path / a) if a in ("new", "short", "missing") else a for a in args]
        done = run("accounts", *files, "--data", str(where.root))
        assert done.code == code, done.err
        assert says in (done.out if code == 0 else done.err)
        assert (dashboard.find(lee) is None) is ended
        assert dashboard.find(kim) is not None  # another account's sessions stay
    signs_in = [p for p in (OLD, NEW) if accounts.verify("r.lee", p) is not None]
    assert signs_in == ([password] if password else [])
