"""Brute-force protection for the dashboard's login: failures are counted per account name
and per client address; too many within a window lock that name (or address) out.

An address gets more tries than a name, since several people may sign in from one
office's address; guessing one account's password is stopped by the name's limit.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

MAX_TRACKED = 10_000


class LoginThrottle:
    def __init__(
        self,
        *,
        max_failures: int = 5,
        max_failures_per_address: int = 50,
        window_s: float = 900.0,
        lockout_s: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.max_failures_per_address = max_failures_per_address
        self.window_s = window_s
        self.lockout_s = lockout_s
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._locked_until: dict[str, float] = {}

    def wait(self, name: str, address: str) -> float:
        """Seconds until a login attempt for this name from this address is allowed (0: now)."""
        now = self._clock()
        return max(0.0, *(self._locked_until.get(key, 0.0) - now for key in _keys(name, address)))

    def failed(self, name: str, address: str) -> None:
        now = self._clock()
        if len(self._failures) > MAX_TRACKED:  # forget stale entries, so memory stays bounded
            for key in [
                k for k, v in self._failures.items() if not v or v[-1] < now - self.window_s
            ]:
                del self._failures[key]
            for key in [k for k, until in self._locked_until.items() if until <= now]:
                del self._locked_until[key]
        for key in _keys(name, address):
            recent = self._failures.setdefault(key, deque())
            recent.append(now)
            while recent and recent[0] < now - self.window_s:
                recent.popleft()
            limit = self.max_failures if key.startswith("name:") else self.max_failures_per_address
            if len(recent) >= limit:
                self._locked_until[key] = now + self.lockout_s
                recent.clear()

    def succeeded(self, name: str, address: str) -> None:
        self._failures.pop(_keys(name, address)[0], None)


def _keys(name: str, address: str) -> tuple[str, str]:
    return f"name:{name.strip().lower()}", f"addr:{address}"
