"""The hub's routing log: metadata only (who sent what to which states, what came back).

It holds no search fields and no records: the content and the decision are each owner
state's to log. Rows are kept in memory and written in batches on the hub's event loop
(every ``flush_every`` rows or ``flush_seconds`` seconds, and at close); the hub never
waits for them, and no thread competes with the query path.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import structlog

from statelink.audit.record import utc_now
from statelink.messages.model import Message
from statelink.messages.response import HubResponse, Status
from statelink.store import Where, engine_for
from statelink.store.driver import BulkInsert
from statelink.store.migration import migrate

log = structlog.get_logger(__name__)

metadata = sa.MetaData()
routing = sa.Table(
    "routing",
    metadata,
    sa.Column("message_id", sa.String(40), primary_key=True),
    sa.Column("time", sa.String(30), nullable=False),
    sa.Column("ori", sa.String(9), nullable=False),
    sa.Column("control", sa.String(10), nullable=False),
    sa.Column("mke", sa.String(3), nullable=False),
    sa.Column("dest", sa.String(20), nullable=False),  # as sent: WA,OR or NL
    sa.Column("purpose", sa.String(1), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),  # {"WA": "HIT", ...}
    sa.Column("elapsed_ms", sa.Float, nullable=False),
    sa.Index("ix_routing_ori_time", "ori", "time"),
)


@dataclass(frozen=True)
class Routed:
    """One message as the hub routed it: metadata only, never content."""

    message_id: str
    time: str
    ori: str
    control: str
    mke: str
    dest: str  # as sent: WA,OR or NL
    purpose: str
    summary: str  # JSON: {"WA": "HIT", ...}
    elapsed_ms: float

    @property
    def statuses(self) -> dict[str, Status]:
        return {state: Status(v) for state, v in json.loads(self.summary).items()}


class RoutingLog:
    def __init__(self, where: Where, *, flush_every: int = 500, flush_seconds: float = 1.0) -> None:
        self._engine = engine_for(where)
        migrate(self._engine, "routing", list(metadata.tables))
        self._insert = BulkInsert(routing, self._engine.dialect)
        self._rows: list[tuple[Any, ...]] = []
        self._flush_every = flush_every
        self._flush_seconds = flush_seconds
        self._timer: asyncio.TimerHandle | None = None

    def record(self, message: Message, response: HubResponse) -> None:
        summary = {s: status.value for s, status in response.summary.items()}
        self._rows.append(
            (
                response.message_id,
                utc_now(),
                message.ori,
                message.control,
                message.mke,
                ",".join(message.dest),
                message.purpose,
                json.dumps(summary),
                response.elapsed_ms,
            )
        )
        if len(self._rows) >= self._flush_every:
            self.flush()
        elif self._timer is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return
            self._timer = loop.call_later(self._flush_seconds, self.flush)

    def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        rows, self._rows = self._rows, []
        if not rows:
            return
        try:
            with self._engine.begin() as conn:
                self._insert.run(conn, rows)
        except sa.exc.SQLAlchemyError as e:
            log.error("routing_log_not_written", rows=len(rows), error=str(e))

    def find(self, message_id: str) -> Routed | None:
        """One message's row (buffered or written), or None."""
        for row in reversed(self._rows):
            if row[0] == message_id:
                return Routed(*row)
        with self._engine.connect() as conn:
            found = conn.execute(
                sa.select(routing).where(routing.c.message_id == message_id)
            ).first()
        return Routed(*found) if found else None

    def rows(self, limit: int = 100) -> list[Routed]:
        self.flush()
        with self._engine.connect() as conn:
            result = conn.execute(sa.select(routing).order_by(routing.c.time.desc()).limit(limit))
            return [Routed(*r) for r in result]

    def close(self) -> None:
        self.flush()
        self._engine.dispose()
