"""A state's own policy settings, kept with its node (``states/XX/node.sqlite``).

- **serious-crime ranges**: NCIC offense codes the state counts as serious crime, which
  make ``context.serious_crime`` true;
- **certifications**: which agencies have a current certification on file with the
  state (``context.certified``), with validity dates, document reference and signer;
- **notice groups**: agency groups whose access to a record owes the person a notice;
- **numbers**: review expiry hours, notice business days, notice retention days;
- **holidays**: the state's own, besides the federal ones, for counting business days;
- **contact**: whom residents write to about a letter, printed in every letter.

Every change is checked here (:mod:`statelink.policy.limits`,
:mod:`statelink.policy.contact`), whoever makes it: a value a setting may not have is a
one-line :class:`UsageError` naming the setting, the value and what is allowed.

The hot path reads a :class:`Snapshot`, rebuilt only when the settings change.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from statelink.errors import NotFound, StoreError, UsageError
from statelink.filewatch import FileWatch
from statelink.messages import fields as rules
from statelink.policy.contact import Contact
from statelink.policy.limits import (
    NUMBERS,
    RANGE_FORM,
    check_groups,
    check_holiday,
    check_number,
    check_ranges,
    refuse,
)
from statelink.store import Where, engine_for
from statelink.store.migration import migrate
from statelink.store.table_store import TableStore

DEFAULT_SERIOUS_CRIME: tuple[tuple[str, str, str], ...] = (
    ("0900", "0999", "homicide"),
    ("1000", "1099", "kidnapping"),
    ("1100", "1199", "sexual assault"),
    ("1200", "1299", "robbery"),
    ("1300", "1399", "aggravated assault"),
    ("6400", "6499", "human trafficking"),
)

metadata = sa.MetaData()
serious_crime = sa.Table(
    "serious_crime",
    metadata,
    sa.Column("first", sa.String(4), primary_key=True),
    sa.Column("last", sa.String(4), nullable=False),
    sa.Column("label", sa.String(60), nullable=False, server_default=""),
)
certification = sa.Table(
    "certification",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("ori", sa.String(9), nullable=False, index=True),
    sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("valid_to", sa.Date, nullable=False),
    sa.Column("document", sa.String(200), nullable=False, server_default=""),
    sa.Column("signer", sa.String(120), nullable=False, server_default=""),
    sa.Column("revoked_at", sa.DateTime, nullable=True),
    sa.Column("revoked_reason", sa.String(200), nullable=False, server_default=""),
)
notice_group = sa.Table(
    "notice_group",
    metadata,
    sa.Column("name", sa.String(63), primary_key=True),
)
setting = sa.Table(
    "setting",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("value", sa.Integer, nullable=False),
)
holiday = sa.Table(
    "holiday",
    metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("name", sa.String(80), nullable=False, server_default=""),
)
contact = sa.Table(  # settings_0002: one row (id 1), or none while the state has not set it
    "contact",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("address", sa.String(510), nullable=False, server_default=""),  # lines, by \n
    sa.Column("email", sa.String(254), nullable=False, server_default=""),
    sa.Column("phone", sa.String(40), nullable=False, server_default=""),
    sa.Column("web", sa.String(200), nullable=False, server_default=""),
)
FIRST_TABLES = ("certification", "holiday", "notice_group", "serious_crime", "setting")
"""The tables of the first revision: a file made before migrations has these (and not
the later ``contact``), so it is stamped at that revision, then upgraded."""

_RANGE = re.compile(r"(\d{4})(?:-(\d{4}))?")


@dataclass(frozen=True)
class Certification:
    id: int
    ori: str
    valid_from: dt.date
    valid_to: dt.date
    document: str
    signer: str
    revoked_at: dt.datetime | None
    revoked_reason: str

    @property
    def last_day(self) -> dt.date:
        """The last day it counts: its last valid day, or the day before its revocation
        (a revocation counts from the day it is made)."""
        if self.revoked_at is None:
            return self.valid_to
        return min(self.valid_to, self.revoked_at.date() - dt.timedelta(days=1))

    def current(self, on: dt.date) -> bool:
        return self.valid_from <= on <= self.last_day

    def status(self, on: dt.date, within_days: int = 30) -> str:
        """One of :data:`CERTIFICATION_STATUSES` on the day ``on`` (``ending``: current,
        and its last day is within ``within_days``)."""
        if self.revoked_at is not None:
            return "revoked"
        if self.valid_to < on:
            return "lapsed"
        if self.valid_from > on:
            return "future"
        return "ending" if self.valid_to <= on + dt.timedelta(days=within_days) else "current"

    def as_dict(self) -> dict[str, str | int | None]:
        return {
            "id": self.id,
            "ori": self.ori,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat(),
            "document": self.document,
            "signer": self.signer,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "revoked_reason": self.revoked_reason,
        }


def _escape_like(text: str) -> str:
    """``text`` matched literally in a LIKE pattern (with ``escape="\\"``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


CERTIFICATION_STATUSES = ("current", "ending", "lapsed", "revoked", "future")
"""A certification's status on a day: ``ending`` is current with its last day near,
``future`` not valid yet."""
CERTIFICATION_ORDERS = ("ends", "ori")
"""How a search lists certifications: soonest last day first, or by agency."""


@dataclass(frozen=True)
class CertificationSearch:
    """Which certifications a search finds, on the day ``on``: those with ``status`` (one
    of :data:`CERTIFICATION_STATUSES`; None: every one), and, when ``match`` is given,
    of an agency whose ORI starts with it or that is one of ``oris`` (say, the agencies
    whose names matched). ``order``: one of :data:`CERTIFICATION_ORDERS`."""

    on: dt.date
    status: str | None = None
    match: str | None = None
    oris: tuple[str, ...] = ()
    within_days: int = 30
    order: str = "ends"

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        c = certification.c
        live = c.revoked_at.is_(None)
        current = sa.and_(live, c.valid_from <= self.on, c.valid_to >= self.on)
        soon = self.on + dt.timedelta(days=self.within_days)
        by_status: dict[str, sa.ColumnElement[bool]] = {
            "current": current,
            "ending": sa.and_(current, c.valid_to <= soon),
            "lapsed": sa.and_(live, c.valid_to < self.on),
            "revoked": c.revoked_at.is_not(None),
            "future": sa.and_(live, c.valid_from > self.on),
        }
        if self.status is not None and self.status not in by_status:
            raise UsageError(
                f"certification status: expected one of {', '.join(CERTIFICATION_STATUSES)}, "
                f"given {self.status[:40]!r}"
            )
        found = [by_status[self.status]] if self.status is not None else []
        if self.match is not None:
            prefix = _escape_like(self.match.upper())
            either: list[sa.ColumnElement[bool]] = [c.ori.like(f"{prefix}%", escape="\\")]
            if self.oris:
                named: sa.BindParameter[list[str]] = sa.bindparam(
                    "oris", list(self.oris), expanding=True, literal_execute=True
                )
                either.append(c.ori.in_(named))
            found.append(sa.or_(*either))
        return found

    def ordering(self) -> tuple[sa.ColumnElement[Any], ...]:
        c = certification.c
        if self.order not in CERTIFICATION_ORDERS:
            raise UsageError(
                f"order: expected one of {', '.join(CERTIFICATION_ORDERS)}, "
                f"given {self.order[:40]!r}"
            )
        return (c.valid_to, c.ori, c.id) if self.order == "ends" else (c.ori, c.id)


@dataclass(frozen=True)
class Snapshot:
    """What the policy context needs from the settings, for fast lookups."""

    serious: tuple[tuple[str, str], ...]
    certified_until: dict[str, list[tuple[dt.date, dt.date]]] = field(default_factory=dict)
    notice_groups: frozenset[str] = frozenset()
    review_hours: int = NUMBERS["review_hours"].default
    notice_days: int = NUMBERS["notice_days"].default
    holidays: tuple[dt.date, ...] = ()  # the state's own (federal ones are always counted)

    def is_serious(self, offense: str) -> bool:
        return bool(offense) and any(first <= offense <= last for first, last in self.serious)

    def is_certified(self, ori: str, on: dt.date) -> bool:
        return any(start <= on <= end for start, end in self.certified_until.get(ori, ()))


def parse_ranges(values: Iterable[str]) -> list[tuple[str, str]]:
    """``0900-0999`` or ``6401`` strings as (first, last) offense-code pairs."""
    ranges = []
    for value in values:
        for part in value.replace(",", " ").split():
            found = _RANGE.fullmatch(part.strip())
            if not found:
                raise refuse("serious-crime range", RANGE_FORM, repr(part))
            ranges.append((found.group(1), found.group(2) or found.group(1)))
    return check_ranges(ranges)


class StateSettings(TableStore):
    """The settings store of one state."""

    what = "settings"
    metadata = metadata
    migrations = "settings"

    def __init__(
        self, state: str, engine: Engine, where: Where, *, owns_engine: bool = False
    ) -> None:
        super().__init__(state, engine, owns_engine=owns_engine)
        self.where = where

    @classmethod
    def open(cls, state: str, where: Where) -> StateSettings:
        """Open (creating with defaults if new) the settings of a state on their own engine;
        a node opens them with its other stores (NodeDatabase)."""
        store = cls(state, engine_for(where), where, owns_engine=True)
        store.create()
        return store

    def create(self) -> None:
        """Create or migrate the tables; new settings get the default serious crime."""
        if self._migrate():
            self.set_serious_crime([(a, b) for a, b, _ in DEFAULT_SERIOUS_CRIME])

    def _migrate(self) -> bool:
        """As every store does, except that a file made before migrations is recognised by
        the tables of the first revision (:data:`FIRST_TABLES`), not by today's."""
        try:
            return migrate(self._engine, self.migrations, list(FIRST_TABLES))
        except sa.exc.SQLAlchemyError as e:
            raise StoreError(
                f"{self.state} {self.what} could not be opened: {type(e).__name__}"
            ) from e

    # --- serious crime ----------------------------------------------------------

    def serious_crime(self) -> list[tuple[str, str, str]]:
        rows = self._read(sa.select(serious_crime).order_by(serious_crime.c.first))
        return [(r.first, r.last, r.label) for r in rows]

    def set_serious_crime(self, ranges: list[tuple[str, str]]) -> None:
        """Replace the ranges (4-digit NCIC offense codes, low to high; at least one)."""
        ranges = check_ranges(ranges)
        labels = {(a, b): label for a, b, label in DEFAULT_SERIOUS_CRIME}
        with self._write() as conn:
            conn.execute(serious_crime.delete())
            conn.execute(
                serious_crime.insert(),
                [{"first": a, "last": b, "label": labels.get((a, b), "")} for a, b in ranges],
            )

    # --- certifications -----------------------------------------------------------

    def certifications(self, ori: str | None = None) -> list[Certification]:
        query = sa.select(certification).order_by(certification.c.ori, certification.c.id)
        if ori is not None:
            query = query.where(certification.c.ori == ori)
        return [Certification(**row._mapping) for row in self._read(query)]

    def add_certification(
        self,
        ori: str,
        valid_from: dt.date,
        valid_to: dt.date,
        *,
        document: str = "",
        signer: str = "",
    ) -> Certification:
        try:
            ori = rules.ori(ori)
        except rules.Unexpected as e:
            raise UsageError(f"--ori: expected {e.expected}, given {ori!r}") from None
        if valid_to < valid_from:
            raise UsageError(f"a certification ends after it starts: {valid_from} to {valid_to}")
        with self._write() as conn:
            key = conn.execute(
                certification.insert().values(
                    ori=ori,
                    valid_from=valid_from,
                    valid_to=valid_to,
                    document=document,
                    signer=signer,
                )
            ).inserted_primary_key
        assert key is not None
        return next(c for c in self.certifications(ori) if c.id == key[0])

    def add_certifications(self, rows: list[dict[str, object]]) -> None:
        """Bulk insert (the demo's seed): dicts with ori, valid_from, valid_to, ..."""
        with self._write() as conn:
            conn.execute(certification.insert(), rows)

    def revoke(self, ori: str, reason: str, at: dt.datetime | None = None) -> int:
        """Revoke every unrevoked certification of an agency; return how many."""
        when = at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
        with self._write() as conn:
            done = conn.execute(
                certification.update()
                .where(certification.c.ori == ori.upper(), certification.c.revoked_at.is_(None))
                .values(revoked_at=when, revoked_reason=reason)
            ).rowcount
        if not done:
            raise NotFound(f"{self.state} has no unrevoked certification for {ori.upper()}")
        return int(done)

    def expiring(self, on: dt.date, within_days: int) -> list[Certification]:
        """Current certifications that end within ``within_days`` of ``on``."""
        end = on + dt.timedelta(days=within_days)
        return [c for c in self.certifications() if c.current(on) and c.valid_to <= end]

    def count_certifications(self, search: CertificationSearch) -> int:
        """How many certifications ``search`` finds."""
        query = sa.select(sa.func.count()).select_from(certification)
        return int(self._read(query.where(*search.conditions()))[0][0])

    def find_certifications(
        self, search: CertificationSearch, *, limit: int, offset: int = 0
    ) -> list[Certification]:
        """One page of what ``search`` finds: ``limit`` rows after the first ``offset``."""
        query = (
            sa.select(certification)
            .where(*search.conditions())
            .order_by(*search.ordering())
            .limit(limit)
            .offset(offset)
        )
        return [Certification(**row._mapping) for row in self._read(query)]

    # --- notice groups --------------------------------------------------------------

    def notice_groups(self) -> list[str]:
        return [r.name for r in self._read(sa.select(notice_group).order_by(notice_group.c.name))]

    def set_notice_groups(
        self, groups: Iterable[str], *, known: Collection[str] | None = None
    ) -> None:
        """Replace the notice groups (none: no notices are owed). ``known``: the groups
        the directory's agencies carry, which every group must be one of; None checks
        only how each is written (for a caller whose groups come from the directory)."""
        names = check_groups(groups, known)
        with self._write() as conn:
            conn.execute(notice_group.delete())
            if names:
                conn.execute(notice_group.insert(), [{"name": n} for n in names])

    # --- numbers and holidays ---------------------------------------------------------

    def number(self, name: str) -> int:
        if name not in NUMBERS:
            raise UsageError(f"unknown setting {name[:40]!r}: one of {', '.join(NUMBERS)}")
        rows = self._read(sa.select(setting.c.value).where(setting.c.name == name))
        return int(rows[0].value) if rows else NUMBERS[name].default

    def set_number(self, name: str, value: int) -> None:
        """Set a number, within its range (:data:`~statelink.policy.limits.NUMBERS`)."""
        check_number(name, value)
        with self._write() as conn:
            conn.execute(setting.delete().where(setting.c.name == name))
            conn.execute(setting.insert().values(name=name, value=value))

    def holidays(self) -> list[tuple[dt.date, str]]:
        """The state's own holidays (federal ones are always counted)."""
        return [(r.day, r.name) for r in self._read(sa.select(holiday).order_by(holiday.c.day))]

    def add_holiday(self, day: dt.date, name: str, *, today: dt.date | None = None) -> None:
        """Add (or rename) a holiday: a weekday from 2000 to ten years after ``today``."""
        day, name = check_holiday(day, name, today or dt.date.today())
        with self._write() as conn:
            conn.execute(holiday.delete().where(holiday.c.day == day))
            conn.execute(holiday.insert().values(day=day, name=name))

    def remove_holiday(self, day: dt.date) -> None:
        with self._write() as conn:
            if not conn.execute(holiday.delete().where(holiday.c.day == day)).rowcount:
                raise NotFound(f"{self.state} has no holiday on {day}")

    # --- contact details -------------------------------------------------------------

    def contact(self) -> Contact | None:
        """Whom residents write to about a letter; None while the state has not said."""
        rows = self._read(sa.select(contact).where(contact.c.id == 1))
        if not rows:
            return None
        row = rows[0]
        lines = tuple(line for line in row.address.split("\n") if line)
        return Contact(row.name, lines, row.email, row.phone, row.web)

    def set_contact(self, details: Contact) -> Contact:
        """Replace the contact details, checked (:meth:`Contact.checked`); return them."""
        checked = details.checked()
        values = {**checked.as_dict(), "address": "\n".join(checked.address)}
        with self._write() as conn:
            conn.execute(contact.delete())
            conn.execute(contact.insert().values(id=1, **values))
        return checked

    def clear_contact(self) -> bool:
        """Remove the contact details; whether there were any."""
        with self._write() as conn:
            return bool(conn.execute(contact.delete()).rowcount)

    # --- the hot path's view ---------------------------------------------------------

    def watch(self, every: float) -> FileWatch | SnapshotWatch:
        """Something whose ``changed()`` says, at most every ``every`` s, that settings changed:
        the file's mtime for SQLite, a fresh snapshot compared with the last for a database."""
        if isinstance(self.where, Path):
            return FileWatch(
                self.where, self.where.with_name(self.where.name + "-wal"), every=every
            )
        return SnapshotWatch(self, every)

    def snapshot(self) -> Snapshot:
        certified: dict[str, list[tuple[dt.date, dt.date]]] = {}
        for cert in self.certifications():
            if cert.valid_from <= cert.last_day:
                certified.setdefault(cert.ori, []).append((cert.valid_from, cert.last_day))
        return Snapshot(
            serious=tuple((a, b) for a, b, _ in self.serious_crime()),
            certified_until=certified,
            notice_groups=frozenset(self.notice_groups()),
            review_hours=self.number("review_hours"),
            notice_days=self.number("notice_days"),
            holidays=tuple(day for day, _ in self.holidays()),
        )

    # --- internals ------------------------------------------------------------------------


class SnapshotWatch:
    """Settings kept in a database server: compare a fresh snapshot every ``every`` s."""

    def __init__(self, settings: StateSettings, every: float) -> None:
        self._settings = settings
        self.every = every
        self._next = time.monotonic() + every
        self._last = settings.snapshot()

    def changed(self) -> bool:
        now = time.monotonic()
        if now < self._next:
            return False
        self._next = now + self.every
        snapshot = self._settings.snapshot()
        if snapshot == self._last:
            return False
        self._last = snapshot
        return True
