"""Every template passes its own case table; together they hold at least 40 cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from statelink.directory import seed_directory
from statelink.errors import UsageError
from statelink.policy.cases import load_cases, run_cases
from statelink.policy.policies import Policies
from statelink.policy.templates import CASES_FILE, POLICY_FILE, TEMPLATES, render, write


def _run(name: str, tmp_path: Path) -> list[bool]:
    state = TEMPLATES[name].home or "TX"
    written = write(name, state, tmp_path / name)
    policies = Policies.load(tmp_path / name / POLICY_FILE)
    results = run_cases(policies, load_cases(tmp_path / name / CASES_FILE), seed_directory())
    failures = [r.as_dict() for r in results if not r.ok]
    assert not failures, failures
    assert {p.name for p in written} == {POLICY_FILE, CASES_FILE}
    return [r.ok for r in results]


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_template_passes_its_case_table(name: str, tmp_path: Path) -> None:
    assert len(_run(name, tmp_path)) >= 4


def test_at_least_forty_cases_across_the_templates(tmp_path: Path) -> None:
    assert sum(len(_run(name, tmp_path)) for name in TEMPLATES) >= 40


def test_every_outcome_is_covered_by_some_template(tmp_path: Path) -> None:
    expected = set()
    for name, t in TEMPLATES.items():
        write(name, t.home or "TX", tmp_path / name)
        expected |= {c.expect.value for c in load_cases(tmp_path / name / CASES_FILE)}
    assert expected == {"permit", "deny", "hold"}


def test_law_is_cited_for_the_home_state_and_as_a_model_elsewhere() -> None:
    assert '@law("N.Y. Veh. & Traf. Law § 201(12)(a)")' in render("ny", "NY")[POLICY_FILE]
    other = render("ny", "MN")
    assert "modelled on N.Y. Veh. & Traf. Law § 201(12)(a)" in other[POLICY_FILE]
    assert CASES_FILE not in other  # its cases name NY agencies as in-state
    assert "state: VT" in render("permissive", "VT")[CASES_FILE]


def test_init_refuses_to_overwrite_and_unknown_names(tmp_path: Path) -> None:
    write("wa", "WA", tmp_path)
    with pytest.raises(UsageError, match="--force"):
        write("wa", "WA", tmp_path)
    write("wa", "WA", tmp_path, force=True)
    with pytest.raises(UsageError, match="unknown template"):
        write("xx", "WA", tmp_path)
