"""``audit verify --witness``: did a quorum of witnesses cosign the log's latest checkpoint?

A witness given as ``KEY`` counts if the node kept a valid cosignature by that key for the
log's latest signed checkpoint. A witness given as ``KEY@URL`` is asked: the latest
checkpoint is sent with ``old`` = its size and no proof; a 200 is a fresh cosignature; a
409 tells the size the witness last cosigned. Larger than the log's latest signed size:
records were removed after the witness saw them, and verification fails naming that
size. Smaller: the witness is sent a consistency proof from its size, and cosigns.
Every cosignature is checked with :mod:`statelink.audit.verifier`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from statelink.audit import verifier
from statelink.audit.log import AuditLog, CheckpointRow
from statelink.cli.options import console
from statelink.cli.witnessing import open_node_database
from statelink.errors import UsageError
from statelink.witness.client import Reply, WitnessClient
from statelink.witness.registry import cosigned_checkpoint
from statelink.witness.submission import Submission


@dataclass(frozen=True)
class Asked:
    key: verifier.CosignerKey
    url: str | None


@dataclass(frozen=True)
class WitnessCheck:
    name: str
    cosigned: int | None  # the size it cosigned, if known
    ok: bool
    why: str = ""

    def as_json(self) -> dict[str, Any]:  # JSON boundary: `audit verify --json`
        return {"name": self.name, "cosigned_size": self.cosigned, "ok": self.ok, "why": self.why}


class WitnessError(Exception):
    """The witnesses refute the log, or too few of them vouch for it."""

    def __init__(self, error: verifier.VerificationError, checks: list[WitnessCheck]) -> None:
        super().__init__(str(error))
        self.error = error
        self.checks = checks


def parse(spec: str) -> Asked:
    """``VKEY`` or ``VKEY@URL`` (split at the last ``@http``)."""
    at = spec.rfind("@http")
    vkey, url = (spec[:at], spec[at + 1 :]) if at > 0 else (spec, None)
    try:
        return Asked(verifier.CosignerKey.parse(vkey), url)
    except verifier.VerificationError as e:
        raise UsageError(f"--witness: {e}") from None


def check(
    audit_log: AuditLog, data: Path, trusted: verifier.VerifierKey, asked: list[Asked]
) -> list[WitnessCheck]:
    latest = audit_log.latest_checkpoint()
    if latest is None:
        checks = [WitnessCheck(a.key.name, None, False, "no checkpoint to cosign") for a in asked]
        raise WitnessError(
            verifier.VerificationError("the log has no signed checkpoint for witnesses"), checks
        )
    signed = verifier.open_checkpoint(latest.note, trusted)
    with open_node_database(data, audit_log.state) as db:
        kept = cosigned_checkpoint(audit_log, db.witnesses, latest)
    checks = []
    for one in asked:
        if one.url is None:
            checks.append(_kept(kept, one.key))
        else:
            checks.append(_ask(audit_log, latest, signed, one.key, one.url, checks))
    return checks


def _kept(note: str, key: verifier.CosignerKey) -> WitnessCheck:
    try:
        found = verifier.cosignatures(note, key)
    except verifier.VerificationError as e:
        return WitnessCheck(key.name, None, False, str(e))
    if not found:
        return WitnessCheck(key.name, None, False, "no cosignature kept for the latest checkpoint")
    return WitnessCheck(key.name, found[0].size, True)


def _ask(
    audit_log: AuditLog,
    latest: CheckpointRow,
    signed: verifier.Checkpoint,
    key: verifier.CosignerKey,
    url: str,
    done: list[WitnessCheck],
) -> WitnessCheck:
    with WitnessClient(url) as client:
        reply = client.add_checkpoint(Submission(latest.size, [], latest.note))
        if reply.status == 409 and reply.size is not None:
            if reply.size > latest.size:
                checks = [*done, WitnessCheck(key.name, reply.size, False, "records removed")]
                raise WitnessError(
                    verifier.VerificationError(
                        f"witness {key.name} has cosigned {reply.size:,} records of "
                        f"{audit_log.state}'s log, which now has {latest.size:,}: records "
                        "were removed",
                        latest.size,
                    ),
                    checks,
                )
            proof = audit_log.reader().consistency(reply.size, latest.size)
            reply = client.add_checkpoint(Submission(reply.size, proof, latest.note))
    return _answered(reply, signed, key)


def _answered(reply: Reply, signed: verifier.Checkpoint, key: verifier.CosignerKey) -> WitnessCheck:
    if reply.status == 422:
        why = "the witness holds a tree this checkpoint does not extend: the log was rewritten"
        return WitnessCheck(key.name, None, False, why)
    if reply.status != 200:
        why = f"HTTP {reply.status}: {reply.reason}" if reply.status else reply.reason
        return WitnessCheck(key.name, None, False, why)
    try:
        found = [
            c for line in reply.lines if (c := verifier.verify_cosignature(signed.text, line, key))
        ]
    except verifier.VerificationError as e:
        return WitnessCheck(key.name, None, False, str(e))
    if not found:
        return WitnessCheck(key.name, None, False, "its answer holds no cosignature by its key")
    return WitnessCheck(key.name, found[0].size, True)


def require_quorum(state: str, checks: list[WitnessCheck], need: int) -> None:
    good = len({c.name for c in checks if c.ok})
    if good < need:
        failed = "; ".join(f"{c.name}: {c.why}" for c in checks if not c.ok)
        raise WitnessError(
            verifier.VerificationError(
                f"only {good} of {len(checks)} witnesses cosigned {state}'s latest checkpoint, "
                f"{need} required ({failed})"
            ),
            checks,
        )


def print_checks(checks: list[WitnessCheck]) -> None:
    for c in checks:
        if c.ok:
            console.print(f"  [green]cosigned[/] by {c.name} at size {c.cosigned:,}")
        else:
            console.print(f"  [red]not cosigned[/] by {c.name}: {c.why}")
