"""A state's report as data: its totals and the rows of every table and chart.

The shapes are JSON objects (typed dicts): ``statelink report --json`` writes a
:class:`Report` as is, and the dashboard's templates read it as is.
"""

from __future__ import annotations

from typing import TypedDict


class Totals(TypedDict):
    requests: int
    records_released: int
    requesters: int
    first: str | None  # the first and the last request's time, ISO
    last: str | None
    immigration_requests: int
    immigration_released: int
    refused: int
    held: int


class Count(TypedDict):
    """One row of a breakdown: its key, the requests and the records released."""

    key: str
    n: int
    released: int | None


class PurposeCount(Count):
    label: str  # the purpose code's name


class PolicyCount(TypedDict):
    key: str  # the deciding policy's @id
    decision: str
    n: int
    reason: str
    law: str


class Breakdowns(TypedDict):
    decision: list[Count]
    status: list[Count]
    mke: list[Count]
    purpose: list[PurposeCount]
    kind: list[Count]
    department: list[Count]
    component: list[Count]
    requester_class: list[Count]
    group: list[Count]
    policy: list[PolicyCount]


class Requester(TypedDict):
    ori: str
    component: str
    n: int
    released: int | None
    refused_or_held: int
    name: str


class ImmigrationCount(TypedDict):
    component: str  # "other" for none
    decision: str  # "none" for none
    n: int
    released: int | None


class FlowRow(TypedDict):
    requester_class: str
    mke: str
    decision: str
    n: int


class Week(TypedDict):
    week: str  # its Monday, ISO
    n: int
    permit: int
    deny: int
    hold: int
    released: int | None


class PolicySet(TypedDict):
    digest: str | None
    first: str
    last: str
    n: int
    permit: int
    deny: int
    hold: int


class AnchorJson(TypedDict):
    """The signed checkpoint a report covers: its copy was checked against it."""

    origin: str  # the log, e.g. statelink.example/audit/WA
    size: int  # records 0 .. size - 1
    root: str  # hex, as `statelink audit checkpoint --json` shows it
    witnessed_by: list[str]  # the witnesses that cosigned it (none: not witnessed)


class Report(TypedDict):
    """A state's report, as ``statelink report --json`` writes it and the dashboard shows it."""

    state: str
    since: str | None
    until: str | None
    totals: Totals
    breakdowns: Breakdowns
    top_requesters: list[Requester]
    immigration: list[ImmigrationCount]
    flow: list[FlowRow]
    weekly: list[Week]
    review: list[Count]  # review steps by status
    policy_sets: list[PolicySet]
    anchor: AnchorJson | None  # None: the state has no signed checkpoint yet
