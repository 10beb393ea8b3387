"""The chores a serving process runs beside its requests: carry out reviewers' decisions
every second, purge notices whose retention has ended every hour, and, in a task of its
own (a slow witness never delays a review), push new checkpoints to the state's witnesses
every few seconds.

A chore that fails, whatever the error, is logged and tried again next round: no chore
task ever ends on its own, and the end of the block (a server's shutdown, which then
signs the last checkpoints) never raises a chore's error."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol

from statelink.errors import StatelinkError

log = logging.getLogger(__name__)

REVIEW_EVERY = 1.0
PURGE_EVERY = 3600.0
PUSH_EVERY = 5.0


class Chores(Protocol):
    """What the housekeeping runs: the embedded network, or one node's service."""

    async def carry_out_reviews(self) -> None: ...

    def purge_notices(self) -> None: ...

    async def push_checkpoints(self) -> None: ...


@asynccontextmanager
async def housekeeping(chores: Chores, name: str) -> AsyncIterator[None]:
    """Run ``chores`` in the background for as long as the ``async with`` block runs."""
    tasks = [
        asyncio.create_task(_every_second(chores, name)),
        asyncio.create_task(_pushing(chores, name)),
    ]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        ended = await asyncio.gather(*tasks, return_exceptions=True)
        for outcome in ended:
            if isinstance(outcome, Exception):  # CancelledError is not one: the usual end
                _failed(name, "housekeeping", outcome)


async def _every_second(chores: Chores, name: str) -> None:
    purged = -math.inf  # the first round purges, however long ago the clock started
    while True:
        await asyncio.sleep(REVIEW_EVERY)
        try:
            await chores.carry_out_reviews()
            if time.monotonic() - purged >= PURGE_EVERY:
                chores.purge_notices()
                purged = time.monotonic()
        except Exception as e:  # logged; the next round tries again
            _failed(name, "housekeeping", e)


async def _pushing(chores: Chores, name: str) -> None:
    while True:
        await asyncio.sleep(PUSH_EVERY)
        try:
            await chores.push_checkpoints()
        except Exception as e:  # logged; the next round tries again
            _failed(name, "witnesses", e)


def _failed(name: str, chore: str, error: Exception) -> None:
    """Log a chore's failure: our own errors by their message; any other by its type only
    (a foreign message may quote a record)."""
    if isinstance(error, StatelinkError):
        log.error("%s %s: %s", name, chore, error.message)
    else:
        log.error("%s %s failed: %s", name, chore, type(error).__name__)
