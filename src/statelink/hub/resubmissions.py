"""Resubmitted messages: the same member, ORI and control field within a window are one
message, on every hub replica.

An agency that loses the hub's answer (a dropped connection, a client timeout, a hub
replica that died) sends the message again with the same control field, perhaps to
another replica behind the load balancer. The first submission *claims* the key
(member, ORI, control field) in the hub database that every replica shares, with the
message id and the moment it was received; a resubmission finds the claim and is routed
again under that same id, marked ``resubmitted``, so each state's node answers it from
its audit log instead of deciding and logging it twice (:mod:`statelink.node.redelivery`).
The answers themselves are never stored by the hub (they may hold records).

The same control field on a *different* message within the window is refused (409),
since the agency's reference would otherwise name two queries. Messages without a
control field are never matched. If the database cannot be reached, the message is
refused (503): without the claim a retry could be decided twice.

A claim is one statement, compiled once (an upsert that returns the claim in force), run
off the event loop in autocommit: one round trip. On PostgreSQL its session commits
without waiting for the WAL flush (``synchronous_commit = off``): every replica sees it
at once, and only a crash of the database server itself could lose the last fraction
of a second of claims (a retry of one of those would be routed as a new message, so a
state that had answered it would log it a second time).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from statelink.errors import ControlReused, HubStoreUnavailable
from statelink.hub.routing_log import claims
from statelink.messages.model import Message
from statelink.store.driver import insert_for

DEFAULT_WINDOW = 600.0
PURGE_SECONDS = 60.0


@dataclass(frozen=True)
class Claim:
    """The id and arrival time a message is routed under; ``resubmitted`` when it was
    claimed before (by this replica or another)."""

    message_id: str
    received_at: str
    resubmitted: bool


def digest(message: Message) -> str:
    """The message's content, as the claim compares it."""
    return hashlib.sha256(orjson.dumps(message.to_json(), option=orjson.OPT_SORT_KEYS)).hexdigest()


class Resubmissions:
    def __init__(self, engine: Engine, *, window: float = DEFAULT_WINDOW) -> None:
        """Claims on ``engine`` (give it one of its own: its PostgreSQL sessions commit
        without waiting for the WAL flush)."""
        if engine.dialect.name == "postgresql":
            event.listen(engine, "connect", _asynchronous_commit)
        self.engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.window = window
        compiled = _statement(engine.dialect).compile(dialect=engine.dialect)
        self._sql = str(compiled)
        self._order = compiled.positiontup if compiled.positional else None
        self._purged = 0.0

    async def claim(
        self, member: str, message: Message, message_id: str, received_at: str
    ) -> Claim:
        """Claim the message's key for ``message_id``, or find the claim made before."""
        if not message.control or self.window <= 0:
            return Claim(message_id, received_at, resubmitted=False)
        return await asyncio.to_thread(self._claim, member, message, message_id, received_at)

    def _claim(self, member: str, message: Message, message_id: str, received_at: str) -> Claim:
        now = time.time()
        given = digest(message)
        try:  # one statement, one round trip (autocommit)
            with self.engine.connect() as conn:
                row = conn.exec_driver_sql(
                    self._sql,
                    self._parameters(
                        (member, message.ori, message.control, given, message_id, received_at),
                        now,
                    ),
                ).one()
                if now - self._purged > PURGE_SECONDS:
                    conn.execute(claims.delete().where(claims.c.expires < now))
                    self._purged = now
        except sa.exc.SQLAlchemyError as e:
            raise HubStoreUnavailable(
                f"the hub's database could not be reached ({type(e).__name__}); "
                "nothing was sent: send the message again"
            ) from e
        if row.message_id == message_id:
            return Claim(message_id, received_at, resubmitted=False)
        if row.digest != given:
            raise ControlReused(message.ori, message.control, self.window)
        return Claim(row.message_id, row.received_at, resubmitted=True)

    def _parameters(self, values: tuple[str, ...], now: float) -> Any:
        named: dict[str, str | float] = dict(zip(_COLUMNS, values, strict=True))
        named.update(expires=now + self.window, now=now)
        return tuple(named[k] for k in self._order) if self._order else named


_COLUMNS = ("member", "ori", "control", "digest", "message_id", "received_at")


def _asynchronous_commit(dbapi_connection: Any, _record: Any) -> None:
    """A claims session's commits are visible at once and durable a moment later."""
    cursor = dbapi_connection.cursor()
    cursor.execute("SET synchronous_commit = off")
    cursor.close()
    dbapi_connection.commit()


def _statement(dialect: sa.Dialect) -> sa.Insert:
    """One statement, compiled once: insert the claim, or take over an expired one, and
    return the claim in force (the one just made, or the live one made before)."""
    values: dict[str, Any] = {name: sa.bindparam(name) for name in (*_COLUMNS, "expires")}
    statement = insert_for(dialect)(claims).values(**values)
    expired = claims.c.expires < sa.bindparam("now")
    taken = {
        name: sa.case((expired, statement.excluded[name]), else_=claims.c[name])
        for name in ("digest", "message_id", "received_at", "expires")
    }
    upsert: sa.Insert = statement.on_conflict_do_update(
        index_elements=[claims.c.member, claims.c.ori, claims.c.control], set_=taken
    ).returning(claims.c.digest, claims.c.message_id, claims.c.received_at)
    return upsert
