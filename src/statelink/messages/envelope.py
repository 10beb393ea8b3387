"""What the hub hands a node: the message, the id the hub gave it, when it arrived, and
whether it is a resubmission of a message the hub already gave that id."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from statelink.messages.model import Message


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    message_id: str
    message: Message
    received_at: str  # UTC, ISO 8601, when the hub accepted the message
    resubmitted: bool = False
    """The sender sent this message before (same member, ORI, control field and content):
    a node that already answered it answers again from its audit log, without deciding
    or logging it a second time (see :mod:`statelink.node.redelivery`)."""
