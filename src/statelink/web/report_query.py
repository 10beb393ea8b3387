"""What a report page's address asks for, and the links that change it: the period
(``since``, ``until``: the hub's received time, UTC; ``until`` is the first day not
counted) with its words and its shortcuts to quarters and years
(:mod:`statelink.reports.periods`), the drill-down's filters, and the page of a list.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import Request

from statelink.errors import AuditInvalid, PageRefused, StatelinkError, UsageError
from statelink.reports import periods
from statelink.reports.report import Period
from statelink.web.site import form_day

PERIOD = ("since", "until")
PAGE_NUMBER = re.compile(r"[0-9]{1,9}")


def refused(e: StatelinkError) -> PageRefused:
    """A report that cannot be made: a copy that does not match the log (409), or a bad
    request (400)."""
    return PageRefused(e.message, e.http_status if isinstance(e, AuditInvalid) else 400)


def period_of(request: Request) -> tuple[Period, dict[str, str]]:
    """The period the query asks for, and the query parameters that set it."""
    params = {k: request.query_params.get(k, "") for k in PERIOD}
    period = Period(form_day(params["since"], "since"), form_day(params["until"], "until"))
    return period, {k: v for k, v in params.items() if v}


def filters_of(request: Request) -> dict[str, str]:
    """A drill-down's filters: every parameter set but the period and the page."""
    return {k: v for k, v in request.query_params.items() if k not in (*PERIOD, "page") and v}


@dataclass(frozen=True)
class Shortcut:
    label: str  # "Q3 2026"
    note: str  # "last quarter"
    href: str
    current: bool  # the period shown


@dataclass(frozen=True)
class When:
    """What a report page shows of its period: in words, and the shortcuts to others."""

    words: str
    shortcuts: tuple[Shortcut, ...]

    @classmethod
    def of(cls, request: Request, period: Period, today: dt.date | None = None) -> When:
        """The period's words, and links to this page for this and the last quarters
        and years and all time (its other parameters kept, back to the first page);
        ``today`` is the hub's, UTC."""
        kept = {k: v for k, v in request.query_params.items() if k not in (*PERIOD, "page") and v}
        day = today or dt.datetime.now(dt.UTC).date()
        links = [
            Shortcut(s.name, s.note, f"?{urlencode({**kept, **s.params()})}", s.covers(period))
            for s in periods.shortcuts(day)
        ]
        everything = period.since is None and period.until is None
        links.append(Shortcut("All time", "", f"?{urlencode(kept)}", everything))
        return cls(periods.in_words(period), tuple(links))


@dataclass(frozen=True)
class Pages:
    """Where a page falls in a list: ``page`` of ``pages``, rows ``first`` to ``last`` of
    ``total`` (as ``pager.html`` shows it). A page past the end is the last."""

    page: int
    size: int
    total: int

    @staticmethod
    def wanted(request: Request) -> int:
        """The page number the query asks for (1 by default); UsageError for other text."""
        page = request.query_params.get("page", "").strip() or "1"
        if not PAGE_NUMBER.fullmatch(page):
            raise UsageError(f"page: expected a page number, given {page[:20]!r}")
        return max(int(page), 1)

    @classmethod
    def at(cls, wanted: int, size: int, total: int) -> Pages:
        return cls(min(max(wanted, 1), cls(1, size, total).pages), size, total)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    @property
    def first(self) -> int:
        return min(self.offset + 1, self.total)

    @property
    def last(self) -> int:
        return min(self.offset + self.size, self.total)

    def links(self, request: Request) -> dict[str, str]:
        """The previous and the next page ("" where there is none), other parameters kept."""
        params = {k: v for k, v in request.query_params.items() if k != "page"}

        def at(page: int) -> str:
            return f"?{urlencode({**params, **({'page': str(page)} if page > 1 else {})})}"

        return {
            "prev": at(self.page - 1) if self.page > 1 else "",
            "next": at(self.page + 1) if self.page < self.pages else "",
        }
