"""The hub's routing log: metadata only (who sent what to which states, what came back).

It holds no search fields and no records: the content and the decision are each owner
state's to log. Two tables, shared by every hub replica on the same database:

- ``routing``: one row per message id (the first delivery to be written wins): the
  sending ORI and member, the control field, the destinations and the per-state summary;
- ``deliveries``: one row per delivery of an answer, a resubmission's too: the member
  that received it, the replica that routed it, and that delivery's summary.

The resubmission claims (:mod:`statelink.hub.resubmissions`) live in the same store.
Rows are kept in memory and written in batches on the hub's event loop (every
``flush_every`` rows or ``flush_seconds`` seconds, and at close); the hub never waits
for them, and no thread competes with the query path. A replica killed outright loses
the rows of its last ``flush_seconds`` (metadata only: every state's node has logged its
own record of each message before answering).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import structlog

from statelink.audit.record import utc_now
from statelink.hub.message_id import new_message_id
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
    sa.Column("member", sa.String(63), nullable=False, server_default=""),
    sa.Column("replica", sa.String(63), nullable=False, server_default=""),
    sa.Index("ix_routing_ori_time", "ori", "time"),
)
deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("delivery", sa.String(40), primary_key=True),
    sa.Column("message_id", sa.String(40), nullable=False, index=True),
    sa.Column("time", sa.String(30), nullable=False),
    sa.Column("member", sa.String(63), nullable=False),
    sa.Column("replica", sa.String(63), nullable=False),
    sa.Column("resubmitted", sa.Boolean, nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
)
claims = sa.Table(
    "claims",
    metadata,
    sa.Column("member", sa.String(63), primary_key=True),
    sa.Column("ori", sa.String(9), primary_key=True),
    sa.Column("control", sa.String(10), primary_key=True),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("message_id", sa.String(40), nullable=False),
    sa.Column("received_at", sa.String(30), nullable=False),
    sa.Column("expires", sa.Float, nullable=False, index=True),
)


@dataclass(frozen=True)
class Delivery:
    """One delivery of an answer: to which member, by which replica, a resubmission or not."""

    delivery: str
    message_id: str
    time: str
    member: str
    replica: str
    resubmitted: bool
    summary: str


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
    member: str = ""  # the hub member that sent it ("" in the embedded mode)
    replica: str = ""  # the hub replica that routed it first

    @property
    def statuses(self) -> dict[str, Status]:
        return {state: Status(v) for state, v in json.loads(self.summary).items()}


class RoutingLog:
    def __init__(
        self,
        where: Where,
        *,
        replica: str = "",
        flush_every: int = 500,
        flush_seconds: float = 1.0,
    ) -> None:
        self.engine = engine_for(where)
        migrate(self.engine, "routing", ["routing"])
        self.replica = replica
        self._insert = BulkInsert(routing, self.engine.dialect, skip_existing=True)
        self._deliver = BulkInsert(deliveries, self.engine.dialect)
        self._rows: list[tuple[Any, ...]] = []
        self._deliveries: list[tuple[Any, ...]] = []
        self._flush_every = flush_every
        self._flush_seconds = flush_seconds
        self._timer: asyncio.TimerHandle | None = None

    def record(
        self,
        message: Message,
        response: HubResponse,
        *,
        member: str = "",
        resubmitted: bool = False,
    ) -> None:
        """Log one delivery of ``response`` to ``member`` (and the message's row, unless a
        delivery of it was logged before)."""
        summary = json.dumps({s: status.value for s, status in response.summary.items()})
        now = utc_now()
        self._rows.append(
            (
                response.message_id,
                now,
                message.ori,
                message.control,
                message.mke,
                ",".join(message.dest),
                message.purpose,
                summary,
                response.elapsed_ms,
                member,
                self.replica,
            )
        )
        self._deliveries.append(
            (new_message_id(), response.message_id, now, member, self.replica, resubmitted, summary)
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
        delivered, self._deliveries = self._deliveries, []
        if not rows:
            return
        try:
            with self.engine.begin() as conn:
                self._insert.run(conn, rows)
                self._deliver.run(conn, delivered)
        except sa.exc.SQLAlchemyError as e:
            log.error("routing_log_not_written", rows=len(rows), error=type(e).__name__)

    def find(self, message_id: str) -> Routed | None:
        """One message's row (buffered or written), or None."""
        for row in reversed(self._rows):
            if row[0] == message_id:
                return Routed(*row)
        with self.engine.connect() as conn:
            found = conn.execute(
                sa.select(routing).where(routing.c.message_id == message_id)
            ).first()
        return Routed(*found) if found else None

    def rows(self, limit: int = 100) -> list[Routed]:
        self.flush()
        with self.engine.connect() as conn:
            result = conn.execute(sa.select(routing).order_by(routing.c.time.desc()).limit(limit))
            return [Routed(*r) for r in result]

    def deliveries(self, message_id: str) -> list[Delivery]:
        """Every delivery of a message's answer written so far, oldest first."""
        self.flush()
        query = (
            sa.select(deliveries)
            .where(deliveries.c.message_id == message_id)
            .order_by(deliveries.c.time)
        )
        with self.engine.connect() as conn:
            return [Delivery(*r) for r in conn.execute(query)]

    def close(self) -> None:
        self.flush()
        self.engine.dispose()
