"""``statelink policy simulate|diff|coverage`` as a user runs them: JSON shapes, the table
output, and one-line errors with exit codes for bad input."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from statelink.messages import decode
from statelink.nation import Layout
from tests.conftest import Run

Invoke = Callable[..., Run]


def test_simulate_json_has_the_contract_s_keys(run: Invoke, year: Layout) -> None:
    result = run(
        "policy", "simulate", "--state", "WA", "template:ny", "--json", "--data", str(year.root)
    )
    assert result.code == 0, result.err
    made = json.loads(result.out)
    for key in (
        "state",
        "candidate_digest",
        "records",
        "reproduced",
        "not_reproduced",
        "outcomes",
        "changes",
    ):
        assert key in made
    assert made["state"] == "WA"
    assert made["reproduced"] == made["records"]
    assert set(made["outcomes"]) == {
        f"{b}->{a}" for b in ("permit", "deny", "hold") for a in ("permit", "deny", "hold")
    }
    assert sum(made["outcomes"].values()) == made["records"]
    for change in made["changes"]:
        assert change["from"] != change["to"]
        assert change["examples"]
    assert {"serious_crime", "immigration", "breakdowns", "agencies", "held_per_week"} <= set(made)
    signed = json.loads(
        run("audit", "checkpoint", "--state", "WA", "--json", "--data", str(year.root)).out
    )
    assert (made["anchor"]["size"], made["anchor"]["root"]) == (signed["size"], signed["root"])


def test_simulate_prints_fidelity_and_the_matrix(run: Invoke, year: Layout) -> None:
    result = run(
        "policy", "simulate", "--state", "WA", "template:permissive", "--data", str(year.root)
    )
    assert result.code == 0, result.err
    assert "fidelity:" in result.out
    assert "Covers the WA audit log up to record" in result.out
    assert "100.0%" in result.out
    assert "before \\ after" in result.out
    assert "audit proof --state WA --seq" in result.out


def test_an_example_is_provable_with_audit_proof(run: Invoke, year: Layout) -> None:
    made = json.loads(
        run(
            "policy",
            "simulate",
            "--state",
            "WA",
            "template:permissive",
            "--json",
            "--data",
            str(year.root),
        ).out
    )
    seq = made["changes"][0]["examples"][0]
    proof = run(
        "audit", "proof", "--state", "WA", "--seq", str(seq), "--json", "--data", str(year.root)
    )
    assert proof.code == 0, proof.err
    assert json.loads(proof.out)["leaf_index"] == seq


def test_diff_json_and_its_counterexamples(run: Invoke, year: Layout) -> None:
    result = run(
        "policy",
        "diff",
        "template:wa",
        "template:ny",
        "--state",
        "WA",
        "--json",
        "--data",
        str(year.root),
    )
    assert result.code == 0, result.err
    made = json.loads(result.out)
    assert made["verdict"] == "incomparable"
    assert made["exact"] is True
    assert made["evaluated"] > 0
    for change in made["changes"]:
        assert {"from", "to", "mkes", "context", "oris", "example"} <= set(change)
        example = change["example"]
        assert {"ori", "mke", "context", "message"} <= set(example)
        assert decode(example["message"]).ori == example["ori"]
        before, after = (d["decision"] for d in example["decisions"])
        assert (before, after) == (change["from"], change["to"])


def test_diff_of_the_active_set_with_its_own_template_is_equivalent(
    run: Invoke, year: Layout
) -> None:
    result = run(
        "policy", "diff", "active", "template:wa", "--state", "WA", "--data", str(year.root)
    )
    assert result.code == 0, result.err
    assert "EQUIVALENT" in result.out


def test_diff_without_a_nation_uses_a_directory_file(
    run: Invoke, tmp_path: Path, year: Layout
) -> None:
    result = run(
        "policy",
        "diff",
        "template:permissive",
        "template:co",
        "--directory",
        str(year.directory),
        "--data",
        str(tmp_path / "none"),
        "--json",
    )
    assert result.code == 0, result.err
    made = json.loads(result.out)
    assert made["state"] is None
    assert made["verdict"] == "stricter"


def test_coverage_lists_the_paths_of_a_component(run: Invoke, year: Layout) -> None:
    result = run(
        "policy", "coverage", "--state", "WA", "--component", "HSI", "--data", str(year.root)
    )
    assert result.code == 0, result.err
    assert "HSI" in result.out
    assert "hold" in result.out
    assert "permit" in result.out
    made = json.loads(
        run(
            "policy",
            "coverage",
            "--state",
            "WA",
            "--component",
            "HSI",
            "--json",
            "--data",
            str(year.root),
        ).out
    )
    assert made["set"].startswith("active")
    assert all(o[2:5] == "HSI" for c in made["classes"] for o in c["oris"])


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (("simulate", "--state", "WA", "template:nope"), 2, "unknown template"),
        (("simulate", "--state", "WA", "no/such/folder"), 2, "no policy file or folder"),
        (("simulate", "--state", "ZZ", "template:ny"), 2, "unknown state"),
        (("simulate", "--state", "WA", "history:xyz"), 2, "6 hex digits"),
        (("simulate", "--state", "WA", "history:abcdef0"), 1, "never applied"),
        (
            (
                "simulate",
                "--state",
                "WA",
                "template:ny",
                "--since",
                "2026-05-01",
                "--until",
                "2026-01-01",
            ),
            2,
            "must come after",
        ),
        (("diff", "active", "template:ny"), 2, "--state"),
        (("diff", "template:ny", "template:wa", "--state", "QQ"), 2, "unknown state"),
        (("coverage", "--state", "WA", "--component", "NOPE"), 2, "no agency"),
    ],
)
def test_bad_input_gets_one_line_and_an_exit_code(
    run: Invoke, year: Layout, args: tuple[str, ...], code: int, says: str
) -> None:
    result = run("policy", *args, "--data", str(year.root))
    assert result.code == code, (result.out, result.err)
    assert says in result.err
    assert "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_an_invalid_candidate_is_refused_with_its_problem(
    run: Invoke, year: Layout, tmp_path: Path
) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "p.cedar").write_text(
        '@id("x") permit (principal, action, resource) when { context.nope };'
    )
    result = run("policy", "simulate", "--state", "WA", str(folder), "--data", str(year.root))
    assert result.code == 1
    assert "nope" in result.err
