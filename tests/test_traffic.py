"""The calibrated mix: its share of messages sent without a purpose (U)."""

from __future__ import annotations

import random
from collections import Counter

from statelink.directory import seed_directory
from statelink.traffic import UNSTATED, UNSTATED_PURPOSE_SHARE, RequesterMix

DRAWS = 40_000


def test_a_share_of_queries_states_no_purpose_whoever_sends_them() -> None:
    mix = RequesterMix(seed_directory())
    rng = random.Random(11)
    queries = [mix.draw(rng) for _ in range(DRAWS)]
    unstated = [q for q in queries if q.purpose == UNSTATED]
    share = len(unstated) / DRAWS
    assert abs(share - UNSTATED_PURPOSE_SHARE) < 0.01  # about 5 standard deviations
    # without statelink's extension a message carries none of its fields
    assert all(q.offense == q.warrant_kind == q.case_number == "" for q in unstated)
    by_profile = Counter(q.profile for q in unstated)
    assert by_profile["local"] > 0
    assert by_profile["HSI"] + by_profile["ICE"] > 0
    stated = [q for q in queries if q.purpose != UNSTATED]
    assert any(q.offense for q in stated)
    assert any(q.warrant_kind for q in stated)


def test_the_same_seed_gives_the_same_queries() -> None:
    mix = RequesterMix(seed_directory())

    def year(seed: int) -> list[object]:
        rng = random.Random(seed)
        return [mix.draw(rng) for _ in range(2000)]

    assert year(3) == year(3)
    assert year(3) != year(4)
