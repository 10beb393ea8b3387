"""The hub: checks the sender, resolves destinations, fans out, merges the answers.

The hub enforces network rules only. Whether a state releases data is that state's
node's decision; the hub never answers for a state.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time

from statelink.directory.source import DirectorySource
from statelink.errors import StatelinkError
from statelink.hub.message_id import new_message_id
from statelink.hub.routing_log import RoutingLog
from statelink.messages.envelope import Envelope
from statelink.messages.model import Message
from statelink.messages.response import HubResponse, StateAnswer, Status
from statelink.transport import Transport

log = logging.getLogger(__name__)

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
    ) -> None:
        self.directories = directories
        self.transport = transport
        self.routing_log = routing_log
        self.single_timeout = single_timeout
        self.nationwide_timeout = nationwide_timeout

    def destinations(self, message: Message) -> list[str]:
        """The states a message goes to: its list, or for NL every reachable state."""
        if message.nationwide:
            return sorted(self.transport.states())
        return list(message.dest)

    async def submit(self, message: Message) -> HubResponse:
        """Route one valid message; an ORI not in the directory is refused (fail closed)."""
        started = time.perf_counter()
        self.directories.current().require(message.ori)
        envelope = Envelope(
            message_id=new_message_id(),
            message=message,
            received_at=dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        )
        states = self.destinations(message)
        timeout = self.nationwide_timeout if message.nationwide else self.single_timeout
        if len(states) == 1:
            answers = [await self._ask(states[0], envelope, timeout)]
        else:
            answers = list(await asyncio.gather(*(self._ask(s, envelope, timeout) for s in states)))
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
        if log.isEnabledFor(logging.INFO):
            log.info(
                "message %s %s from %s to %d states: %s",
                envelope.message_id,
                message.mke,
                message.ori,
                len(states),
                response.counts(),
            )
        if self.routing_log is not None:
            self.routing_log.record(message, response)
        return response

    async def _ask(self, state: str, envelope: Envelope, timeout: float) -> StateAnswer:
        """One state's answer; any failure to get one is UNAVAILABLE for that state only."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(timeout):
                return await self.transport.deliver(state, envelope)
        except TimeoutError:
            detail = f"no answer within {timeout:g} s"
        except StatelinkError as e:
            detail = e.message
        except Exception:
            log.exception("node %s failed on message %s", state, envelope.message_id)
            detail = "the node failed while answering"
        return StateAnswer(
            state=state,
            status=Status.UNAVAILABLE,
            detail=detail,
            elapsed_ms=round((time.perf_counter() - started) * 1000, 3),
        )
