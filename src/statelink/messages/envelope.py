"""What the hub hands a node: the message, the id the hub gave it, and when it arrived."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from statelink.messages.model import Message


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    message_id: str
    message: Message
    received_at: str  # UTC, ISO 8601, when the hub accepted the message
