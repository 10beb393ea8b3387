"""Every template passes its own case table; together they hold at least 40 cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from statelink.directory import seed_directory
from statelink.errors import UsageError
from statelink.policy.cases import load_cases, run_cases
from statelink.policy.policies import Policies
from statelink.policy.templates import (
    CASES_FILE,
    POLICY_FILE,
    TEMPLATES,
    citation,
    render,
    template,
    write,
)


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


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_every_template_decides_purpose_u_deliberately(name: str, tmp_path: Path) -> None:
    """A rule of its own names purpose U, and the case table has U cases that pass."""
    state = TEMPLATES[name].home or "TX"
    policies = Policies.from_files({POLICY_FILE: render(name, state)[POLICY_FILE]})
    assert "unstated-purpose-access" in policies.infos
    assert policies.infos["unstated-purpose-access"].reason
    write(name, state, tmp_path)
    cases = [c for c in load_cases(tmp_path / CASES_FILE) if c.message.purpose == "U"]
    assert len(cases) >= 2
    results = run_cases(policies, cases, seed_directory())
    assert all(r.ok for r in results), [r.as_dict() for r in results if not r.ok]


@pytest.mark.parametrize("name", list(TEMPLATES))
@pytest.mark.parametrize("state", ["WA", "MN"])
def test_every_citation_says_what_it_is(name: str, state: str) -> None:
    """No citation is an unexplained "(example citation)"; an example says why in words;
    elsewhere than its home state, a law is cited as a model."""
    policies = Policies.from_files({POLICY_FILE: render(name, state)[POLICY_FILE]})
    for info in policies.infos.values():
        assert "(example citation)" not in info.law
        cited = citation(info.law)
        if cited.example:
            assert cited.remark
            assert cited.cited
        if info.law and template(name).modelled(state):
            assert cited.modelled
            assert info.law.startswith("modelled on ")


def test_a_subsection_is_cited_only_where_it_was_verified() -> None:
    ny = Policies.from_files({POLICY_FILE: render("ny", "NY")[POLICY_FILE]}).infos
    assert ny["no-immigration-agencies"].law == "N.Y. Veh. & Traf. Law § 201(12)(a)"
    assert ny["certification-required"].law == "N.Y. Veh. & Traf. Law § 201(12)"
    assert ny["no-civil-immigration-purpose"].law == "N.Y. Veh. & Traf. Law § 201(12)"
    co = Policies.from_files({POLICY_FILE: render("co", "CO")[POLICY_FILE]}).infos
    assert co["yearly-certification"].law == "Colo. Rev. Stat. § 24-74-105 (SB 21-131)"
    ma = Policies.from_files({POLICY_FILE: render("ma", "MA")[POLICY_FILE]}).infos
    assert ma["no-ice-cbp"].law == "940 CMR 37.04(1)-(2)"


@pytest.mark.parametrize(
    ("law", "cited", "modelled", "example", "notes"),
    [
        ("", "", False, False, 1),
        ("625 ILCS 5/6-110.3", "625 ILCS 5/6-110.3", False, False, 0),
        ("modelled on 940 CMR 37.04(1)", "940 CMR 37.04(1)", True, False, 1),
        ("RCW 43.17.425 (example citation)", "RCW 43.17.425", False, True, 1),
        ("modelled on RCW 43.17.425, cited as an example: why", "RCW 43.17.425", True, True, 2),
    ],
)
def test_a_citation_is_read_back(
    law: str, cited: str, modelled: bool, example: bool, notes: int
) -> None:
    found = citation(law)
    assert (found.cited, found.modelled, found.example, len(found.notes)) == (
        cited,
        modelled,
        example,
        notes,
    )
