"""The dashboard's view of each state's own stores (review queue, notices, settings),
opened the first time a page needs them and kept open."""

from __future__ import annotations

from dataclasses import dataclass

from statelink.nation import Layout
from statelink.notices import NoticeStore
from statelink.notices.store import today
from statelink.policy.settings import StateSettings
from statelink.review import ReviewQueue


@dataclass(frozen=True)
class Summary:
    state: str
    pending_reviews: int
    notices_due: int
    notices_overdue: int
    expiring: int  # certifications that end within 30 days


class Desks:
    def __init__(self, layout: Layout, states: list[str]) -> None:
        self.layout = layout
        self.states = states
        self._queues: dict[str, ReviewQueue] = {}
        self._notices: dict[str, NoticeStore] = {}
        self._settings: dict[str, StateSettings] = {}

    def queue(self, state: str) -> ReviewQueue:
        if state not in self._queues:
            self._queues[state] = ReviewQueue.open(state, self.layout.node_store(state))
        return self._queues[state]

    def notices(self, state: str) -> NoticeStore:
        if state not in self._notices:
            self._notices[state] = NoticeStore.open(state, self.layout.node_store(state))
        return self._notices[state]

    def settings(self, state: str) -> StateSettings:
        if state not in self._settings:
            self._settings[state] = StateSettings.open(state, self.layout.node_store(state))
        return self._settings[state]

    def summary(self, state: str, days: int = 30) -> Summary:
        on = today()
        open_items = self.queue(state).find("open", limit=10_000)
        due = self.notices(state).find("due")
        return Summary(
            state=state,
            pending_reviews=sum(i.status == "pending" for i in open_items),
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
        for store in (*self._queues.values(), *self._notices.values(), *self._settings.values()):
            store.close()
