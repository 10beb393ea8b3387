"""The housekeeping loop: reviews carried out every round, notices purged on the first
round only (then hourly), a failed chore logged and tried again, nothing after the end."""

from __future__ import annotations

import asyncio

import pytest

from statelink.errors import StoreError
from statelink.web import housekeeping as hk


class Chores:
    def __init__(self, rounds: int) -> None:
        self.reviews = 0
        self.purges = 0
        self.rounds = rounds
        self.done = asyncio.Event()

    async def carry_out_reviews(self) -> None:
        self.reviews += 1
        if self.reviews == 1:
            raise StoreError("the queue is locked")
        if self.reviews == self.rounds:
            self.done.set()

    def purge_notices(self) -> None:
        self.purges += 1

    async def push_checkpoints(self) -> None:
        pass  # pushing to witnesses: tested in tests/witness


@pytest.mark.anyio
async def test_chores_run_every_round_until_the_block_ends(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(hk, "REVIEW_EVERY", 0.001)
    chores = Chores(rounds=4)
    async with hk.housekeeping(chores, "WA"):
        await asyncio.wait_for(chores.done.wait(), timeout=10)
    after = chores.reviews
    await asyncio.sleep(0.01)
    assert chores.reviews == after  # stopped with the block
    assert chores.purges == 1  # the first round failed before purging; the second purged
    assert "WA housekeeping: the queue is locked" in caplog.text
