"""A readiness probe of a database: one query, on a connection of its own, in bounded time.

:mod:`statelink.web.operations` asks these before it answers ``/ready``: the hub's database,
a node's database and its audit store. A probe that fails says what is not ready, in words
(:class:`NotReady`); one that hangs is not joined by another, and never blocks the event loop
(the query runs in a thread).
"""

from __future__ import annotations

import asyncio
import math
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
import structlog
from sqlalchemy.pool import NullPool

from statelink.store import Where
from statelink.store.engine import database_url

log = structlog.get_logger(__name__)

PROBE_SECONDS = 2.0
"""How long a readiness probe waits for a database."""


class NotReady(Exception):
    """A probe's answer: what is not ready, in words."""


class DatabaseProbe:
    """One query against a database, on a connection of its own, within ``timeout``
    seconds; one at a time (a probe that hangs is not joined by another)."""

    def __init__(
        self,
        what: str,
        where: Where,
        query: sa.Executable,
        *,
        timeout: float = PROBE_SECONDS,
        missing_ok: bool = False,
    ) -> None:
        self.what = what
        self.where = where
        self.query = query
        self.timeout = timeout
        self.missing_ok = missing_ok  # a SQLite file made on first use may not exist yet
        self._engine = _probe_engine(where, timeout)
        self._running: asyncio.Future[Any] | None = None

    async def run(self) -> Any:
        """The query's first value (None if no row); raise NotReady if it failed."""
        if isinstance(self.where, Path) and not self.where.exists():
            if self.missing_ok and self.where.parent.is_dir():
                return None
            raise NotReady(f"{self.what} ({self.where}) does not exist")
        if self._running is not None and not self._running.done():
            raise NotReady(f"{self.what} has not answered a probe for over {self.timeout:g} s")
        running = asyncio.ensure_future(asyncio.to_thread(self._query))
        running.add_done_callback(_retrieved)
        self._running = running
        try:
            async with asyncio.timeout(self.timeout):
                return await asyncio.shield(running)
        except TimeoutError:
            raise NotReady(f"{self.what} did not answer within {self.timeout:g} s") from None
        except (sa.exc.SQLAlchemyError, OSError) as e:
            log.warning("probe_failed", what=self.what, error=str(e).splitlines()[0][:300])
            raise NotReady(f"{self.what} could not be read ({type(e).__name__})") from None

    async def not_ready(self) -> str | None:
        """What is not ready, in words (None: the query answered)."""
        try:
            await self.run()
        except NotReady as e:
            return str(e)
        return None

    def _query(self) -> Any:
        with self._engine.connect() as conn:
            return conn.execute(self.query).scalar()


def _retrieved(future: asyncio.Future[Any]) -> None:
    """Retrieve a probe's outcome even when no one waited for it (it timed out)."""
    if not future.cancelled():
        future.exception()


def _probe_engine(where: Where, timeout: float) -> sa.Engine:
    """An engine that opens a connection per probe (nothing pooled to go stale) and never
    creates a SQLite file."""
    if isinstance(where, Path):
        url = f"sqlite:///file:{quote(str(where))}?mode=rw&uri=true"
        args: dict[str, Any] = {"timeout": timeout}
    else:
        url = database_url(where)
        args = {"connect_timeout": max(2, math.ceil(timeout))} if "postgresql" in url else {}
    return sa.create_engine(url, poolclass=NullPool, hide_parameters=True, connect_args=args)
