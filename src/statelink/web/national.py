"""The dashboard's overview: the account's states side by side and summed.

For each state, its report's numbers (:class:`~statelink.web.report_cache.ReportCache`,
the very numbers its own page shows, for the same period) and the work waiting on its
desk (:class:`~statelink.web.desks.Summary`); the national totals are their sums. A state
whose report cannot be made (its copy does not match its audit log) is listed with the
reason and left out of the totals, which say so.

The states are sorted by what matters most first (refused requests, then held, then
immigration agencies' requests), or by any column the visitor picks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields

from statelink.errors import StatelinkError, UsageError
from statelink.reports.model import Report
from statelink.reports.report import Period
from statelink.states import STATES
from statelink.web.desks import Summary
from statelink.web.report_cache import ReportCache

WORKERS = 4
"""States whose reports are made at once (each is mostly DuckDB and SQLite, off the GIL)."""


@dataclass(frozen=True)
class Numbers:
    """What a state's report counts: requests (answers to messages), and the decisions on
    them; records released."""

    requests: int = 0
    permitted: int = 0
    refused: int = 0
    held: int = 0
    immigration: int = 0  # requests from immigration agencies
    released: int = 0  # records

    @classmethod
    def of(cls, report: Report) -> Numbers:
        t = report["totals"]
        decided = {r["key"]: int(r["n"]) for r in report["breakdowns"]["decision"]}
        return cls(
            requests=t["requests"],
            permitted=decided.get("permit", 0),
            refused=t["refused"],
            held=t["held"],
            immigration=t["immigration_requests"],
            released=t["records_released"],
        )

    def __add__(self, other: Numbers) -> Numbers:
        return Numbers(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


@dataclass(frozen=True)
class Desk:
    """The work waiting on the states' desks (a :class:`Summary` without the state)."""

    pending_reviews: int = 0  # held messages waiting for a reviewer
    notices_due: int = 0
    notices_overdue: int = 0
    expiring: int = 0  # certifications that end within 30 days

    @classmethod
    def of(cls, summary: Summary) -> Desk:
        return cls(
            summary.pending_reviews, summary.notices_due, summary.notices_overdue, summary.expiring
        )

    def __add__(self, other: Desk) -> Desk:
        return Desk(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


@dataclass(frozen=True)
class StateRow:
    state: str
    numbers: Numbers
    desk: Desk
    problem: str  # why its report could not be made ("": it was)

    @property
    def name(self) -> str:
        return STATES[self.state].name


@dataclass(frozen=True)
class Sort:
    label: str  # what the link says: "Sort by …"
    key: Callable[[StateRow], tuple[object, ...]]


def _most(*get: Callable[[StateRow], int]) -> Callable[[StateRow], tuple[object, ...]]:
    """Largest first, ties broken by what matters (refused, held, immigration), then name."""

    def key(row: StateRow) -> tuple[object, ...]:
        n = row.numbers
        return (*(-g(row) for g in get), -n.refused, -n.held, -n.immigration, row.name)

    return key


SORTS: dict[str, Sort] = {
    "refused": Sort("refused", _most(lambda r: r.numbers.refused)),
    "held": Sort("held", _most(lambda r: r.numbers.held)),
    "immigration": Sort("immigration requests", _most(lambda r: r.numbers.immigration)),
    "requests": Sort("requests", _most(lambda r: r.numbers.requests)),
    "reviews": Sort("waiting for review", _most(lambda r: r.desk.pending_reviews)),
    "overdue": Sort("notices overdue", _most(lambda r: r.desk.notices_overdue)),
    "name": Sort("name", lambda r: (r.name,)),
}
DEFAULT_SORT = "refused"


@dataclass(frozen=True)
class National:
    rows: tuple[StateRow, ...]  # sorted
    numbers: Numbers  # summed over the states whose report was made
    desk: Desk  # summed over every state
    sort: str

    @property
    def left_out(self) -> tuple[StateRow, ...]:
        return tuple(r for r in self.rows if r.problem)


def sort_of(value: str) -> str:
    """The sort a link asks for ("" is the default); UsageError for one there is not."""
    chosen = value or DEFAULT_SORT
    if chosen not in SORTS:
        raise UsageError(f"sort: expected one of {', '.join(SORTS)}, given {value[:40]!r}")
    return chosen


def numbers(
    reports: ReportCache, states: Iterable[str], period: Period
) -> dict[str, Numbers | str]:
    """Each state's numbers for ``period``, or why its report cannot be made; the
    reports are made :data:`WORKERS` at a time (call this off the event loop)."""
    reports.names()  # loaded once, before the workers share it

    def one(state: str) -> Numbers | str:
        try:
            return Numbers.of(reports.report(state, period))
        except StatelinkError as e:
            return e.message

    wanted = list(states)
    with ThreadPoolExecutor(WORKERS, thread_name_prefix="overview") as pool:
        return dict(zip(wanted, pool.map(one, wanted), strict=True))


def national(
    found: Mapping[str, Numbers | str], desks: Mapping[str, Summary], sort: str
) -> National:
    """The overview of the states in ``found``, sorted by ``sort`` (a key of :data:`SORTS`)."""
    rows = [
        StateRow(
            state,
            made if isinstance(made, Numbers) else Numbers(),
            Desk.of(desks[state]),
            "" if isinstance(made, Numbers) else made,
        )
        for state, made in found.items()
    ]
    rows.sort(key=SORTS[sort].key)
    return National(
        rows=tuple(rows),
        numbers=sum((r.numbers for r in rows if not r.problem), Numbers()),
        desk=sum((r.desk for r in rows), Desk()),
        sort=sort,
    )
