"""One state's node database: one engine, and the node's stores over it.

A state's node keeps its settings (serious crime, certifications, notice terms), its
review queue, its notices and its witnesses in one database: ``states/XX/node.sqlite`` in the data
folder, or the database server its ``serve node`` uses. The node service, the dashboard
and the command line all open it here, so each process has one engine (one pool) per
node database, and the stores share it.
"""

from __future__ import annotations

from types import TracebackType

from statelink.notices import NoticeStore
from statelink.policy.settings import StateSettings
from statelink.review import ReviewQueue
from statelink.store import Where, engine_for
from statelink.witness.registry import WitnessRegistry


class NodeDatabase:
    def __init__(self, state: str, where: Where) -> None:
        self.state = state
        self.where = where
        self._engine = engine_for(where)
        self.settings = StateSettings(state, self._engine, where)
        self.queue = ReviewQueue(state, self._engine)
        self.notices = NoticeStore(state, self._engine)
        self.witnesses = WitnessRegistry(state, self._engine)

    @classmethod
    def open(cls, state: str, where: Where) -> NodeDatabase:
        """Open a state's node database, creating or migrating its tables (a new one gets
        the default settings)."""
        db = cls(state, where)
        try:
            db.settings.create()
            db.queue.create()
            db.notices.create()
            db.witnesses.create()
        except BaseException:
            db.close()
            raise
        return db

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> NodeDatabase:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
