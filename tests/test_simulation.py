"""The synthetic year: deterministic, with its daily and weekly rhythm, valid messages."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from statelink.directory import Directory
from statelink.embedded import EmbeddedNetwork
from statelink.records import RecordStore
from statelink.simulation import Sample, message_for, moments, year_count
from statelink.traffic import RequesterMix


def test_year_count_follows_the_scale() -> None:
    assert year_count(0.001) == 290_000
    assert year_count(1e-12) == 1


def test_moments_have_a_weekly_and_daily_rhythm() -> None:
    times = moments(random.Random(1), 40_000, dt.date(2026, 11, 1))
    assert times == sorted(times)
    assert times[0] >= dt.datetime(2025, 11, 1, tzinfo=dt.UTC)
    assert times[-1] < dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    days = Counter(t.weekday() for t in times)
    hours = Counter(t.hour for t in times)
    assert days[4] > days[6] * 1.5  # Fridays busier than Sundays
    assert hours[15] > hours[4] * 5  # afternoons busier than the small hours
    assert moments(random.Random(1), 100, dt.date(2026, 11, 1)) == moments(
        random.Random(1), 100, dt.date(2026, 11, 1)
    )


def test_every_drawn_message_is_valid_and_aimed_at_real_records(
    network: EmbeddedNetwork,
) -> None:
    directory: Directory = network.directory
    mix = RequesterMix(directory)
    rng = random.Random(5)
    store = RecordStore.open("WA", network.layout.records("WA"))
    try:
        samples = dict.fromkeys(network.nodes, Sample.of(store, 50))
    finally:
        store.close()
    keys: Counter[str] = Counter()
    for _ in range(3000):
        message = message_for(mix.draw(rng), rng, samples)
        keys[message.mke] += 1
        assert directory.get(message.ori) is not None
    assert set(keys) == {"RQ", "DQ", "KQ", "DNQ", "RNQ", "RPQ"}
    assert keys["RQ"] > keys["DQ"] > keys["KQ"]
