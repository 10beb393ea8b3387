"""One state's node: checks a delivered message for itself, searches, answers.

A node never trusts the hub: it checks again that the requester is in its own copy of
the directory and that the message is addressed to it, and refuses otherwise.
"""

from __future__ import annotations

import logging
import time

from statelink.directory import Directory
from statelink.messages.envelope import Envelope
from statelink.messages.response import StateAnswer, Status
from statelink.records import RecordStore

log = logging.getLogger(__name__)


class StateNode:
    def __init__(self, state: str, records: RecordStore, directory: Directory) -> None:
        self.state = state
        self.records = records
        self.directory = directory

    async def handle(self, envelope: Envelope) -> StateAnswer:
        started = time.perf_counter()
        message = envelope.message
        if message.ori not in self.directory:
            return self._refuse(started, f"unknown ORI {message.ori}")
        if not (message.nationwide or self.state in message.dest):
            return self._refuse(started, f"message is not addressed to {self.state}")
        if message.key.dataset == "driver":
            drivers = self.records.find_drivers(message.mke, message.fields)
            vehicles = []
        else:
            drivers = []
            vehicles = self.records.find_vehicles(message.mke, message.fields)
        found = bool(drivers or vehicles)
        log.debug(
            "node %s answered %s: %s", self.state, envelope.message_id, "HIT" if found else "NO_HIT"
        )
        return StateAnswer(
            state=self.state,
            status=Status.HIT if found else Status.NO_HIT,
            drivers=drivers,
            vehicles=vehicles,
            elapsed_ms=_ms_since(started),
        )

    def _refuse(self, started: float, detail: str) -> StateAnswer:
        log.warning("node %s rejected a message: %s", self.state, detail)
        return StateAnswer(
            state=self.state, status=Status.REJECTED, detail=detail, elapsed_ms=_ms_since(started)
        )


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
