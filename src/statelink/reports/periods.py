"""Calendar periods a report can cover: quarters and years as ``since`` and ``until``
days, shortcuts to them, and a period in words.

Reports count by the hub's received time, UTC; ``since`` is the first day counted and
``until`` the first day *not* counted (as :class:`statelink.reports.report.Period` has
them), so a quarter is ``since`` its first day ``until`` the first day of the next one,
and the words name the last day counted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from statelink.reports.report import Period

QUARTERS_BACK = 4
"""The quarters before this one that get a shortcut."""


@dataclass(frozen=True)
class Span:
    """A calendar period: ``since`` its first day, ``until`` the day after its last."""

    name: str  # "Q3 2026", "2026"
    since: dt.date
    until: dt.date
    note: str = ""  # "this quarter", "last year", ...

    @property
    def last(self) -> dt.date:
        """Its last day (``until`` is not counted)."""
        return self.until - dt.timedelta(days=1)

    def params(self) -> dict[str, str]:
        """The query parameters that ask for it."""
        return {"since": self.since.isoformat(), "until": self.until.isoformat()}

    def covers(self, period: Period) -> bool:
        """Whether ``period`` is exactly this span."""
        return _day(period.since) == self.since and _day(period.until) == self.until


def quarter(day: dt.date, back: int = 0) -> Span:
    """The quarter ``day`` falls in, or the one ``back`` quarters before it."""
    index = day.year * 4 + (day.month - 1) // 3 - back
    year, q = divmod(index, 4)
    since = dt.date(year, 3 * q + 1, 1)
    until = dt.date(year + 1, 1, 1) if q == 3 else dt.date(year, 3 * q + 4, 1)
    return Span(f"Q{q + 1} {year}", since, until)


def year(day: dt.date, back: int = 0) -> Span:
    """The calendar year ``day`` falls in, or the one ``back`` years before it."""
    y = day.year - back
    return Span(str(y), dt.date(y, 1, 1), dt.date(y + 1, 1, 1))


def shortcuts(today: dt.date) -> tuple[Span, ...]:
    """This quarter, the :data:`QUARTERS_BACK` quarters before it (the first of them is
    last quarter), this year and last year."""
    quarters = tuple(
        Span(q.name, q.since, q.until, {0: "this quarter, so far", 1: "last quarter"}.get(i, ""))
        for i in range(QUARTERS_BACK + 1)
        for q in (quarter(today, i),)
    )
    this, last = year(today), year(today, 1)
    return (
        *quarters,
        Span(this.name, this.since, this.until, "this year, so far"),
        Span(last.name, last.since, last.until, "last year"),
    )


def in_words(period: Period) -> str:
    """The period for people: "Q3 2026: 1 July to 30 September 2026", "from 1 March
    2026", "all time"; the last day named is the last day counted."""
    since, until = _day(period.since), _day(period.until)
    if since is None and until is None:
        return "all time"
    if until is None:
        return f"from {_date(since)} on"
    if since is None:
        return f"up to {_date(until - dt.timedelta(days=1))}"
    if until <= since:
        return f"no days: 'before' ({_date(until)}) is not after 'from' ({_date(since)})"
    named = _named(since, until)
    span = _range(since, until - dt.timedelta(days=1))
    return f"{named}: {span}" if named else span


def _named(since: dt.date, until: dt.date) -> str:
    """The quarter's or the year's name, if the days are exactly one."""
    for span in (quarter(since), year(since)):
        if (span.since, span.until) == (since, until):
            return span.name
    return ""


def _range(first: dt.date, last: dt.date) -> str:
    if first == last:
        return _date(first)
    if first.year != last.year:
        return f"{_date(first)} to {_date(last)}"
    head = f"{first.day}" if first.month == last.month else f"{first.day} {first:%B}"
    return f"{head} to {_date(last)}"


def _date(day: dt.date | None) -> str:
    return "" if day is None else f"{day.day} {day:%B %Y}"


def _day(moment: dt.datetime | None) -> dt.date | None:
    return None if moment is None else moment.date()
