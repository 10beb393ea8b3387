"""Policy templates for the law patterns of ``docs/policies.md``, ready to adapt to a state.

Each template's ``@law`` annotations cite the exact provision where it is known (a
paragraph is cited only where it was verified; otherwise the section alone). Written for
a state other than the template's home, a citation reads ``modelled on ...``: the policy
follows another state's law, which is not that state's own basis. A citation that is only
an example (the permissive baseline's, Washington's, whose block of immigration agencies
is an administrative decision) says so in words: ``..., cited as an example: ...``.
:func:`citation` reads those words back for the dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from statelink.errors import UsageError
from statelink.states import STATES

POLICY_FILE = "policy.cedar"
CASES_FILE = "cases.yaml"
MODELLED_ON = "modelled on "
"""How a template's citation begins when written for a state other than its home."""
PLACEHOLDER = "{{MODELLED_ON}}"
EXAMPLE_MARKS = ("cited as an example", "(example citation)")
"""Words that mark a citation as an example only (the second as older sets wrote it)."""


@dataclass(frozen=True)
class Template:
    name: str
    title: str
    home: str  # the state whose law it follows ("" for the baseline)
    law: str  # the law it follows, as listed (each @law cites its own provision)
    notice_groups: tuple[str, ...] = ()  # groups whose access owes the person a notice
    certification: bool = False  # whether recipients must have a certification on file

    def modelled(self, state: str) -> bool:
        """Whether, written for ``state``, it follows another state's law."""
        return bool(self.home) and state != self.home


@dataclass(frozen=True)
class Citation:
    """A policy's ``@law`` as an official reads it: what it cites, and on what footing."""

    text: str  # the annotation as written ("" if the policy cites none)
    cited: str  # the law it names, without "modelled on" or the example's remark
    remark: str  # what the annotation says of an example ("" if none)
    modelled: bool  # another state's law, which the policy follows
    example: bool  # cited as an example only, not the rule's legal basis

    @property
    def notes(self) -> tuple[str, ...]:
        """What the citation means, in words."""
        if not self.text:
            return ("No law is cited: the state's own rule.",)
        found = []
        if self.modelled:
            found.append(
                "Modelled on another state's law: the rule follows it, "
                "but it is not this state's own legal basis."
            )
        if self.example:
            found.append(
                "An example only, not the legal basis of the rule"
                + (f": {self.remark}." if self.remark else "; the state should cite its own.")
            )
        return tuple(found)


def citation(law: str) -> Citation:
    """Read a ``@law`` annotation (see the module)."""
    text = law.strip()
    modelled = text.lower().startswith(MODELLED_ON)
    cited = text[len(MODELLED_ON) :] if modelled else text
    remark, example = "", False
    for mark in EXAMPLE_MARKS:
        at = cited.lower().find(mark)
        if at >= 0:
            remark = cited[at + len(mark) :].strip(" :.")
            cited, example = cited[:at].rstrip(" ,;"), True
            break
    return Citation(text, cited, remark, modelled=modelled, example=example)


TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in (
        Template(
            "permissive",
            "Permissive baseline: any member agency, any purpose (today's practice)",
            "",
            "18 U.S.C. § 2721(b)(1) (federal DPPA), cited as an example",
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
            "Colo. Rev. Stat. §§ 24-74-103, 24-74-105 (SB 21-131)",
            (),
            True,
        ),
        Template(
            "wa",
            "Washington: immigration agencies need a judicial warrant, or a "
            "serious-crime request approved case by case; certification",
            "WA",
            "RCW 43.17.425, cited as an example (WA's block is administrative)",
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
        POLICY_FILE: _source(chosen.name, POLICY_FILE).replace(
            PLACEHOLDER, MODELLED_ON if chosen.modelled(code) else ""
        )
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
