"""A held PostgreSQL session advisory lock (the audit log's one-writer lock)."""

from __future__ import annotations

import sqlalchemy as sa


class AdvisoryLock:
    """A held PostgreSQL advisory lock; ``close()`` releases it and its connection."""

    def __init__(self, conn: sa.Connection, key: int) -> None:
        self._conn = conn
        self._key = key

    def close(self) -> None:
        try:
            self._conn.execute(sa.select(sa.func.pg_advisory_unlock(self._key)))
            self._conn.commit()
        except sa.exc.SQLAlchemyError:
            self._conn.invalidate()  # the session ends, and the lock with it
        finally:
            self._conn.close()
