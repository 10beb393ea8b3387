"""``statelink policy``, ``settings`` and ``certifications`` as a user runs them."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from statelink.embedded import EmbeddedNetwork
from statelink.messages import decode
from statelink.messages.response import Status
from statelink.nation import Layout
from tests.conftest import Run, copy_nation, records_of

Invoke = Callable[..., Run]
TYPE_ERROR = (
    '@id("serious-list")\nforbid (principal, action, resource)\n'
    'when { context.offense in ["0911", "1201"] };\n'
)


def test_templates_and_init_then_test_green(run: Invoke, tmp_path: Path) -> None:
    listed = json.loads(run("policy", "templates", "--json").out)
    assert {t["name"] for t in listed} == {"permissive", "ny", "il", "ma", "co", "wa"}
    out = tmp_path / "wa"
    assert run("policy", "init", "--state", "WA", "--template", "wa", "--out", str(out)).code == 0
    result = run("policy", "test", str(out), "--cases", str(out / "cases.yaml"), "--json")
    assert result.code == 0, result.err
    rows = json.loads(result.out)
    assert all(r["ok"] for r in rows)
    assert set(rows[0]) == {"name", "expect", "decision", "reasons", "ok"}
    again = run("policy", "init", "--state", "WA", "--template", "wa", "--out", str(out))
    assert again.code == 2
    assert "--force" in again.err


def test_a_failing_case_exits_1(run: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "wa"
    run("policy", "init", "--state", "WA", "--template", "wa", "--out", str(out))
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "- name: expecting too much\n  state: WA\n"
        "  message: DQ.WAICE0100.WA.OLN/X1.PUR/I.\n  expect: permit\n"
    )
    result = run("policy", "test", str(out), "--cases", str(cases))
    assert result.code == 1
    assert "FAIL" in result.out
    assert "0 of 1 cases pass" in result.out


def test_validate_names_the_file_and_policy(run: Invoke, tmp_path: Path) -> None:
    folder = tmp_path / "set"
    folder.mkdir()
    (folder / "base.cedar").write_text('@id("all")\npermit (principal, action, resource);\n')
    good = run("policy", "validate", str(folder), "--json")
    assert good.code == 0
    assert json.loads(good.out)["schema_version"] == "1"
    (folder / "serious.cedar").write_text(TYPE_ERROR)
    bad = run("policy", "validate", str(folder))
    assert bad.code == 1
    assert "serious.cedar, policy serious-list: unexpected type" in bad.out
    as_json = json.loads(run("policy", "validate", str(folder), "--json").out)
    assert as_json["valid"] is False
    assert as_json["problems"][0]["file"] == "serious.cedar"


def test_explain_gives_the_decision_and_what_would_change_it(run: Invoke, layout: Layout) -> None:
    result = run(
        "policy",
        "explain",
        "--state",
        "WA",
        "DQ.WAICE0100.WA.OLN/X1.PUR/I.",
        "--json",
        "--data",
        str(layout.root),
    )
    assert result.code == 0, result.err
    explained = json.loads(result.out)
    assert explained["decision"] == "deny"
    assert {p["id"] for p in explained["policies"]} == {
        "no-civil-immigration",
        "no-civil-immigration-purpose",
    }
    assert {c["change"] for c in explained["changes"]} == {"a judicial warrant", "a court order"}
    assert explained["context"]["certified"] is True
    readable = run(
        "policy",
        "explain",
        "--state",
        "WA",
        "DQ.WAICE0100.WA.OLN/X1.PUR/C.OFF/0911.",
        "--data",
        str(layout.root),
    )
    assert "WA decides HOLD" in readable.out
    assert "case-by-case review approval → permit" in readable.out
    elsewhere = run(
        "policy",
        "explain",
        "--state",
        "WA",
        "DQ.WAICE0100.OR.OLN/X1.PUR/C.",
        "--data",
        str(layout.root),
    )
    assert elsewhere.code == 2
    unknown = run(
        "policy",
        "explain",
        "--state",
        "WA",
        "DQ.WA9999999.WA.OLN/X1.PUR/C.",
        "--data",
        str(layout.root),
    )
    assert unknown.code == 1


def test_apply_swaps_the_active_set_and_a_running_node_follows(
    run: Invoke, layout: Layout, tmp_path: Path
) -> None:
    own = copy_nation(layout, tmp_path / "nation")
    network = EmbeddedNetwork.open(own, every=0)
    oln = records_of(network.nodes["WA"]).list_drivers(1)[0].oln
    message = decode(f"DQ.WAICE0100.WA.OLN/{oln}.PUR/I.")
    assert asyncio.run(network.hub.submit(message)).summary["WA"] is Status.DENIED

    permissive = tmp_path / "open"
    run("policy", "init", "--state", "WA", "--template", "permissive", "--out", str(permissive))
    applied = run(
        "policy",
        "apply",
        "--state",
        "WA",
        str(permissive / "policy.cedar"),
        "--json",
        "--data",
        str(own.root),
    )
    assert applied.code == 0, applied.err
    digest = json.loads(applied.out)["digest"]
    assert asyncio.run(network.hub.submit(message)).summary["WA"] is Status.HIT

    broken = tmp_path / "broken.cedar"
    broken.write_text(TYPE_ERROR)
    refused = run("policy", "apply", "--state", "WA", str(broken), "--data", str(own.root))
    assert refused.code == 1
    assert "serious-list" in refused.err
    shown = json.loads(
        run("policy", "show", "--state", "WA", "--history", "--json", "--data", str(own.root)).out
    )
    assert shown["digest"] == digest
    assert [h["source"] for h in shown["history"]][-1].endswith("policy.cedar")
    assert asyncio.run(network.hub.submit(message)).summary["WA"] is Status.HIT
    asyncio.run(network.aclose())


def test_show_prints_the_set(run: Invoke, layout: Layout) -> None:
    result = run("policy", "show", "--state", "NY", "--text", "--data", str(layout.root))
    assert "no-immigration-agencies" in result.out
    assert "forbid (principal in Statelink::AgencyGroup" in result.out
    assert "N.Y. Veh. & Traf. Law § 201(12)(a)" in result.out


def test_settings_commands(run: Invoke, layout: Layout, tmp_path: Path) -> None:
    own = copy_nation(layout, tmp_path / "nation")
    data = ("--data", str(own.root))
    shown = json.loads(run("settings", "show", "--state", "WA", "--json", *data).out)
    assert shown["serious_crime"][0] == {"first": "0900", "last": "0999", "label": "homicide"}
    changed = json.loads(
        run("settings", "serious-crime", "--state", "WA", "0900-0999", "6411", "--json", *data).out
    )
    assert [r["first"] for r in changed["serious_crime"]] == ["0900", "6411"]
    bad = run("settings", "serious-crime", "--state", "WA", "9-99", *data)
    assert bad.code == 2
    groups = json.loads(
        run("settings", "notice-groups", "--state", "WA", "dhs", "--json", *data).out
    )
    assert groups["notice_groups"] == ["dhs"]
    cleared = json.loads(
        run("settings", "notice-groups", "--state", "WA", "--none", "--json", *data).out
    )
    assert cleared["notice_groups"] == []


def test_certification_commands(run: Invoke, layout: Layout, tmp_path: Path) -> None:
    own = copy_nation(layout, tmp_path / "nation")
    data = ("--data", str(own.root))
    lapsed = json.loads(
        run("certifications", "list", "--state", "WA", "--ori", "TXHPD0000", "--json", *data).out
    )
    today = dt.datetime.now(dt.UTC).date()
    # Houston's history: a first term that lapsed in the spring, a renewal that ended yesterday
    assert [c["status"] for c in lapsed] == ["lapsed", "lapsed"]
    assert max(c["valid_to"] for c in lapsed) == str(today - dt.timedelta(days=1))
    added = run(
        "certifications",
        "add",
        "--state",
        "WA",
        "--ori",
        "TXHPD0000",
        "--valid-from",
        today.isoformat(),
        "--valid-to",
        (today + dt.timedelta(days=10)).isoformat(),
        "--document",
        "WA-DSA-2026-9",
        "--signer",
        "Chief",
        "--json",
        *data,
    )
    assert added.code == 0, added.err
    expiring = json.loads(
        run(
            "certifications",
            "list",
            "--state",
            "WA",
            "--expiring-within",
            "30",
            "--ori",
            "TXHPD0000",
            "--json",
            *data,
        ).out
    )
    assert [c["document"] for c in expiring] == ["WA-DSA-2026-9"]
    revoked = run(
        "certifications", "revoke", "--state", "WA", "--ori", "TXHPD0000", "--reason", "test", *data
    )
    assert revoked.code == 0
    assert "revoked 3 certification(s)" in revoked.out
    again = run(
        "certifications", "revoke", "--state", "WA", "--ori", "TXHPD0000", "--reason", "test", *data
    )
    assert again.code == 1
    bad_date = run(
        "certifications",
        "add",
        "--state",
        "WA",
        "--ori",
        "TXHPD0000",
        "--valid-from",
        "yesterday",
        "--valid-to",
        "2027-01-01",
        *data,
    )
    assert bad_date.code == 2


def test_init_writes_into_the_data_folder_not_the_current_one(
    run: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here, data = tmp_path / "here", tmp_path / "data"
    here.mkdir()
    monkeypatch.chdir(here)
    made = run("policy", "init", "--state", "wa", "--template", "wa", "--data", str(data))
    assert made.code == 0, made.err
    drafts = data / "states" / "WA" / "drafts"
    assert (drafts / "cases.yaml").is_file()
    assert list(here.iterdir()) == []  # nothing in the folder the user is in
    assert f"statelink policy test {drafts}" in made.out
