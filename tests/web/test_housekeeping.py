"""The housekeeping loop: reviews carried out every round, notices purged on the first
round only (then hourly), a failed chore (whatever its error) logged and tried again,
nothing after the end, and the end never raising a chore's error."""

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


class Broken:
    """Chores that fail with errors that are not statelink's (a hostile witness's answer,
    a bug): every round, for as many rounds as the test waits."""

    def __init__(self, rounds: int) -> None:
        self.reviews = 0
        self.pushes = 0
        self.rounds = rounds
        self.done = asyncio.Event()

    async def carry_out_reviews(self) -> None:
        self.reviews += 1
        raise RuntimeError("a bug")

    def purge_notices(self) -> None:
        raise AssertionError("never reached: reviews fail first")

    async def push_checkpoints(self) -> None:
        self.pushes += 1
        if self.pushes >= self.rounds and self.reviews >= self.rounds:
            self.done.set()
        raise ValueError("invalid literal for int() with base 10: '\u00b2'")


@pytest.mark.anyio
async def test_any_failure_is_logged_the_chores_go_on_and_the_end_never_raises(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(hk, "REVIEW_EVERY", 0.001)
    monkeypatch.setattr(hk, "PUSH_EVERY", 0.001)
    chores = Broken(rounds=3)
    async with hk.housekeeping(chores, "WA"):  # its end raises nothing: shutdown goes on
        await asyncio.wait_for(chores.done.wait(), timeout=10)  # every task kept going
    assert "WA witnesses failed: ValueError" in caplog.text
    assert "WA housekeeping failed: RuntimeError" in caplog.text
    assert "\u00b2" not in caplog.text  # a foreign message is not logged
