"""One state's node: checks a delivered message for itself, decides with its policy, answers.

A node never trusts the hub: it checks again that the requester is in its own copy of
the directory and that the message is addressed to it. It then decides with its own
policy, and searches its records only when the decision is permit.
"""

from __future__ import annotations

import logging
import time

from statelink.directory.source import DirectorySource
from statelink.messages.envelope import Envelope
from statelink.messages.response import StateAnswer, Status
from statelink.policy.decision_point import DecisionPoint
from statelink.policy.engine import Outcome
from statelink.records import RecordStore

log = logging.getLogger(__name__)

_STATUS = {Outcome.DENY: Status.DENIED, Outcome.HOLD: Status.HELD}


class StateNode:
    def __init__(
        self, state: str, records: RecordStore, directories: DirectorySource, policy: DecisionPoint
    ) -> None:
        self.state = state
        self.records = records
        self.directories = directories
        self.policy = policy

    async def handle(self, envelope: Envelope) -> StateAnswer:
        started = time.perf_counter()
        message = envelope.message
        agency = self.directories.current().get(message.ori)
        if agency is None:
            return self._refuse(started, f"unknown ORI {message.ori}")
        if not (message.nationwide or self.state in message.dest):
            return self._refuse(started, f"message is not addressed to {self.state}")
        decision = self.policy.decide(self.policy.request(message, agency))
        if decision.outcome is not Outcome.PERMIT:
            detail = ""
            if decision.outcome is Outcome.HOLD:
                detail = (
                    f"held for case-by-case review by {self.state}; nothing is released "
                    "unless a reviewer approves it"
                )
            return StateAnswer(
                state=self.state,
                status=_STATUS[decision.outcome],
                reasons=list(decision.policies),
                detail=detail,
                elapsed_ms=_ms_since(started),
            )
        if message.key.dataset == "driver":
            drivers = self.records.find_drivers(message.mke, message.fields)
            vehicles = []
        else:
            drivers = []
            vehicles = self.records.find_vehicles(message.mke, message.fields)
        return StateAnswer(
            state=self.state,
            status=Status.HIT if drivers or vehicles else Status.NO_HIT,
            drivers=drivers,
            vehicles=vehicles,
            elapsed_ms=_ms_since(started),
        )

    def _refuse(self, started: float, detail: str) -> StateAnswer:
        log.warning("node %s rejected a message: %s", self.state, detail)
        return StateAnswer(
            state=self.state, status=Status.REJECTED, detail=detail, elapsed_ms=_ms_since(started)
        )

    def close(self) -> None:
        self.records.close()
        self.policy.settings.close()


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
