"""An agency of the directory (contract 4): who may send messages, with what attributes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from statelink.errors import FieldError
from statelink.messages import fields as rules

KINDS: dict[str, str] = {
    "PD": "city or county police",
    "SO": "sheriff",
    "SA": "statewide agency (state police, highway patrol)",
    "LE": "other law enforcement",
    "FE": "federal law enforcement",
    "JA": "prosecutor",
    "JC": "corrections",
    "JG": "probation and parole",
    "JJ": "court",
    "JF": "federal, not law enforcement",
    "CJ": "other criminal justice",
    "NJ": "non-criminal justice (e.g. a DMV)",
}
"""ORION type codes."""

CSV_COLUMNS: tuple[str, ...] = ("ori", "name", "state", "kind", "department", "component", "groups")

_GROUP = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_LABEL = re.compile(r"[A-Z0-9][A-Z0-9 &.-]{0,31}")


@dataclass(frozen=True, slots=True)
class Agency:
    ori: str
    name: str
    state: str  # home state: the ORI's first two characters
    kind: str  # ORION type code
    department: str = ""  # parent department: "DHS", "DOJ", ... or ""
    component: str = ""  # component: "ICE", "HSI", "CBP", "FBI", ... or ""
    groups: tuple[str, ...] = ()

    def row(self) -> dict[str, str]:
        """The agency as a contract-4 CSV row."""
        return {
            "ori": self.ori,
            "name": self.name,
            "state": self.state,
            "kind": self.kind,
            "department": self.department,
            "component": self.component,
            "groups": ";".join(self.groups),
        }

    def as_dict(self) -> dict[str, str | list[str]]:
        """The agency as JSON: like the CSV row, with ``groups`` as a list."""
        return {**self.row(), "groups": list(self.groups)}

    @classmethod
    def from_row(cls, row: dict[str, str]) -> Agency:
        """Validate one CSV row; raise ValueError carrying a FieldError."""
        try:
            ori = rules.ori(row.get("ori") or "")
        except rules.Unexpected as e:
            raise InvalidAgency(FieldError("ori", e.expected, repr(row.get("ori")))) from None
        name = " ".join((row.get("name") or "").split())
        if not name or not name.isprintable() or len(name) > 120:
            raise InvalidAgency(
                FieldError("name", "an agency name of 1 to 120 characters", repr(row.get("name")))
            )
        state = (row.get("state") or ori[:2]).strip().upper()
        if state != ori[:2]:
            raise InvalidAgency(
                FieldError("state", f"the ORI's first two characters ({ori[:2]})", repr(state))
            )
        kind = (row.get("kind") or "").strip().upper()
        if kind not in KINDS:
            raise InvalidAgency(
                FieldError(
                    "kind", f"an ORION type code, one of {' '.join(KINDS)}", repr(row.get("kind"))
                )
            )
        labels = {}
        for column in ("department", "component"):
            value = (row.get(column) or "").strip().upper()
            if value and not _LABEL.fullmatch(value):
                raise InvalidAgency(
                    FieldError(column, "up to 32 letters, digits or spaces", repr(row.get(column)))
                )
            labels[column] = value
        groups = tuple(
            sorted({g.strip().lower() for g in (row.get("groups") or "").split(";") if g.strip()})
        )
        bad = [g for g in groups if not _GROUP.fullmatch(g)]
        if bad:
            raise InvalidAgency(
                FieldError(
                    "groups",
                    "group names of lowercase letters, digits and -, separated by ;",
                    repr(bad[0]),
                )
            )
        return cls(ori, name, state, kind, labels["department"], labels["component"], groups)


class InvalidAgency(ValueError):
    def __init__(self, error: FieldError) -> None:
        super().__init__(str(error))
        self.error = error
