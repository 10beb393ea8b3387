"""The chores a serving process runs beside its requests: carry out reviewers' decisions
every second, purge notices whose retention has ended every hour, and, in a task of its
own (a slow witness never delays a review), push new checkpoints to the state's witnesses
every few seconds."""

from __future__ import annotations

import asyncio
import contextlib
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
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _every_second(chores: Chores, name: str) -> None:
    purged = -math.inf  # the first round purges, however long ago the clock started
    while True:
        await asyncio.sleep(REVIEW_EVERY)
        try:
            await chores.carry_out_reviews()
            if time.monotonic() - purged >= PURGE_EVERY:
                chores.purge_notices()
                purged = time.monotonic()
        except StatelinkError as e:  # logged; the next round tries again
            log.error("%s housekeeping: %s", name, e.message)


async def _pushing(chores: Chores, name: str) -> None:
    while True:
        await asyncio.sleep(PUSH_EVERY)
        try:
            await chores.push_checkpoints()
        except StatelinkError as e:  # logged; the next round tries again
            log.error("%s witnesses: %s", name, e.message)
