"""One clock for a node: what time it is, and what moment a message is dated by.

Everything a node decides about a message is decided at one moment: the policy's
``certified`` (a certification covers a day), a hold's creation and expiry, the day a
notice's release is counted from, and the ``time`` of the audit record. That moment is
the message's own when the node may trust the hub's ``received_at``, and the node's
wall clock otherwise (:class:`Dating`):

- **message**: the hub runs in the same process (the embedded network, the demo's
  simulated year): the hub's ``received_at`` is the moment, so a year replayed in
  minutes is decided as the year it simulates;
- **own**: a networked node (``statelink serve node``) trusts no hub's clock: a hub
  that could choose the moment could date a request into a certification's term. Its
  own wall clock decides; the hub's ``received_at`` is still recorded beside it.

Steps that no message dates (a reviewer's decision, carrying decisions out, a requester
collecting an answer) happen at the clock's :meth:`Clock.now`, or at an explicit moment
given by whoever acts: the simulated reviewers of the demo year act at simulated times.

Moments are aware datetimes in UTC; the stores keep them naive, in UTC (:func:`naive`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import structlog

log = structlog.get_logger(__name__)


class Dating(StrEnum):
    """What a node dates a message by."""

    MESSAGE = "message"  # the hub's received_at: the hub is in-process, one trust domain
    OWN = "own"  # the node's own clock: a networked node


def wall_now() -> dt.datetime:
    """The wall clock, in UTC."""
    return dt.datetime.now(dt.UTC)


def moment_of(text: str) -> dt.datetime:
    """An ISO 8601 time as an aware UTC datetime (a time without a zone is UTC);
    ValueError if it is not one."""
    parsed = dt.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def naive(moment: dt.datetime) -> dt.datetime:
    """A moment as the stores keep it: naive, in UTC (an aware one is converted)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Clock:
    """A node's clock: ``dating`` says whether a message's ``received_at`` is its moment;
    ``source`` is the wall clock (a test may give another)."""

    dating: Dating = Dating.OWN
    source: Callable[[], dt.datetime] = wall_now

    def now(self) -> dt.datetime:
        return self.source()

    def today(self) -> dt.date:
        return self.now().date()

    def dated(self, received_at: str) -> dt.datetime:
        """The moment a message with this ``received_at`` is decided at. A trusted time
        that cannot be read is not guessed at: the node's own clock dates it."""
        if self.dating is Dating.OWN:
            return self.now()
        try:
            return moment_of(received_at)
        except ValueError:
            log.warning("message_time_unreadable", received_at=received_at[:40])
            return self.now()
