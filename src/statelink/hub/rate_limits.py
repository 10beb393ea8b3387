"""Per-member rate limits at the hub: a token bucket for each member.

Each member may send ``rate`` requests a second on average and ``burst`` at once; a
request over that is refused with how long to wait for the next token (the hub answers
``429 Too Many Requests`` with ``Retry-After``). The buckets live in the hub's memory, one
set per hub process: behind a load balancer with N hubs a member gets at most N times
its rate, which still bounds what one member can cost the network.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from statelink.errors import RateLimited

MAX_MEMBERS = 100_000
"""Buckets kept at most; past it the full ones (members at rest) are forgotten."""


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimits:
    """Token buckets by member name. ``rate`` 0 turns the limit off."""

    def __init__(
        self, rate: float, burst: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate < 0 or burst < 1:
            raise ValueError("a rate limit needs rate >= 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def take(self, member: str) -> None:
        """Spend one of the member's tokens; raise :class:`RateLimited` if it has none."""
        if self.rate == 0:
            return
        now = self._clock()
        bucket = self._buckets.get(member)
        if bucket is None:
            if len(self._buckets) >= MAX_MEMBERS:
                self._forget_rested(now)
            bucket = self._buckets[member] = _Bucket(float(self.burst), now)
        else:
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
            bucket.at = now
        if bucket.tokens < 1:
            wait = math.ceil((1 - bucket.tokens) / self.rate)
            raise RateLimited(
                f"member {member} sent more than {self.rate:g} requests a second "
                f"(burst {self.burst}); try again in {wait} s",
                retry_after=wait,
            )
        bucket.tokens -= 1

    def _forget_rested(self, now: float) -> None:
        full = [
            name
            for name, b in self._buckets.items()
            if b.tokens + (now - b.at) * self.rate >= self.burst
        ]
        for name in full:
            del self._buckets[name]
