"""A state's live policy decision point: the active set, its settings and the directory.

It notices (within a second) a newly applied set, changed settings or a changed
directory, and rebuilds only what changed: the entities only when the directory does.
A new set that fails to load leaves the previous valid set in force. With no valid set
at all it fails closed: every request is denied with reason ``policy-error``.
"""

from __future__ import annotations

import datetime as dt

import structlog

from statelink.clock import wall_now
from statelink.directory import Agency
from statelink.directory.source import DirectorySource
from statelink.errors import StatelinkError
from statelink.filewatch import FileWatch
from statelink.messages.model import Message
from statelink.messages.response import PolicyReason
from statelink.policy.active import PolicyStore
from statelink.policy.engine import (
    POLICY_ERROR,
    Decision,
    Explanation,
    Outcome,
    PolicyEngine,
    Request,
    derive_context,
)
from statelink.policy.entities import entities
from statelink.policy.settings import Snapshot, StateSettings

log = structlog.get_logger(__name__)


class DecisionPoint:
    def __init__(
        self,
        state: str,
        store: PolicyStore,
        settings: StateSettings,
        directories: DirectorySource,
        *,
        every: float = 1.0,
    ) -> None:
        self.state = state
        self.store = store
        self.settings = settings
        self.directories = directories
        self._policy_watch = FileWatch(store.pointer_path, every=every)
        self._settings_watch = settings.watch(every)
        self._snapshot: Snapshot = settings.snapshot()
        self._directory = directories.current()
        self._engine: PolicyEngine | None = None
        self.failure = ""
        self._load_policies()

    @property
    def ready(self) -> bool:
        """Whether a valid policy set is in force (else everything is denied)."""
        return self._engine is not None

    @property
    def digest(self) -> str:
        return self._engine.digest if self._engine is not None else ""

    def _load_policies(self) -> None:
        try:
            policies = self.store.active()
        except StatelinkError as e:
            if self._engine is None:
                self.failure = e.message
                log.error("no_valid_policy_set_denying_all", state=self.state, error=e.message)
            else:
                log.error(
                    "policy_set_not_reloaded",
                    state=self.state,
                    keeping=self._engine.digest[:12],
                    error=e.message,
                )
            return
        self._engine = PolicyEngine(policies, entities(self._directory))
        self.failure = ""
        log.info("policy_set_in_force", state=self.state, digest=policies.digest[:12])

    def _refresh(self) -> None:
        if self._policy_watch.changed():
            self._load_policies()
        if self._settings_watch.changed():
            self._snapshot = self.settings.snapshot()
        directory = self.directories.current()
        if directory is not self._directory:
            self._directory = directory
            if self._engine is not None:
                self._engine = PolicyEngine(self._engine.policies, entities(directory))

    def request(
        self,
        message: Message,
        agency: Agency,
        *,
        review_approved: bool = False,
        today: dt.date | None = None,
    ) -> Request:
        """The Cedar request for a message to this state, with the context derived here
        as of the day ``today`` (the node gives the day of the moment it decides at, see
        :mod:`statelink.clock`; today by the wall clock if not given)."""
        self._refresh()
        context = derive_context(
            message,
            agency,
            self.state,
            self._snapshot,
            today=today or wall_now().date(),
            review_approved=review_approved,
        )
        return Request(agency.ori, message.mke, f"{self.state}/{message.key.dataset}", context)

    def decide(self, request: Request, *, cached: bool = True) -> Decision:
        engine = self._engine
        if engine is None:
            return Decision(Outcome.DENY, (POLICY_ERROR,), "", error=self.failure)
        return engine.decide(request, cached=cached)

    @property
    def engine(self) -> PolicyEngine | None:
        return self._engine

    def reason(self, policy_id: str) -> PolicyReason:
        """A policy of the set in force as shown to a requester (its id alone if the set
        no longer has it)."""
        engine = self._engine
        if engine is None:
            return POLICY_ERROR if policy_id == POLICY_ERROR.id else PolicyReason(id=policy_id)
        return engine.reason(policy_id)

    def explain(self, request: Request) -> Explanation:
        engine = self._engine
        if engine is None:
            return Explanation(self.decide(request), request)
        return engine.explain(request)

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot
