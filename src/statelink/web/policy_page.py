"""The dashboard's Policy page: the rules a state has in force, why, and under what law.

- ``GET /dashboard/states/XX/policy``: the set in force, rule by rule
  (:mod:`statelink.policy.rules`: its id, whether it permits or forbids and whether a
  reviewer can release what it forbids, its ``@reason``, its ``@law`` and what the
  citation means: the state's own law, another state's law it is modelled on, an example
  only, or none), each rule's Cedar one click away; the settings the rules read, in
  words; every set ever applied, when, from where and by whom, each linked to what
  changed from the one before;
- ``GET .../policy/cedar``: the Cedar files of the set in force, as applied (text/plain);
- ``GET .../policy/sets/N``: the N-th set applied (1 is the first), its rules and files;
- ``GET .../policy/diff?from=N&to=M``: what changed from one applied set to another: the
  rules added, removed and changed, and the exact difference in decisions
  (:func:`statelink.impact.diff`: its verdict and the requests that change), linked to
  the What-if page for the replay of the audit log.

Every viewer of the state may read them. A difference is computed only when asked for,
one pair per page, in a worker thread, one at a time per server; the last few are kept
(:class:`Comparisons`), so the switch keeps answering meanwhile.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute

from statelink.errors import NotFound, PageRefused, PolicyInvalid, StatelinkError
from statelink.impact import Candidate, Diff, WhatIf
from statelink.nation import Layout, open_policy_store
from statelink.notices.store import today
from statelink.policy.active import Applied, PolicyStore
from statelink.policy.policies import Policies
from statelink.policy.rules import Rule, readers, rule_changes, rules_of
from statelink.policy.settings import CertificationSearch, StateSettings
from statelink.web.signin import OnState
from statelink.web.site import SECURITY_HEADERS, Shared, route

KEPT = 8
"""Differences kept per server."""


@dataclass(frozen=True)
class Settings:
    """The state's settings that its rules read, with the rules that read each."""

    certification_rules: tuple[str, ...]
    certified_now: int
    certified_ending: int  # current, but ending within 30 days
    serious: tuple[tuple[str, str, str], ...]  # first, last, label
    serious_rules: tuple[str, ...]
    notice_groups: tuple[str, ...]
    notice_days: int
    hold_rules: tuple[str, ...]
    review_hours: int

    @classmethod
    def of(cls, settings: StateSettings, policies: Policies | None, rules: list[Rule]) -> Settings:
        on = today()

        def read(name: str) -> tuple[str, ...]:
            return readers(policies, name) if policies is not None else ()

        return cls(
            certification_rules=read("certified"),
            certified_now=settings.count_certifications(CertificationSearch(on, "current")),
            certified_ending=settings.count_certifications(CertificationSearch(on, "ending")),
            serious=tuple(settings.serious_crime()),
            serious_rules=read("serious_crime"),
            notice_groups=tuple(settings.notice_groups()),
            notice_days=settings.number("notice_days"),
            hold_rules=tuple(r.id for r in rules if r.reviewable),
            review_hours=settings.number("review_hours"),
        )


@dataclass(frozen=True)
class Entry:
    """One apply of the state's history: its number (1 is the first) and its facts."""

    number: int
    applied: Applied
    in_force: bool


def history(store: PolicyStore) -> list[Entry]:
    """Every apply, oldest first; the last apply of the set in force is marked."""
    applied = store.history()
    active = store.applied()
    numbers = [n for n, a in enumerate(applied, 1) if active and a.digest == active.digest]
    current = numbers[-1] if numbers else 0
    return [Entry(n, a, n == current) for n, a in enumerate(applied, 1)]


class Comparisons:
    """The exact differences asked for, one computed at a time, the last few kept (by the
    two sets and the directory they were computed over)."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self._kept: OrderedDict[tuple[str, ...], Diff] = OrderedDict()
        self._lock = threading.Lock()

    def diff(self, state: str, old: Policies, new: Policies) -> Diff:
        with self._lock:
            whatif = WhatIf(self.layout)
            key = (state, old.digest, new.digest, whatif.directory.digest)
            found = self._kept.get(key)
            if found is None:
                found = whatif.diff(state, Candidate(old, "from"), Candidate(new, "to"))
                self._kept[key] = found
                if len(self._kept) > KEPT:
                    self._kept.popitem(last=False)
            self._kept.move_to_end(key)
            return found


def comparisons(request: Request, layout: Layout) -> Comparisons:
    """The server's :class:`Comparisons` (made on first use, kept on the app)."""
    found = getattr(request.app.state, "policy_comparisons", None)
    if not isinstance(found, Comparisons):
        found = Comparisons(layout)
        request.app.state.policy_comparisons = found
    return found


def _in_force(store: PolicyStore) -> tuple[Policies | None, str]:
    """The set in force, or None and why there is none to show."""
    try:
        return store.active(), ""
    except NotFound:
        return None, ""
    except PolicyInvalid as e:
        return None, f"The set in force cannot be shown: {e.message}"


def _read(store: PolicyStore) -> tuple[Policies | None, list[Rule], str]:
    """The set in force and its rules (parsed in a worker thread), or why there are none."""
    policies, problem = _in_force(store)
    return policies, rules_of(policies) if policies is not None else [], problem


async def policy(request: Request, visit: OnState, site: Shared) -> Response:
    code = visit.state
    store = open_policy_store(site.layout, code)
    policies, rules, problem = await asyncio.to_thread(_read, store)
    return site.page(
        request,
        "policy.html",
        409 if problem else 200,
        account=visit.account,
        state=code,
        applied=store.applied(),
        policies=policies,
        rules=rules,
        problem=problem,
        settings=Settings.of(site.desks.settings(code), policies, rules),
        history=list(reversed(history(store))),
    )


async def cedar(visit: OnState, site: Shared) -> Response:
    """The set in force's files as applied, each after a comment line that names it."""
    store = open_policy_store(site.layout, visit.state)
    try:
        policies = await asyncio.to_thread(store.active)
    except StatelinkError as e:
        raise PageRefused(e.message, 404 if isinstance(e, NotFound) else 409) from None
    text = "".join(
        f"// ---- {name} (set {policies.digest}) ----\n{body.rstrip()}\n\n"
        for name, body in policies.files.items()
    )
    return PlainTextResponse(text, headers=SECURITY_HEADERS)


def _entry(entries: list[Entry], number: str, name: str) -> Entry:
    """The apply numbered ``number`` (as the query gives it)."""
    if not number.strip().isdigit() or not 1 <= int(number) <= len(entries):
        raise PageRefused(
            f"{name}: expected the number of an applied set, 1 to {len(entries)}; "
            f"given {number[:20]!r}",
            400 if entries else 404,
        )
    return entries[int(number) - 1]


def _load(store: PolicyStore, entry: Entry) -> Policies:
    try:
        return store.load(entry.applied.digest)
    except StatelinkError as e:
        raise PageRefused(f"set {entry.number}: {e.message}", 409) from None


async def policy_set(request: Request, visit: OnState, site: Shared, number: str) -> Response:
    store = open_policy_store(site.layout, visit.state)
    entries = history(store)
    entry = _entry(entries, number, "set")
    policies = await asyncio.to_thread(_load, store, entry)
    return site.page(
        request,
        "policy_set.html",
        account=visit.account,
        state=visit.state,
        entry=entry,
        count=len(entries),
        policies=policies,
        rules=rules_of(policies),
    )


async def policy_diff(request: Request, visit: OnState, site: Shared) -> Response:
    code = visit.state
    store = open_policy_store(site.layout, code)
    entries = history(store)
    old_entry = _entry(entries, request.query_params.get("from", ""), "from")
    new_entry = _entry(entries, request.query_params.get("to", ""), "to")
    old = await asyncio.to_thread(_load, store, old_entry)
    new = await asyncio.to_thread(_load, store, new_entry)
    same = old.digest == new.digest
    try:
        found = (
            None
            if same
            else await asyncio.to_thread(comparisons(request, site.layout).diff, code, old, new)
        )
    except StatelinkError as e:
        raise PageRefused(e.message, 400) from None
    return site.page(
        request,
        "policy_diff.html",
        account=visit.account,
        state=code,
        old=old_entry,
        new=new_entry,
        same=same,
        changes=rule_changes(old, new),
        diff=found,
    )


routes: list[BaseRoute] = [
    route("/states/{state}/policy", policy),
    route("/states/{state}/policy/cedar", cedar),
    route("/states/{state}/policy/sets/{number}", policy_set),
    route("/states/{state}/policy/diff", policy_diff),
]
