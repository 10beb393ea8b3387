"""The hub: checks the sender, resolves destinations, fans out, merges the answers.

The hub enforces network rules only. Whether a state releases data is that state's
node's decision; the hub never answers for a state.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Collection, Coroutine
from typing import Any

import structlog

from statelink import logs
from statelink.directory.source import DirectorySource
from statelink.errors import NotFound, StatelinkError
from statelink.hub.message_id import new_message_id
from statelink.hub.resubmissions import Resubmissions
from statelink.hub.routing_log import RoutingLog
from statelink.messages.envelope import Envelope
from statelink.messages.keys import MESSAGE_KEYS
from statelink.messages.model import Message
from statelink.messages.response import HubResponse, StateAnswer, Status
from statelink.transport import Transport

log = structlog.get_logger(__name__)

SINGLE_STATE_TIMEOUT = 10.0
NATIONWIDE_TIMEOUT = 60.0


class Hub:
    def __init__(
        self,
        directories: DirectorySource,
        transport: Transport,
        *,
        single_timeout: float = SINGLE_STATE_TIMEOUT,
        nationwide_timeout: float = NATIONWIDE_TIMEOUT,
        routing_log: RoutingLog | None = None,
        resubmissions: Resubmissions | None = None,
        network: Collection[str] | None = None,
    ) -> None:
        self.resubmissions = resubmissions
        self.network = network
        self.directories = directories
        self.transport = transport
        self.routing_log = routing_log
        self.single_timeout = single_timeout
        self.nationwide_timeout = nationwide_timeout

    def destinations(self, message: Message) -> list[str]:
        """The states a message goes to: its list, or for NL every state of the network
        (``network``: by default every state the transport reaches)."""
        if message.nationwide:
            return sorted(self.network if self.network is not None else self.transport.states())
        return list(message.dest)

    async def submit(
        self, message: Message, *, member: str = "", received_at: str | None = None
    ) -> HubResponse:
        """Route one valid message; an ORI not in the directory is refused (fail closed).

        With ``resubmissions``, the same message sent again by the same ``member`` with
        the same ORI and control field, on this replica or another, is routed again under
        the first one's message id, marked resubmitted: each node answers it as it did
        the first time, without deciding or logging it again.
        ``received_at`` is for replaying synthetic traffic only: the simulated moment the
        hub took the message (a node in this process decides at that moment, and dates
        its record by it; a networked node keeps its own clock, see statelink.clock).
        """
        self.directories.current().require(message.ori)
        received = received_at or dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        envelope = Envelope(message_id=new_message_id(), message=message, received_at=received)
        if self.resubmissions is not None:
            claim = await self.resubmissions.claim(
                member, message, envelope.message_id, envelope.received_at
            )
            if claim.resubmitted:
                envelope = Envelope(
                    message_id=claim.message_id,
                    message=message,
                    received_at=claim.received_at,
                    resubmitted=True,
                )
        return await self._route(envelope, member)

    async def _route(self, envelope: Envelope, member: str) -> HubResponse:
        started = time.perf_counter()
        message = envelope.message
        states = self.destinations(message)
        timeout = self.nationwide_timeout if message.nationwide else self.single_timeout
        if len(states) == 1:
            answers = [await self._deliver(states[0], envelope, timeout)]
        else:
            answers = list(
                await asyncio.gather(*(self._deliver(s, envelope, timeout) for s in states))
            )
        summary = {a.state: a.status for a in answers}
        if message.nationwide:
            answers = [a for a in answers if a.status is not Status.NO_HIT]
        response = HubResponse(
            message_id=envelope.message_id,
            mke=message.key.response,
            ori=message.ori,
            control=message.control,
            destinations=states,
            answers=answers,
            summary=summary,
            elapsed_ms=round((time.perf_counter() - started) * 1000, 3),
        )
        if logs.enabled(logging.INFO):  # on the hot path: only build the event if it is kept
            log.info(
                "message_answered",
                message_id=envelope.message_id,
                mke=message.mke,
                ori=message.ori,
                states=len(states),
                counts=response.counts(),
            )
        if self.routing_log is not None:
            self.routing_log.record(
                message, response, member=member, resubmitted=envelope.resubmitted
            )
        return response

    async def collect(self, message_id: str, ori: str) -> HubResponse:
        """The answers to a message that states held for review, for the agency that sent it.

        Only the states that answered HELD are asked; each decides what to release.
        """
        started = time.perf_counter()
        message_id = message_id.strip().upper()
        ori = ori.strip().upper()
        row = self.routing_log.find(message_id) if self.routing_log is not None else None
        if row is None or row.ori != ori:
            raise NotFound(f"no message {message_id} from {ori}")
        summary = row.statuses
        held = [s for s, status in summary.items() if status is Status.HELD]
        if not held:
            raise NotFound(
                f"message {message_id} has nothing to collect: no state held it for review"
            )
        answers = list(
            await asyncio.gather(
                *(
                    self._ask(
                        s,
                        message_id,
                        self.transport.collect(s, message_id, ori),
                        self.single_timeout,
                    )
                    for s in held
                )
            )
        )
        return HubResponse(
            message_id=message_id,
            mke=MESSAGE_KEYS[row.mke].response,
            ori=ori,
            control=row.control,
            destinations=held,
            answers=answers,
            summary={a.state: a.status for a in answers},
            elapsed_ms=round((time.perf_counter() - started) * 1000, 3),
        )

    def _deliver(self, state: str, envelope: Envelope, timeout: float) -> Awaitable[StateAnswer]:
        return self._ask(
            state, envelope.message_id, self.transport.deliver(state, envelope), timeout
        )

    async def _ask(
        self,
        state: str,
        message_id: str,
        call: Coroutine[Any, Any, StateAnswer],
        timeout: float,
    ) -> StateAnswer:
        """One state's answer; any failure to get one is UNAVAILABLE for that state only."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(timeout):
                return await call
        except TimeoutError:
            detail = f"the {state} node did not answer within {timeout:g} s"
        except StatelinkError as e:
            detail = e.message
        except Exception:
            log.exception("node_failed", state=state, message_id=message_id)
            detail = "the node failed while answering"
        return StateAnswer(
            state=state,
            status=Status.UNAVAILABLE,
            detail=detail,
            elapsed_ms=round((time.perf_counter() - started) * 1000, 3),
        )
