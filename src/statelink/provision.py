"""The demo's state policies: templates for the states that block immigration access today.

NY, IL, MA and MN blocked ICE before 2025, WA did in November 2025 and OR was on its
way (``shared/domain.md``); CO's law is purpose-based. Those states get the template of
their law pattern (MN follows NY's, OR follows WA's); every other state gets the
permissive baseline, which is today's practice. A state that already has a policy set
keeps it: provisioning never overwrites a state's own choices.

Where the template requires certification, every agency other than the state's own
local ones gets a one-year certification, except, so the demo shows both cases, the
Houston Police Department, whose certification lapsed yesterday, and one agency in
fifty, whose certification ends within 30 days.
"""

from __future__ import annotations

import datetime as dt
import zlib

from statelink.directory import Directory
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
LAPSED_YESTERDAY = "TXHPD0000"


def template_for(state: str) -> str:
    return DEMO_TEMPLATES.get(state, "permissive")


def provision(
    state: str, store: PolicyStore, settings: StateSettings, directory: Directory, today: dt.date
) -> bool:
    """Give a state its demo policy and settings, unless it has a policy set already."""
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
        spread = zlib.crc32(agency.ori.encode())
        valid_from = today - dt.timedelta(days=60 + spread % 200)
        valid_to = valid_from + dt.timedelta(days=365)
        if agency.ori == LAPSED_YESTERDAY:
            valid_to = today - dt.timedelta(days=1)
        elif spread % 50 == 0:
            valid_to = today + dt.timedelta(days=1 + spread % 29)
        rows.append(
            {
                "ori": agency.ori,
                "valid_from": valid_from,
                "valid_to": valid_to,
                "document": f"{state}-DSA-{valid_from.year}-{number:05d}",
                "signer": f"Head of agency, {agency.name}"[:120],
            }
        )
    return rows
