"""What a policy set would change for one state of a nation on disk: the three questions
an official asks before adopting a set, over that state's own audit log and directory.

Used by ``statelink policy simulate|diff|coverage`` and the dashboard's What-if page.
"""

from __future__ import annotations

from pathlib import Path

from statelink.directory import Directory, seed_directory
from statelink.errors import UsageError
from statelink.impact.candidates import Candidate
from statelink.impact.coverage import Coverage, Who, coverage
from statelink.impact.diff import Diff, diff
from statelink.impact.replay import Replay, simulate
from statelink.nation import (
    Layout,
    known_state,
    open_directory,
    open_policy_store,
    read_manifest,
)
from statelink.policy.entities import entities
from statelink.reports.report import Period
from statelink.reports.sources import anchored
from statelink.states import STATES


class WhatIf:
    """One nation's inputs to the what-if questions: its directory, each state's audit
    log (through its Parquet copy) and policy history."""

    def __init__(self, layout: Layout, directory: Directory | None = None) -> None:
        self.layout = layout
        self.directory = directory if directory is not None else open_directory(layout)

    @classmethod
    def with_directory(cls, layout: Layout, csv: Path | None) -> WhatIf:
        """The nation's directory, or a CSV's, or (with no nation) the seed directory."""
        if csv is not None:
            return cls(layout, Directory.read(csv))
        if read_manifest(layout) is None:
            return cls(layout, seed_directory())
        return cls(layout)

    def names(self) -> dict[str, str]:
        return {a.ori: a.name for a in self.directory}

    def simulate(self, state: str, candidate: Candidate, period: Period, top: int = 10) -> Replay:
        """Replay the state's log under the candidate (``top`` most affected agencies)."""
        code = known_state(self.layout, state)
        store = open_policy_store(self.layout, code)
        copy = anchored(self.layout, code)
        with copy.table.reading():  # the files checked are the files replayed
            replay = simulate(
                code,
                copy.table,
                candidate.policies,
                store.load,
                period=period,
                label=candidate.label,
                top=top,
            )
        replay.anchor = copy.anchor.as_json() if copy.anchor else None
        return replay

    def diff(self, state: str | None, old: Candidate, new: Candidate) -> Diff:
        code = state_code(state) if state else None
        return diff(
            old.policies, new.policies, list(self.directory), entities(self.directory), state=code
        )

    def coverage(self, state: str, candidate: Candidate, who: Who) -> Coverage:
        code = state_code(state)
        return coverage(
            candidate.policies,
            list(self.directory),
            entities(self.directory),
            state=code,
            who=who,
        )


def state_code(state: str) -> str:
    code = state.strip().upper()
    if code not in STATES:
        raise UsageError(f"--state: expected a state code such as WA, given {state!r}")
    return code
