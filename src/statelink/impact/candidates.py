"""Policy sets to compare, named the way people name them.

- a folder of ``.cedar`` files, or one file;
- ``template:NAME``: a template of ``statelink policy templates``, written for the state;
- ``active``: the state's set in force;
- ``history:DIGEST``: a set the state applied some time (a prefix of its digest will do).

Each comes with the words it was named by, for reports to say what they compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from statelink.errors import NotFound, UsageError
from statelink.nation import Layout, open_policy_store
from statelink.policy.policies import Policies
from statelink.policy.templates import POLICY_FILE, render, template

TEMPLATE, HISTORY, ACTIVE = "template:", "history:", "active"


@dataclass(frozen=True)
class Candidate:
    policies: Policies
    label: str  # "template:ny", "active (3f2a9c1e0b7d)", "policies/WA"


def resolve(spec: str, *, state: str | None, layout: Layout | None) -> Candidate:
    """The set ``spec`` names (see the module); ``state`` and ``layout`` where it needs them."""
    spec = spec.strip()
    if spec.startswith(TEMPLATE):
        name = spec[len(TEMPLATE) :]
        chosen = template(name)
        files = render(chosen.name, state or chosen.home or "TX")
        return Candidate(Policies.from_files({POLICY_FILE: files[POLICY_FILE]}), spec)
    if spec == ACTIVE or spec.startswith(HISTORY):
        if state is None or layout is None:
            raise UsageError(f"{spec!r} names a set of a state: pass --state")
        store = open_policy_store(layout, state)
        if spec == ACTIVE:
            policies = store.active()
            return Candidate(policies, f"active ({policies.digest[:12]})")
        digest = applied_digest(layout, state, spec[len(HISTORY) :])
        return Candidate(store.load(digest), f"{HISTORY}{digest[:12]}")
    path = Path(spec)
    if not path.exists():
        raise UsageError(
            f"no policy file or folder at {spec}; name a set as a path, template:NAME, "
            "active or history:DIGEST"
        )
    return Candidate(Policies.load(path), spec)


def applied_digest(layout: Layout, state: str, prefix: str) -> str:
    """The full digest of a set the state applied, from a prefix of it."""
    prefix = prefix.strip().lower()
    if len(prefix) < 6 or any(c not in "0123456789abcdef" for c in prefix):
        raise UsageError(f"history:{prefix}: expected at least 6 hex digits of a set's digest")
    store = open_policy_store(layout, state)
    found = sorted({h.digest for h in store.history() if h.digest.startswith(prefix)})
    if not found:
        raise NotFound(f"{store.state} never applied a policy set with digest {prefix}…")
    if len(found) > 1:
        raise UsageError(f"history:{prefix} matches {len(found)} sets; give more digits")
    return found[0]
