"""Messages of contract 1: the query model, its text form, and responses."""

from statelink.messages.keys import MESSAGE_KEYS, MessageKey
from statelink.messages.model import Message, Warrant
from statelink.messages.response import HubResponse, StateAnswer, Status
from statelink.messages.text import decode, encode, parse_any

__all__ = [
    "MESSAGE_KEYS",
    "HubResponse",
    "Message",
    "MessageKey",
    "StateAnswer",
    "Status",
    "Warrant",
    "decode",
    "encode",
    "parse_any",
]
