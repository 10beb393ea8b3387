"""A state's notices to residents (``node.sqlite``).

When a node releases a record to an agency in one of the state's notice groups, it owes
the person a letter within a number of business days. A notice keeps only what the
letter needs: the person's name and mailing address, which kind of record went to which
agency, when, and why. Not the date of birth, not the licence or plate number.

Life of a notice::

    due ──mark-sent──▶ sent ──retention ends──▶ (purged)
     ├──withhold (reason)──▶ withheld ──retention ends──▶ (purged)
     └──the release failed (audit)──▶ void (erased at once)

A due notice past its due date is *overdue*; that is read off the date, not stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from statelink.clock import wall_now
from statelink.errors import NotFound, UsageError
from statelink.messages.response import Address, DriverRecord, VehicleRecord
from statelink.notices.calendar import add_business_days
from statelink.store.table_store import TableStore

DUE, SENT, WITHHELD = "due", "sent", "withheld"
STATUSES = (DUE, SENT, WITHHELD)

metadata = sa.MetaData()
notice = sa.Table(
    "notice",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("message_id", sa.String(40), nullable=False, index=True),
    sa.Column("status", sa.String(10), nullable=False, index=True),
    sa.Column("released_on", sa.Date, nullable=False),
    sa.Column("due_on", sa.Date, nullable=False, index=True),
    sa.Column("ori", sa.String(9), nullable=False),
    sa.Column("agency", sa.String(120), nullable=False),
    sa.Column("purpose", sa.String(1), nullable=False),
    sa.Column("record_kind", sa.String(8), nullable=False),  # driver | vehicle
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("street", sa.String(120), nullable=False),
    sa.Column("city", sa.String(60), nullable=False),
    sa.Column("address_state", sa.String(2), nullable=False),
    sa.Column("zip", sa.String(10), nullable=False),
    sa.Column("reason", sa.String(300), nullable=False, server_default=""),  # why withheld
    sa.Column("closed_on", sa.Date, nullable=True),  # sent or withheld on
    sa.Column("purge_on", sa.Date, nullable=True),
)


def today() -> dt.date:
    """Today by the wall clock (UTC): the day pages and housekeeping read notices on. A
    notice's own days (released, due, closed) are given by whoever makes or closes it."""
    return wall_now().date()


@dataclass(frozen=True)
class Notice:
    id: int
    message_id: str
    status: str
    released_on: dt.date
    due_on: dt.date
    ori: str
    agency: str
    purpose: str
    record_kind: str
    name: str
    street: str
    city: str
    address_state: str
    zip: str
    reason: str
    closed_on: dt.date | None
    purge_on: dt.date | None

    def overdue(self, on: dt.date) -> bool:
        return self.status == DUE and self.due_on < on

    def as_dict(self, on: dt.date | None = None) -> dict[str, Any]:  # JSON boundary
        return {
            "id": self.id,
            "message_id": self.message_id,
            "status": self.status,
            "overdue": self.overdue(on or today()),
            "released_on": self.released_on.isoformat(),
            "due_on": self.due_on.isoformat(),
            "ori": self.ori,
            "agency": self.agency,
            "purpose": self.purpose,
            "record_kind": self.record_kind,
            "name": self.name,
            "street": self.street,
            "city": self.city,
            "state": self.address_state,
            "zip": self.zip,
            "reason": self.reason,
            "closed_on": self.closed_on.isoformat() if self.closed_on else None,
            "purge_on": self.purge_on.isoformat() if self.purge_on else None,
        }


@dataclass(frozen=True)
class Addressee:
    """Who a released record is about, as much as a letter needs."""

    record_kind: str
    name: str
    address: Address

    @classmethod
    def of(cls, records: Iterable[DriverRecord | VehicleRecord]) -> list[Addressee]:
        """One addressee per person and record kind (two cars of one owner: one letter)."""
        seen: dict[tuple[str, str, Address], Addressee] = {}
        for record in records:
            if isinstance(record, DriverRecord):
                who = cls("driver", record.name, record.address)
            else:
                who = cls("vehicle", record.owner_name, record.owner_address)
            seen.setdefault((who.record_kind, who.name, who.address), who)
        return list(seen.values())


class NoticeStore(TableStore):
    metadata = metadata
    migrations = "notices"
    what = "notices"

    # --- the node ----------------------------------------------------------------------

    def owe(
        self,
        *,
        message_id: str,
        ori: str,
        agency: str,
        purpose: str,
        addressees: list[Addressee],
        released_on: dt.date,
        business_days: int,
        holidays: Iterable[dt.date] = (),
    ) -> list[int]:
        """Create the notices a release owes; return their ids (to void if it fails)."""
        if not addressees:
            return []
        due = add_business_days(released_on, business_days, holidays)
        rows = [
            {
                "message_id": message_id,
                "status": DUE,
                "released_on": released_on,
                "due_on": due,
                "ori": ori,
                "agency": agency[:120],
                "purpose": purpose,
                "record_kind": who.record_kind,
                "name": who.name[:120],
                "street": who.address.street[:120],
                "city": who.address.city[:60],
                "address_state": who.address.state,
                "zip": who.address.zip,
            }
            for who in addressees
        ]
        with self._write() as conn:
            result = conn.execute(notice.insert().returning(notice.c.id), rows)
            return [int(i) for i in result.scalars()]

    def void(self, ids: list[int]) -> None:
        """Erase notices of a release that did not happen (its audit append failed)."""
        if ids:
            with self._write() as conn:
                conn.execute(notice.delete().where(notice.c.id.in_(ids)))

    # --- the state's staff -----------------------------------------------------------------

    def mark_sent(self, ids: Iterable[int], *, on: dt.date, retention_days: int) -> list[Notice]:
        return self._close(ids, SENT, "", on, retention_days)

    def withhold(
        self, ids: Iterable[int], *, reason: str, on: dt.date, retention_days: int
    ) -> list[Notice]:
        if not reason.strip():
            raise UsageError("withholding a notice needs a reason (e.g. the investigation)")
        return self._close(ids, WITHHELD, reason.strip()[:300], on, retention_days)

    def _close(
        self, ids: Iterable[int], status: str, reason: str, on: dt.date, retention_days: int
    ) -> list[Notice]:
        wanted = sorted(set(ids))
        if not wanted:
            raise UsageError("name at least one notice id (see `statelink notices list`)")
        found = {n.id: n for n in self._select(notice.c.id.in_(wanted))}
        missing = [i for i in wanted if i not in found]
        if missing:
            raise NotFound(f"{self.state} has no notice {', '.join(map(str, missing))}")
        closed = [i for i in wanted if found[i].status != DUE]
        if closed:
            raise UsageError(
                "only due notices can be marked sent or withheld; already closed: "
                + ", ".join(f"{i} ({found[i].status})" for i in closed)
            )
        early = [i for i in wanted if found[i].released_on > on]
        if early:
            raise UsageError(
                f"a notice cannot be closed on {on} before the release it tells of: "
                + ", ".join(f"{i} (released {found[i].released_on})" for i in early)
            )
        with self._write() as conn:
            conn.execute(
                notice.update()
                .where(notice.c.id.in_(wanted))
                .values(
                    status=status,
                    reason=reason,
                    closed_on=on,
                    purge_on=on + dt.timedelta(days=retention_days),
                )
            )
        return self._select(notice.c.id.in_(wanted))

    def purge(self, on: dt.date) -> int:
        """Delete closed notices whose retention has ended; return how many."""
        with self._write() as conn:
            done = conn.execute(
                notice.delete().where(notice.c.status != DUE, notice.c.purge_on <= on)
            ).rowcount
        return int(done)

    # --- reading ---------------------------------------------------------------------------

    def find(
        self,
        status: str | None = None,
        *,
        on: dt.date | None = None,
        ids: Iterable[int] = (),
        limit: int | None = None,
    ) -> list[Notice]:
        """Notices by status (``due``, ``overdue``, ``sent``, ``withheld``; None: all)."""
        conditions: list[sa.ColumnElement[bool]] = []
        if status == "overdue":
            conditions += [notice.c.status == DUE, notice.c.due_on < (on or today())]
        elif status is not None:
            if status not in STATUSES:
                raise UsageError(
                    f"notice status: expected one of due, overdue, sent, withheld; given {status!r}"
                )
            conditions.append(notice.c.status == status)
        wanted = list(ids)
        if wanted:
            conditions.append(notice.c.id.in_(wanted))
        return self._select(*conditions, limit=limit)

    def count(self, status: str | None = None, *, on: dt.date, match: str = "") -> int:
        """How many notices :meth:`search` finds (every page of it)."""
        query = sa.select(sa.func.count()).select_from(notice)
        return int(self._read(query.where(*_search(status, on, match)))[0][0])

    def search(
        self,
        status: str | None = None,
        *,
        on: dt.date,
        match: str = "",
        limit: int,
        offset: int = 0,
    ) -> list[Notice]:
        """One page of notices by due date: by status as :meth:`find` takes it, and, given
        ``match``, of an agency whose ORI starts with it or whose name contains it, or
        the notice of that number; ``limit`` rows after the first ``offset``."""
        query = sa.select(notice).where(*_search(status, on, match))
        query = query.order_by(notice.c.due_on, notice.c.id).limit(limit).offset(offset)
        return [Notice(**row._mapping) for row in self._read(query)]

    def get(self, notice_id: int) -> Notice:
        found = self._select(notice.c.id == notice_id)
        if not found:
            raise NotFound(f"{self.state} has no notice {notice_id}")
        return found[0]

    def _select(self, *where: sa.ColumnElement[bool], limit: int | None = None) -> list[Notice]:
        query = sa.select(notice).where(*where).order_by(notice.c.due_on, notice.c.id)
        if limit is not None:
            query = query.limit(limit)
        return [Notice(**row._mapping) for row in self._read(query)]


_MAX_ID = 2**31 - 1  # a notice number a database's integer column can hold


def _search(status: str | None, on: dt.date, match: str) -> list[sa.ColumnElement[bool]]:
    """The conditions of :meth:`NoticeStore.search`."""
    conditions: list[sa.ColumnElement[bool]] = []
    if status == "overdue":
        conditions += [notice.c.status == DUE, notice.c.due_on < on]
    elif status is not None:
        if status not in STATUSES:
            raise UsageError(
                "notice status: expected one of due, overdue, sent, withheld; "
                f"given {status[:40]!r}"
            )
        conditions.append(notice.c.status == status)
    text = match.strip()
    if text:
        literal = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        either: list[sa.ColumnElement[bool]] = [
            notice.c.ori.like(f"{literal.upper()}%", escape="\\"),
            notice.c.agency.ilike(f"%{literal}%", escape="\\"),
        ]
        if text.isascii() and text.isdigit() and len(text) <= 10 and int(text) <= _MAX_ID:
            either.append(notice.c.id == int(text))
        conditions.append(sa.or_(*either))
    return conditions
