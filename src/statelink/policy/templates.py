"""Policy templates for the law patterns of ``docs/policies.md``, ready to adapt to a state."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from statelink.errors import UsageError
from statelink.states import STATES

POLICY_FILE = "policy.cedar"
CASES_FILE = "cases.yaml"


@dataclass(frozen=True)
class Template:
    name: str
    title: str
    home: str  # the state whose law it follows ("" for the baseline)
    law: str  # citation written into @law
    notice_groups: tuple[str, ...] = ()  # groups whose access owes the person a notice
    certification: bool = False  # whether recipients must have a certification on file

    def law_for(self, state: str) -> str:
        if not self.law or state == self.home:
            return self.law
        return f"modelled on {self.law}"


TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in (
        Template(
            "permissive",
            "Permissive baseline: any member agency, any purpose (today's practice)",
            "",
            "",
        ),
        Template(
            "ny",
            "New York: no release to immigration agencies without a judicial "
            "warrant or court order; certification",
            "NY",
            "N.Y. Veh. & Traf. Law § 201(12)",
            ("immigration-enforcement",),
            True,
        ),
        Template(
            "il",
            "Illinois: court order, judicial warrant or court subpoena, only the "
            "records named; agreements",
            "IL",
            "625 ILCS 5/6-110.3",
            ("immigration-enforcement",),
            True,
        ),
        Template(
            "ma",
            "Massachusetts: no release to ICE or CBP, or for immigration "
            "enforcement, without court process",
            "MA",
            "940 CMR 37.04",
            ("immigration-enforcement",),
        ),
        Template(
            "co",
            "Colorado: no release for immigration enforcement without court "
            "process; yearly certification",
            "CO",
            "Colo. SB 21-131",
            (),
            True,
        ),
        Template(
            "wa",
            "Washington: immigration agencies need a judicial warrant, or a "
            "serious-crime request approved case by case; certification",
            "WA",
            "RCW 43.17.425 (example citation)",
            ("immigration-enforcement",),
            True,
        ),
    )
}


def template(name: str) -> Template:
    found = TEMPLATES.get(name.strip().lower())
    if found is None:
        raise UsageError(f"unknown template {name!r}: expected one of {', '.join(TEMPLATES)}")
    return found


def _source(name: str, file: str) -> str:
    return resources.files("statelink.policy").joinpath("templates", name, file).read_text("utf-8")


def render(name: str, state: str) -> dict[str, str]:
    """The template's files written for a state: ``policy.cedar``, and ``cases.yaml``.

    The case table names real agencies of the template's home state (its in-state
    police, say), so it is written only for that state, or for the baseline, whose
    cases hold for any state.
    """
    chosen = template(name)
    code = state.strip().upper()
    if code not in STATES:
        raise UsageError(f"unknown state {state!r}")
    files = {
        POLICY_FILE: _source(chosen.name, POLICY_FILE).replace("{{LAW}}", chosen.law_for(code))
    }
    if chosen.home == code:
        files[CASES_FILE] = _source(chosen.name, CASES_FILE)
    elif not chosen.home:
        baseline = _source(chosen.name, CASES_FILE)
        files[CASES_FILE] = baseline.replace("state: TX", f"state: {code}").replace(
            ".TX.", f".{code}."
        )
    return files


def write(name: str, state: str, out: Path, *, force: bool = False) -> list[Path]:
    """Write a rendered template into a folder; refuse to overwrite unless ``force``."""
    files = render(name, state)
    out.mkdir(parents=True, exist_ok=True)
    existing = [out / f for f in files if (out / f).exists()]
    if existing and not force:
        raise UsageError(f"{existing[0]} exists; pass --force to overwrite")
    written = []
    for file, text in files.items():
        (out / file).write_text(text, encoding="utf-8")
        written.append(out / file)
    return written
