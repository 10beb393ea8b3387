"""The demo's state policies: templates for the states that block immigration access today.

NY, IL, MA and MN blocked ICE before 2025, WA did in November 2025 and OR was on its
way (``shared/domain.md``); CO's law is purpose-based. Those states get the template of
their law pattern (MN follows NY's, OR follows WA's); every other state gets the
permissive baseline, which is today's practice. A state that already has a policy set
keeps it: provisioning never overwrites a state's own choices.

Where the template requires certification, every agency other than the state's own
local ones gets a **certification history over the demo's year** (the 365 days before
the build, which ``statelink demo`` then sends its simulated year through), so that the
year's traffic meets every case (:class:`History`). Most agencies signed a two-year
certification before the year began that covers all of it; of the others, by a crc32
spread of the ORI (the same agency has the same history in every state):

- 3 in 100 never certified: refused all year;
- 5 in 200 renewed in the year's second half, a new row from the day after the old
  one ended;
- 1 in 100 lapsed in the second half for two to eight weeks, then renewed;
- 1 in 100 lapsed in the second half and did not renew;
- 1 in 200 was revoked, with a reason, on a day of the second half (a revocation counts
  from its day);
- 1 in 50 holds a certification that ends within 30 days of the build.

The Houston Police Department (``TXHPD0000``) is the story the demo tells: its first
certification lapsed in the spring (140 days into the year, the first to lapse, so it
leads the list of certifications by end), it renewed in the summer for the rest of its
agreement's term, which ended the day before the build. Its requests are permitted,
then refused with ``certification-required``, permitted again, and refused from the
build's day.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass
from enum import StrEnum

from statelink.directory import Agency, Directory
from statelink.policy.active import PolicyStore
from statelink.policy.settings import StateSettings
from statelink.policy.templates import POLICY_FILE, render, template

DEMO_TEMPLATES: dict[str, str] = {
    "NY": "ny",
    "IL": "il",
    "MA": "ma",
    "MN": "ny",
    "CO": "co",
    "WA": "wa",
    "OR": "wa",
}
HOUSTON = "TXHPD0000"
LAPSED_YESTERDAY = HOUSTON
"""Houston police: its last certification ended the day before the build."""
YEAR = dt.timedelta(days=365)
TERM = dt.timedelta(days=730)
"""A demo certification's term: two years, its last day included in the 730."""
SECOND_HALF = 150
"""Days into the year after which other agencies' certifications lapse, renew or are
revoked (Houston's first lapses before: 140 days in)."""
HOUSTON_LAPSE = (140, 201)
"""Houston's first certification's last day, and its renewal's first, in days of the year."""
REVOCATION_REASONS = (
    "agreement violated: records passed on to an immigration agency",
    "an audit found queries outside the certified purposes",
    "the signer left the agency and nobody signed again",
)


class History(StrEnum):
    """The certification history of one agency with one state over the demo's year."""

    WHOLE = "whole"  # one certification covering the year
    ENDING = "ending"  # one covering the year, ending within 30 days of the build
    RENEWED = "renewed"  # ended in the year, renewed from the next day
    GAP = "gap"  # lapsed for a while, then renewed
    LAPSED = "lapsed"  # ended in the year, not renewed
    REVOKED = "revoked"  # revoked on a day of the year
    NEVER = "never"  # never certified
    HOUSTON = "houston"  # lapsed in the spring, renewed in the summer, ended yesterday


_SHARES = (  # (history, upper bound of its bucket in 200ths)
    (History.NEVER, 6),
    (History.RENEWED, 11),
    (History.GAP, 13),
    (History.LAPSED, 15),
    (History.REVOKED, 16),
    (History.ENDING, 20),
)


def history_of(ori: str) -> History:
    """The demo's history for an agency (by a crc32 spread of its ORI)."""
    if ori == HOUSTON:
        return History.HOUSTON
    bucket = zlib.crc32(ori.encode()) % 200
    return next((h for h, upper in _SHARES if bucket < upper), History.WHOLE)


@dataclass(frozen=True)
class Term:
    """One certification row: first and last valid day, and its revocation if any."""

    valid_from: dt.date
    valid_to: dt.date
    revoked_at: dt.datetime | None = None
    revoked_reason: str = ""


def terms(ori: str, today: dt.date) -> list[Term]:
    """The certifications an agency holds over the year before ``today``, oldest first."""
    start = today - YEAR  # the year's first day
    spread = zlib.crc32(ori.encode()) // 200  # bits the history's bucket did not use
    history = history_of(ori)
    end = start + dt.timedelta(days=SECOND_HALF + spread % 200)  # a day of the second half
    if history is History.NEVER:
        return []
    if history is History.HOUSTON:
        first, again = (start + dt.timedelta(days=d) for d in HOUSTON_LAPSE)
        return [_ending(first), Term(again, today - dt.timedelta(days=1))]
    if history is History.RENEWED:
        return [_ending(end), _from(end + dt.timedelta(days=1))]
    if history is History.GAP:
        end = start + dt.timedelta(days=SECOND_HALF + spread % 150)
        gap = dt.timedelta(days=14 + (spread // 150) % 47)
        return [_ending(end), _from(end + gap + dt.timedelta(days=1))]
    if history is History.LAPSED:
        return [_ending(end)]
    if history is History.ENDING:
        return [_ending(today + dt.timedelta(days=1 + spread % 29))]
    whole = _from(start - dt.timedelta(days=1 + spread % 300))
    if history is History.REVOKED:
        on = dt.datetime.combine(end, dt.time())
        reason = REVOCATION_REASONS[spread % len(REVOCATION_REASONS)]
        return [Term(whole.valid_from, whole.valid_to, on, reason)]
    return [whole]


def _from(first: dt.date) -> Term:
    return Term(first, first + TERM - dt.timedelta(days=1))


def _ending(last: dt.date) -> Term:
    return Term(last - TERM + dt.timedelta(days=1), last)


def template_for(state: str) -> str:
    return DEMO_TEMPLATES.get(state, "permissive")


def provision(
    state: str, store: PolicyStore, settings: StateSettings, directory: Directory, today: dt.date
) -> bool:
    """Give a state its demo policy and settings, unless it has a policy set already;
    certification histories end on ``today``, the build's day."""
    if store.applied() is not None:
        return False
    chosen = template(template_for(state))
    files = render(chosen.name, state)
    store.apply_files({POLICY_FILE: files[POLICY_FILE]}, f"template:{chosen.name}")
    settings.set_notice_groups(chosen.notice_groups, known=set(directory.groups()))
    if chosen.certification:
        settings.add_certifications(_certifications(state, directory, today))
    return True


def _certifications(state: str, directory: Directory, today: dt.date) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for number, agency in enumerate(directory, 1):
        if agency.state == state and "federal" not in agency.groups:
            continue  # in-state local agencies need none
        for n, term in enumerate(terms(agency.ori, today)):
            rows.append(_row(state, number, agency, term, renewal=n > 0))
    return rows


def _row(
    state: str, number: int, agency: Agency, term: Term, *, renewal: bool
) -> dict[str, object]:
    document = f"{state}-DSA-{term.valid_from.year}-{number:05d}" + ("-R" if renewal else "")
    return {
        "ori": agency.ori,
        "valid_from": term.valid_from,
        "valid_to": term.valid_to,
        "document": document,
        "signer": f"Head of agency, {agency.name}"[:120],
        "revoked_at": term.revoked_at,
        "revoked_reason": term.revoked_reason,
    }
