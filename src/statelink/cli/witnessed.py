"""``audit verify --witness``: did a quorum of witnesses cosign the log's latest checkpoint?

A witness given as ``KEY`` counts if the node kept a valid cosignature by that key for the
log's latest signed checkpoint; if the node kept one of that witness for a larger size,
records were removed after the witness saw them, and verification fails. A witness given
as ``KEY@URL`` is asked: the latest checkpoint is sent with ``old`` = its size and no
proof; a 200 is a cosignature, counted only if dated within :data:`FRESH_SECONDS` of now
(an old answer replayed must not hide a cut tail); a 409 tells the size the witness last
cosigned. Larger than the log's latest signed size: records were removed, and
verification fails naming that size. Smaller: the witness is sent a consistency proof
from its size, and cosigns. Every cosignature is checked with
:mod:`statelink.audit.verifier`.
"""

from __future__ import annotations

import base64
import binascii
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape

from statelink.cli.options import console, layout
from statelink.errors import UsageError

if TYPE_CHECKING:
    from statelink.audit import verifier
    from statelink.audit.log import AuditLog, CheckpointRow
    from statelink.witness.client import Reply
    from statelink.witness.registry import WitnessRegistry

FRESH_SECONDS = 600  # a cosignature asked for now is at most this old
AHEAD_SECONDS = 60  # and dated at most this far ahead of our clock


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
    from statelink.audit import verifier
    from statelink.witness.client import checked_url

    at = spec.rfind("@http")
    vkey, url = (spec[:at], spec[at + 1 :]) if at > 0 else (spec, None)
    try:
        key = verifier.CosignerKey.parse(vkey)
    except verifier.VerificationError as e:
        raise UsageError(f"--witness: {e}") from None
    try:
        return Asked(key, None if url is None else checked_url(url))
    except UsageError as e:
        raise UsageError(f"--witness: {e.message}") from None


def check(
    audit_log: AuditLog, data: Path, trusted: verifier.VerifierKey, asked: list[Asked]
) -> list[WitnessCheck]:
    from statelink.audit import verifier
    from statelink.nation import open_node_database
    from statelink.witness.registry import cosigned_checkpoint

    latest = audit_log.latest_checkpoint()
    if latest is None:
        none = [WitnessCheck(a.key.name, None, False, "no checkpoint to cosign") for a in asked]
        raise WitnessError(
            verifier.VerificationError("the log has no signed checkpoint for witnesses"), none
        )
    signed = verifier.open_checkpoint(latest.note, trusted)
    checks: list[WitnessCheck] = []
    with open_node_database(layout(data), audit_log.state) as db:
        kept = cosigned_checkpoint(audit_log, db.witnesses, latest)
        for one in asked:
            if one.url is None:
                _refute_from_records(db.witnesses, audit_log.state, latest, one.key, checks)
    for one in asked:
        if one.url is None:
            checks.append(_kept(kept, one.key))
        else:
            checks.append(_ask(audit_log, latest, signed, one.key, one.url, checks))
    return checks


def _refute_from_records(
    witnesses: WitnessRegistry,
    state: str,
    latest: CheckpointRow,
    key: verifier.CosignerKey,
    done: list[WitnessCheck],
) -> None:
    """Fail if the node kept a cosignature by ``key`` for more records than the log's
    latest signed checkpoint: the witness saw records the log no longer has. (The note
    of that size went with the cut tail, so the line is matched by its key ID only.)"""
    from statelink.audit import verifier

    for size, line in witnesses.kept_above(key.name, latest.size):
        if _key_id(line) != key.key_id:
            continue
        checks = [*done, WitnessCheck(key.name, size, False, "records removed")]
        raise WitnessError(
            verifier.VerificationError(
                f"the node's own records show witness {key.name} cosigned {size:,} records "
                f"of {state}'s log, which now has {latest.size:,}: records were removed",
                latest.size,
            ),
            checks,
        )


def _key_id(line: str) -> bytes:
    try:
        return base64.b64decode(line.rpartition(" ")[2], validate=True)[:4]
    except binascii.Error:
        return b""


def _kept(note: str, key: verifier.CosignerKey) -> WitnessCheck:
    from statelink.audit import verifier

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
    from statelink.audit import verifier
    from statelink.witness.client import WitnessClient
    from statelink.witness.submission import Submission

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
    from statelink.audit import verifier

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
    return _fresh(max(found, key=lambda c: c.timestamp), int(time.time()))


def _fresh(cosigned: verifier.Cosignature, now: int) -> WitnessCheck:
    """Count a cosignature the witness just gave only if it is dated now: a replayed old
    answer (plain http) would otherwise vouch for a log cut since."""
    age = now - cosigned.timestamp
    if age > FRESH_SECONDS:
        why = (
            f"its cosignature is dated {age:,} s ago (more than {FRESH_SECONDS} s): an old "
            "answer replayed? reach the witness over https"
        )
        return WitnessCheck(cosigned.name, cosigned.size, False, why)
    if -age > AHEAD_SECONDS:
        why = f"its cosignature is dated {-age:,} s ahead of this clock (at most {AHEAD_SECONDS})"
        return WitnessCheck(cosigned.name, cosigned.size, False, why)
    return WitnessCheck(cosigned.name, cosigned.size, True)


def require_quorum(state: str, checks: list[WitnessCheck], need: int) -> None:
    from statelink.audit import verifier

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
            console.print(f"  [green]cosigned[/] by {escape(c.name)} at size {c.cosigned:,}")
        else:
            console.print(f"  [red]not cosigned[/] by {escape(c.name)}: {escape(c.why)}")
