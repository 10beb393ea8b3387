"""Benchmark baselines: statelink with a step taken out, to measure what that step costs.

statelink itself has no such switches (a node without a valid policy denies; a node that
cannot log answers UNAVAILABLE). Only the benchmarks use these:

- :class:`NoAudit` hands out receipts without writing anything (no audit service);
- :class:`PermitAll` permits every request without evaluating a policy.

Run as a program, this module is the ``statelink`` command with every node's audit log
replaced by :class:`NoAudit` (``benchmarks/audit_cost.py`` starts its audit-off node
service this way)::

    .venv/bin/python benchmarks/baselines.py serve node --state WA ...
"""

from __future__ import annotations

import sys
from typing import Any

from statelink.messages.response import PolicyReason, Receipt
from statelink.policy.engine import Decision, Outcome, Request


class NoAudit:
    """Receipts without a log: stands in for ``statelink.audit.AuditService``."""

    def __init__(self, *_args: Any, **_kwargs: Any) -> None:
        self._seq = 0

    def start(self) -> None:
        """Nothing to start."""

    async def append(self, _state: str, _entry: Any) -> Receipt:
        self._seq += 1
        return Receipt(log="none", seq=self._seq, leaf_hash="")

    async def aclose(self) -> None:
        """Nothing to close."""


class PermitAll:
    """A decision point that permits without evaluating anything."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.snapshot = real.snapshot
        self.digest = ""

    def request(self, message: Any, agency: Any, **kwargs: Any) -> Request:
        """The real request (its context derived as the node would): only Cedar is skipped."""
        request: Request = self._real.request(message, agency, **kwargs)
        return request

    def decide(self, _request: Any, *, cached: bool = True) -> Decision:
        return Decision(Outcome.PERMIT, (), "")

    def reason(self, policy_id: str) -> PolicyReason:
        return PolicyReason(id=policy_id)


def main() -> None:
    """``statelink`` with no audit log on any node of this process."""
    import statelink.embedded
    import statelink.web.node_service
    from statelink.cli import main as statelink_main

    for module in (statelink.web.node_service, statelink.embedded):
        module.AuditService = NoAudit  # type: ignore[attr-defined]
    sys.argv[0] = "statelink"
    statelink_main()


if __name__ == "__main__":
    main()
