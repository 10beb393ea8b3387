"""Dashboard sessions, kept by the server so that they can be ended.

A session is a random id (``secrets.token_urlsafe(32)``, 256 bits) that the browser holds
in the dashboard's signed cookie. The store keeps only the id's SHA-256 (as the hub does
for member tokens: a slow hash adds nothing against guessing 2^256), the account, when
the session began and was last seen, and when it ends: :data:`SESSION_HOURS` after
signing in, however busy it is. A cookie whose session is not in the store opens nothing.

The store is a SQLite file in the data folder (``sessions.sqlite``, readable by its
owner only), shared by the dashboard and the ``statelink accounts`` commands, which run
in other processes: signing out ends one session; a password change, a replaced account
or a removed one ends all of the account's sessions; an expired session is refused and
deleted when it is next presented, and every sign-in clears out the expired ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.schema import CreateIndex, CreateTable

from statelink.errors import StoreError
from statelink.store.engine import Where, engine_for

SESSION_HOURS = 8
"""How long a session lasts after signing in (an absolute limit, not an idle one)."""
SEEN_EVERY = dt.timedelta(minutes=1)
"""A session's last-seen time is written at most this often, so pages seldom write."""
MAX_ID = 100
"""No session id is longer (ours are 43 characters); a longer one is not looked up."""

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


metadata = sa.MetaData()
dashboard_session = sa.Table(
    "dashboard_session",
    metadata,
    sa.Column("id_sha256", sa.String(64), primary_key=True),
    sa.Column("account", sa.String(40), nullable=False, index=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),  # Unix seconds (UTC)
    sa.Column("last_seen_at", sa.BigInteger, nullable=False),
    sa.Column("expires_at", sa.BigInteger, nullable=False, index=True),
)
_c = dashboard_session.c


@dataclass(frozen=True)
class Session:
    """A live session: whose it is, when it began, was last seen, and ends."""

    account: str
    created: dt.datetime
    last_seen: dt.datetime
    expires: dt.datetime


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def _seconds(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def _moment(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


class SessionStore:
    """The dashboard's sessions in one database (see the module's description)."""

    def __init__(self, engine: Engine, *, clock: Clock = utc_now) -> None:
        self._engine = engine
        self._clock = clock

    @classmethod
    def open(cls, where: Where, *, clock: Clock = utc_now) -> SessionStore:
        """The store at ``where`` (a SQLite file, made owner-only, or a database URL),
        its table created if missing."""
        if isinstance(where, Path) and not where.exists():
            where.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(where, os.O_WRONLY | os.O_CREAT, 0o600))
        store = cls(engine_for(where), clock=clock)
        with store._connection("opened") as conn:  # IF NOT EXISTS: another process may too
            conn.execute(CreateTable(dashboard_session, if_not_exists=True))
            for index in dashboard_session.indexes:
                conn.execute(CreateIndex(index, if_not_exists=True))
        return store

    def start(self, account: str) -> str:
        """Begin a new session for ``account``; its id (the only copy: the store keeps a
        hash). Sessions past their end are cleared out on the way."""
        session_id = secrets.token_urlsafe(32)
        now = _seconds(self._clock())
        with self._connection("written") as conn:
            conn.execute(dashboard_session.delete().where(_c.expires_at <= now))
            conn.execute(
                dashboard_session.insert().values(
                    id_sha256=_hash(session_id),
                    account=account,
                    created_at=now,
                    last_seen_at=now,
                    expires_at=now + SESSION_HOURS * 3600,
                )
            )
        return session_id

    def find(self, session_id: str) -> Session | None:
        """The live session with this id (its last-seen time brought up to date), or None:
        unknown, ended, or expired (then it is deleted)."""
        if not session_id or len(session_id) > MAX_ID:
            return None
        key = _hash(session_id)
        now = _seconds(self._clock())
        with self._connection("read") as conn:
            row = conn.execute(sa.select(dashboard_session).where(_c.id_sha256 == key)).first()
        if row is None:
            return None
        seen = row.last_seen_at
        if row.expires_at <= now or now - seen >= SEEN_EVERY.total_seconds():
            # a write of its own (not a read turned write, which SQLite may refuse at once)
            mine = _c.id_sha256 == key
            with self._connection("written") as conn:
                if row.expires_at <= now:
                    conn.execute(dashboard_session.delete().where(mine))
                    return None
                seen_now = dashboard_session.update().where(mine).values(last_seen_at=now)
                if not conn.execute(seen_now).rowcount:
                    return None  # ended a moment ago
            seen = now
        return Session(row.account, _moment(row.created_at), _moment(seen), _moment(row.expires_at))

    def end(self, session_id: str) -> bool:
        """End one session (signing out); whether it was live."""
        with self._connection("written") as conn:
            gone = conn.execute(dashboard_session.delete().where(_c.id_sha256 == _hash(session_id)))
        return bool(gone.rowcount)

    def end_all(self, account: str) -> int:
        """End every session of ``account``; how many there were."""
        with self._connection("written") as conn:
            gone = conn.execute(dashboard_session.delete().where(_c.account == account))
        return int(gone.rowcount)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> SessionStore:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def _connection(self, done: str) -> Iterator[Connection]:
        """One transaction; a database error becomes a :class:`StoreError` saying what
        could not be ``done`` ("read", "written")."""
        try:
            with self._engine.begin() as conn:
                yield conn
        except sa.exc.SQLAlchemyError as e:
            raise StoreError(f"dashboard sessions could not be {done}: {type(e).__name__}") from e
