"""Sending a state's latest checkpoint to its witnesses and keeping their cosignatures.

For each witness: ``old`` is the size it last cosigned for the state (0 at first), the
proof runs from there to the latest checkpoint; on 409 the witness's own size is taken
from its answer and the request sent once more from there. A cosignature is verified with
the witness's key (:mod:`statelink.audit.verifier`) before it is kept. A witness that is
down or refuses is reported, never raised: pushing runs off the query path.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from statelink.audit import verifier
from statelink.audit.log import AuditLog, CheckpointRow
from statelink.errors import StatelinkError
from statelink.store import Where
from statelink.witness.client import WitnessClient
from statelink.witness.registry import ConfiguredWitness, WitnessRegistry
from statelink.witness.submission import Submission

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PushResult:
    witness: str
    size: int  # the size it has cosigned for the state after this push
    ok: bool
    why: str = ""
    rolled_back: bool = False  # the witness cosigned more records than the log now has

    def as_json(self) -> dict[str, str | int | bool]:  # JSON boundary
        return {"witness": self.witness, "size": self.size, "ok": self.ok, "why": self.why}


def push(
    audit_log: AuditLog, registry: WitnessRegistry, *, only_behind: bool = False
) -> list[PushResult]:
    """Send the latest checkpoint to every configured witness (with ``only_behind``, to
    those that have not cosigned it yet)."""
    latest = audit_log.latest_checkpoint()
    results = []
    for configured in registry.witnesses():
        if latest is None:
            results.append(PushResult(configured.name, 0, False, "no signed checkpoint yet"))
            continue
        if only_behind and configured.cosigned == latest.size:
            continue
        results.append(_push_one(audit_log, registry, configured, latest))
    return results


def _push_one(
    audit_log: AuditLog,
    registry: WitnessRegistry,
    configured: ConfiguredWitness,
    latest: CheckpointRow,
) -> PushResult:
    name, old = configured.name, configured.cosigned
    with WitnessClient(configured.url) as client:
        for _attempt in range(2):
            if old > latest.size:
                return PushResult(
                    name, old, False,
                    f"the witness has cosigned {old:,} records, the log signed {latest.size:,}: "
                    "records were removed",
                    rolled_back=True,
                )  # fmt: skip
            proof = audit_log.reader().consistency(old, latest.size) if old else []
            reply = client.add_checkpoint(Submission(old, proof, latest.note))
            if reply.status == 409 and reply.size is not None:
                old = reply.size
                continue
            break
    if reply.status != 200:
        why = f"HTTP {reply.status}: {reply.reason}" if reply.status else reply.reason
        return PushResult(name, configured.cosigned, False, why)
    try:
        key = configured.key()
        text = verifier.note_text(latest.note)
        found = [c for line in reply.lines if (c := verifier.verify_cosignature(text, line, key))]
    except verifier.VerificationError as e:
        return PushResult(name, configured.cosigned, False, f"bad cosignature: {e}")
    if not found:
        return PushResult(name, configured.cosigned, False, "no cosignature by its key")
    registry.keep(found[-1])
    return PushResult(name, latest.size, True)


class CheckpointPusher:
    """What a node's housekeeping calls every few seconds: push the state's latest
    checkpoint to the witnesses that are behind (a round with no witness costs a query).

    A witness that has cosigned more records than the log holds is evidence of removed
    records: logged as an error once per witness and size, not every round."""

    def __init__(self, state: str, audit: Where, registry: WitnessRegistry) -> None:
        self.state = state
        self._audit = audit
        self._registry = registry
        self._reported: set[tuple[str, int]] = set()

    @property
    def registry(self) -> WitnessRegistry:
        return self._registry

    def close(self) -> None:
        self._registry.close()  # closes its engine only if the registry owns it

    def push_behind(self) -> list[PushResult]:
        if not self._registry.witnesses():
            return []
        if isinstance(self._audit, Path) and not self._audit.exists():
            return []
        audit_log = AuditLog.open(self.state, self._audit)
        try:
            results = push(audit_log, self._registry, only_behind=True)
        except StatelinkError as e:
            log.error("%s witnesses: %s", self.state, e.message)
            return []
        finally:
            audit_log.close()
        for result in results:
            if result.rolled_back:
                if (result.witness, result.size) not in self._reported:
                    self._reported.add((result.witness, result.size))
                    log.error("%s witness %s: %s", self.state, result.witness, result.why)
            elif not result.ok:
                log.warning("%s witness %s: %s", self.state, result.witness, result.why)
        return results
