"""Synthetic traffic calibrated to public figures: who asks, for what, why.

Calibration (``shared/domain.md``): about 290 million DMV queries a year pass the hub,
out-of-state and federal; ICE sent 292,114 and HSI 605,116 of them. The rest of the mix
is this project's assumption, documented here and used everywhere synthetic traffic is
needed:

- federal components other than ICE and HSI: 1% of all queries (CBP a quarter of it);
- every other query comes from a state or local agency, chosen in proportion to the
  population it serves (the crosswalk's population column), about a state other than
  its own, chosen in proportion to population; 5% of plate queries go to every state
  (``NL``): half a percent of them, since an NL message asks all 51 states at once;
- message keys: RQ 50%, DQ 33%, KQ 5%, DNQ 4%, RNQ 4%, RPQ 4% (single state);
- purposes: local police mostly criminal investigation and traffic; ICE mostly civil
  immigration enforcement; HSI mostly criminal investigations (trafficking, smuggling);
- offenses on criminal-purpose queries, a quarter of them on the default serious-crime
  list; warrants on a small share, administrative ones mostly from immigration agencies;
- 15% of queries state no purpose (purpose ``U``, unspecified), whoever sends them: they
  come through a state's switch or a federal line that does not yet send statelink's
  extension, as all of today's Nlets DMV traffic is (its messages have no purpose field).
  The switch a query travels through does not depend on why it was sent, so the share is
  the same for every requester; such a message carries none of the extension's fields
  (no offense, warrant or case number). The share is this project's assumption for a
  network part-way through adopting the extension, not a measured figure; it is drawn
  from the same seeded generator as everything else, so a seed gives the same year.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

from statelink.directory import Directory
from statelink.directory.crosswalk import crosswalk
from statelink.states import CODES, STATES

HUB_QUERIES_PER_YEAR = 290_000_000
ICE_QUERIES_PER_YEAR = 292_114
HSI_QUERIES_PER_YEAR = 605_116
OTHER_FEDERAL_SHARE = 0.01
NATIONWIDE_PLATE_SHARE = 0.005
UNSTATED_PURPOSE_SHARE = 0.15
UNSTATED = "U"  # the purpose of a message sent without one

MKE_WEIGHTS = {"RQ": 50, "DQ": 33, "KQ": 5, "DNQ": 4, "RNQ": 4, "RPQ": 4}
SERIOUS_OFFENSES = ("0911", "0912", "1001", "1101", "1201", "1202", "1313", "6411", "6499")
OTHER_OFFENSES = (
    "2204",
    "2299",
    "2399",
    "2404",
    "3562",
    "3599",
    "4801",
    "5012",
    "5404",
    "5707",
    "7099",
)
PURPOSES = {
    "local": {"C": 45, "T": 40, "W": 7, "M": 3, "J": 2, "A": 3},
    "ICE": {"I": 70, "C": 30},
    "HSI": {"C": 60, "I": 40},
    "CBP": {"I": 50, "C": 30, "T": 20},
    "federal": {"C": 85, "W": 10, "M": 5},
}
WARRANTS = {  # chance of each warrant kind on a query from this kind of requester
    "local": {"judicial": 0.03, "court-order": 0.005},
    "ICE": {"administrative": 0.12, "judicial": 0.02, "court-order": 0.01},
    "HSI": {"judicial": 0.05, "subpoena": 0.03, "administrative": 0.04},
    "CBP": {"administrative": 0.05},
    "federal": {"judicial": 0.06, "subpoena": 0.02},
}


@dataclass(frozen=True)
class Query:
    """One synthetic query, before its search fields are chosen."""

    ori: str
    mke: str
    dest: tuple[str, ...]
    purpose: str
    offense: str
    warrant_kind: str
    case_number: str
    profile: str  # local, ICE, HSI, CBP or federal


class RequesterMix:
    """Draws queries with the calibrated mix, from the agencies of a directory."""

    def __init__(self, directory: Directory) -> None:
        population = {row.ori: row.population for row in crosswalk()}
        local = [a for a in directory if a.ori in population]
        self._local = [a.ori for a in local]
        self._local_weights = list(itertools.accumulate(population[a.ori] for a in local))
        self._home = {a.ori: a.state for a in directory}
        self._federal: dict[str, list[str]] = {"ICE": [], "HSI": [], "CBP": [], "federal": []}
        for agency in directory:
            if "federal" in agency.groups:
                self._federal.get(agency.component, self._federal["federal"]).append(agency.ori)
        ice = ICE_QUERIES_PER_YEAR / HUB_QUERIES_PER_YEAR
        hsi = HSI_QUERIES_PER_YEAR / HUB_QUERIES_PER_YEAR
        self.shares = {
            "ICE": ice,
            "HSI": hsi,
            "CBP": OTHER_FEDERAL_SHARE / 4,
            "federal": OTHER_FEDERAL_SHARE * 3 / 4,
        }
        self.shares["local"] = 1 - sum(self.shares.values())
        self._states = list(CODES)
        self._state_weights = list(itertools.accumulate(STATES[s].population for s in CODES))

    def draw(self, rng: random.Random) -> Query:
        profile = rng.choices(list(self.shares), weights=list(self.shares.values()))[0]
        if profile == "local" or not self._federal[profile]:
            profile = "local"
            ori = rng.choices(self._local, cum_weights=self._local_weights)[0]
        else:
            ori = rng.choice(self._federal[profile])
        mke = rng.choices(list(MKE_WEIGHTS), weights=list(MKE_WEIGHTS.values()))[0]
        if mke == "RQ" and rng.random() < NATIONWIDE_PLATE_SHARE:
            dest: tuple[str, ...] = ("NL",)
        else:
            dest = (self._other_state(rng, self._home[ori]),)
        if rng.random() < UNSTATED_PURPOSE_SHARE:  # through a switch without the extension
            return Query(ori, mke, dest, UNSTATED, "", "", "", profile)
        purposes = PURPOSES[profile]
        purpose = rng.choices(list(purposes), weights=list(purposes.values()))[0]
        offense = ""
        if purpose == "C":
            offense = rng.choice(SERIOUS_OFFENSES if rng.random() < 0.25 else OTHER_OFFENSES)
        warrant_kind = ""
        for kind, chance in WARRANTS[profile].items():
            if rng.random() < chance:
                warrant_kind = kind
                break
        case_number = f"{rng.randrange(2020, 2027)}-{rng.randrange(1_000_000):06d}"
        return Query(ori, mke, dest, purpose, offense, warrant_kind, case_number, profile)

    def _other_state(self, rng: random.Random, home: str) -> str:
        while True:
            state = rng.choices(self._states, cum_weights=self._state_weights)[0]
            if state != home:
                return state
