"""Resubmitted messages: the same ORI and control field within a window run once.

An agency that loses the hub's answer (a dropped connection, a client timeout) sends the
message again with the same control field. The hub gives it the same message id and the
same answer, and no node sees it twice: the first submission's response is kept for
``window`` seconds (in this hub process's memory, never on disk: it may hold records).
A resubmission that arrives while the first is still running waits for it. The same
control field on a *different* message within the window is refused (409), since the
agency's reference would otherwise name two queries.

Messages without a control field are never matched. Only the sending ORI's owner can
submit for it, so only it can get the kept answer back.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import orjson

from statelink.errors import ControlReused
from statelink.messages.model import Message
from statelink.messages.response import HubResponse

DEFAULT_WINDOW = 600.0
DEFAULT_CAPACITY = 100_000


@dataclass
class _Kept:
    digest: str
    expires: float
    answer: asyncio.Future[HubResponse]


def _digest(message: Message) -> str:
    return hashlib.sha256(orjson.dumps(message.to_json(), option=orjson.OPT_SORT_KEYS)).hexdigest()


class Resubmissions:
    def __init__(self, *, window: float = DEFAULT_WINDOW, capacity: int = DEFAULT_CAPACITY) -> None:
        self.window = window
        self.capacity = capacity
        self._kept: OrderedDict[tuple[str, str], _Kept] = OrderedDict()

    async def once(
        self, message: Message, run: Callable[[], Awaitable[HubResponse]]
    ) -> HubResponse:
        """``run()``'s response, or the kept response of the same message sent before."""
        if not message.control or self.window <= 0:
            return await run()
        now = time.monotonic()
        self._expire(now)
        key = (message.ori, message.control)
        digest = _digest(message)
        kept = self._kept.get(key)
        if kept is not None:
            if kept.digest != digest:
                raise ControlReused(message.ori, message.control, self.window)
            return await asyncio.shield(kept.answer)
        answer: asyncio.Future[HubResponse] = asyncio.get_running_loop().create_future()
        self._kept[key] = _Kept(digest, now + self.window, answer)
        while len(self._kept) > self.capacity:
            self._kept.popitem(last=False)
        try:
            response = await run()
        except BaseException as e:
            # nothing was answered: a resubmission may run it again
            self._kept.pop(key, None)
            if not answer.done():
                answer.set_exception(e)
                answer.exception()  # retrieved: no "never retrieved" warning
            raise
        answer.set_result(response)
        return response

    def _expire(self, now: float) -> None:
        while self._kept:
            key, kept = next(iter(self._kept.items()))
            if kept.expires > now:
                return
            del self._kept[key]
