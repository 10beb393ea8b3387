"""The dashboard's view of each state's node database (review queue, notices, settings),
opened the first time a page needs it and kept open: one engine per state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from statelink.nation import Layout, open_node_database
from statelink.node_database import NodeDatabase
from statelink.notices import NoticeStore
from statelink.notices.store import today
from statelink.policy.settings import StateSettings
from statelink.review import ItemStatus, ReviewQueue


@dataclass(frozen=True)
class Summary:
    state: str
    pending_reviews: int
    notices_due: int
    notices_overdue: int
    expiring: int  # certifications that end within 30 days


class Desks:
    """Each state's node database for the dashboard: from ``databases`` (the embedded
    network shares its nodes' own), else opened here on first use and closed by close()."""

    def __init__(
        self,
        layout: Layout,
        states: list[str],
        databases: Callable[[str], NodeDatabase] | None = None,
    ) -> None:
        self.layout = layout
        self.states = states
        self._databases = databases
        self._open: dict[str, NodeDatabase] = {}

    def database(self, state: str) -> NodeDatabase:
        if self._databases is not None:
            return self._databases(state)
        if state not in self._open:
            self._open[state] = open_node_database(self.layout, state)
        return self._open[state]

    def queue(self, state: str) -> ReviewQueue:
        return self.database(state).queue

    def notices(self, state: str) -> NoticeStore:
        return self.database(state).notices

    def settings(self, state: str) -> StateSettings:
        return self.database(state).settings

    def summary(self, state: str, days: int = 30) -> Summary:
        on = today()
        open_items = self.queue(state).find("open", limit=10_000)
        due = self.notices(state).find("due")
        return Summary(
            state=state,
            pending_reviews=sum(i.status is ItemStatus.PENDING for i in open_items),
            notices_due=len(due),
            notices_overdue=sum(n.overdue(on) for n in due),
            expiring=len(self.settings(state).expiring(on, days)),
        )

    def serious_label(self, state: str, offense: str) -> str:
        """How the state's settings class an offense code ("" if not serious crime)."""
        if not offense:
            return ""
        for first, last, label in self.settings(state).serious_crime():
            if first <= offense <= last:
                return label or f"serious crime ({first}-{last})"
        return ""

    def close(self) -> None:
        for db in self._open.values():
            db.close()
