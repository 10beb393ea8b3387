"""Message ids: 32 hex characters, sortable by time (48-bit ms timestamp, then 80 random bits)."""

from __future__ import annotations

import secrets
import time


def new_message_id() -> str:
    return f"{time.time_ns() // 1_000_000:012X}{secrets.token_hex(10).upper()}"
