"""The What-if page's results: each state's replay, diff and coverage of a candidate
policy set, kept while nothing they depend on changes (the log, the set in force, the
directory, the period)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from statelink.accounts import Account
from statelink.errors import UsageError
from statelink.impact import Candidate, Coverage, Diff, WhatIf, Who, resolve
from statelink.impact.replay import ReplayJson
from statelink.nation import Layout, open_policy_store
from statelink.reports.report import Period
from statelink.reports.sources import refreshed

UPLOAD = "upload:"
KEPT = 8


@dataclass(frozen=True)
class Study:
    candidate: Candidate
    replay: ReplayJson  # as `policy simulate --json` gives it, with agency names
    diff: Diff
    coverage: Coverage


class Studies:
    """Each state's what-if results, kept while nothing they depend on changes."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self._kept: OrderedDict[tuple[Any, ...], Study] = OrderedDict()
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def candidate(self, state: str, spec: str) -> Candidate:
        if spec.startswith(UPLOAD):
            policies = open_policy_store(self.layout, state).proposed(spec[len(UPLOAD) :])
            return Candidate(policies, f"{UPLOAD}{policies.digest[:12]}")
        if not spec.startswith(("template:", "history:")):
            raise UsageError(f"choose a template, a set from the history or an upload: {spec!r}")
        return resolve(spec, state=state, layout=self.layout)

    def study(self, state: str, spec: str, period: Period) -> Study:
        """The replay, diff and coverage of a set (in a worker thread, one per state)."""
        with self._guard:
            lock = self._locks.setdefault(state, threading.Lock())
        with lock:
            candidate = self.candidate(state, spec)
            whatif = WhatIf(self.layout)  # today's directory
            active = resolve("active", state=state, layout=self.layout)
            size = refreshed(self.layout, state).size()
            key = (
                state,
                candidate.policies.digest,
                active.policies.digest,
                whatif.directory.digest,
                size,
                period,
            )
            found = self._kept.get(key)
            if found is None:
                replay = whatif.simulate(state, candidate, period)
                found = Study(
                    candidate,
                    replay.as_dict(whatif.names()),
                    whatif.diff(state, active, candidate),
                    whatif.coverage(state, candidate, Who()),
                )
                self._kept[key] = found
                if len(self._kept) > KEPT:
                    self._kept.popitem(last=False)
            return found

    def apply(self, state: str, spec: str, account: Account) -> str:
        candidate = self.candidate(state, spec)
        policies = open_policy_store(self.layout, state).apply_files(
            candidate.policies.files,
            f"dashboard:{account.name}:{candidate.label}",
            by=account.name,
        )
        return policies.digest
