"""``statelink audit verify``: check a state's log with the verifier alone.

The log is checked with :mod:`statelink.audit.verifier` (RFC 9162 and C2SP), never with
the code that wrote it: the tree is recomputed, every checkpoint's signature checked and,
given a checkpoint kept earlier, the log proved to extend it. With ``--witness``, a quorum
of witnesses must have cosigned the log's latest checkpoint: by the cosignatures the node
kept, or, given a witness's URL, by asking it (C2SP tlog-witness ``add-checkpoint``), which
catches a log whose tail was cut after the witness cosigned it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.progress import track

from statelink.cli.files import read_text
from statelink.cli.options import (
    DEFAULT_DATA,
    DataDir,
    JsonOutput,
    State,
    console,
    layout,
    print_json,
)
from statelink.errors import AuditInvalid, UsageError

if TYPE_CHECKING:
    import statelink.cli.witnessed as witnessed
    from statelink.audit import verifier
    from statelink.audit.log import AuditLog


@dataclass(frozen=True)
class Verified:
    """A log that verified: what was checked, with which key, against which kept tree."""

    state: str
    report: verifier.LogReport
    key: verifier.VerifierKey
    kept: verifier.Checkpoint | None

    def as_json(self) -> dict[str, Any]:  # JSON boundary: `audit verify --json`
        report, kept = self.report, self.kept
        return {
            "state": self.state,
            "verified": True,
            "records": report.size,
            "root": report.root.hex(),
            "checkpoints": report.checkpoints,
            "unsigned_tail": report.unsigned_tail,
            "key": self.key.name,
            "consistent_with": {"size": kept.size, "root": kept.root.hex()} if kept else None,
        }


Witnesses = Annotated[
    list[str] | None,
    typer.Option(
        "--witness",
        help="A witness's verifier key, or KEY@URL to ask the witness itself (repeatable).",
    ),
]
Quorum = Annotated[
    int | None,
    typer.Option(min=1, help="Cosignatures required [default: every --witness]."),
]


def verify(
    state: State,
    checkpoint: Annotated[
        Path | None,
        typer.Option(help="A checkpoint you kept earlier: prove the log still extends it."),
    ] = None,
    key: Annotated[
        str | None,
        typer.Option(help="The verifier key you trust (name+hash+key) [default: the node's]."),
    ] = None,
    witness: Witnesses = None,
    quorum: Quorum = None,
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """Recompute the tree, check every signature and, with --checkpoint, consistency;
    with --witness, that a quorum of witnesses cosigned the latest checkpoint."""
    import statelink.cli.witnessed as witnessed
    from statelink.audit import verifier
    from statelink.nation import open_audit

    asked = [witnessed.parse(w) for w in witness or []]
    need = _quorum(quorum, len(asked))
    audit_log, keys = open_audit(layout(data), state)
    node_key = keys.signer.verifier_key()
    checks: list[witnessed.WitnessCheck] = []
    try:
        try:
            trusted = verifier.VerifierKey.parse(key or node_key)
        except verifier.VerificationError as e:
            raise UsageError(f"--key: {e}") from None
        try:
            verified = _verify(audit_log, trusted, checkpoint, bar=not json_output)
            if asked:
                checks = witnessed.check(audit_log, data, trusted, asked)
                witnessed.require_quorum(audit_log.state, checks, need)
        except witnessed.WitnessError as e:
            _refuse(audit_log.state, e.error, json_output, e.checks)
        except verifier.VerificationError as e:
            _refuse(audit_log.state, e, json_output, checks)
    finally:
        audit_log.close()
    if json_output:
        print_json({**verified.as_json(), **_witness_json(asked, checks)})
    else:
        _print_verified(verified)
        witnessed.print_checks(checks)


def _quorum(quorum: int | None, witnesses: int) -> int:
    if quorum is not None and not witnesses:
        raise UsageError("--quorum counts --witness cosignatures: give at least one --witness")
    if quorum is not None and quorum > witnesses:
        raise UsageError(f"--quorum {quorum} is more than the {witnesses} --witness given")
    return witnesses if quorum is None else quorum


def _witness_json(
    asked: list[witnessed.Asked], checks: list[witnessed.WitnessCheck]
) -> dict[str, Any]:  # JSON boundary: the `witnesses` part of `audit verify --json`
    return {"witnesses": [c.as_json() for c in checks]} if asked else {}


def _verify(
    audit_log: AuditLog, trusted: verifier.VerifierKey, checkpoint: Path | None, bar: bool
) -> Verified:
    """Check the log with the verifier alone; with a kept checkpoint, that the log extends
    it. A progress bar on a terminal if ``bar``."""
    from statelink.audit import verifier

    rows = audit_log.checkpoints()
    signed = [verifier.open_checkpoint(c.note, trusted) for c in rows]
    for row, opened in zip(rows, signed, strict=True):
        if (row.size, row.root) != (opened.size, opened.root):
            raise verifier.VerificationError(
                f"the checkpoint stored at size {row.size} is the signed one of size "
                f"{opened.size}, or has another root",
                min(row.size, opened.size),
            )
    leaves: Iterable[tuple[int, bytes, bytes]] = audit_log.leaves()
    if console.is_terminal and bar:
        leaves = track(
            leaves,
            total=audit_log.size(),
            console=console,
            transient=True,
            description=f"verifying {audit_log.state}",
        )
    report = verifier.verify_log(leaves, signed)
    verifier.verify_nodes(report.size, audit_log.level)
    kept = None
    if checkpoint is not None:
        try:
            kept = verifier.open_checkpoint(read_text(checkpoint, "--checkpoint"), trusted)
        except verifier.VerificationError as e:  # the file is at fault, not the log
            raise UsageError(
                f"--checkpoint: {checkpoint} is not a checkpoint signed by {trusted.name}: {e}"
            ) from None
        _check_consistency(audit_log, kept, signed)
    return Verified(audit_log.state, report, trusted, kept)


def _refuse(
    state: str,
    error: verifier.VerificationError,
    json_output: bool,
    checks: list[witnessed.WitnessCheck],
) -> NoReturn:
    """Exit 1: as JSON (``verified: false``) or as an error naming the first bad index."""
    if json_output:
        print_json(
            {
                "state": state,
                "verified": False,
                "error": str(error),
                "first_bad_index": error.index,
                **({"witnesses": [c.as_json() for c in checks]} if checks else {}),
            }
        )
        raise typer.Exit(1) from None
    where = f" (first bad index: {error.index})" if error.index is not None else ""
    raise AuditInvalid(f"{state} audit log does NOT verify: {error}{where}") from None


def _print_verified(verified: Verified) -> None:
    report = verified.report
    console.print(
        f"[green]verified[/]: {verified.state} audit log, {report.size:,} records, "
        f"{report.checkpoints} signed checkpoints, root {report.root.hex()[:16]}…"
    )
    if report.unsigned_tail:
        console.print(
            f"  {report.unsigned_tail} record(s) after the last checkpoint are not signed yet"
        )
    if verified.kept:
        console.print(f"  consistent with your checkpoint of size {verified.kept.size:,}")


def _check_consistency(
    audit_log: AuditLog, kept: verifier.Checkpoint, signed: list[verifier.Checkpoint]
) -> None:
    """The log's latest signed tree extends the kept one (a proof, checked independently)."""
    from statelink.audit import verifier

    latest = max(signed, key=lambda c: c.size, default=None)
    if latest is None or latest.size < kept.size:
        raise verifier.VerificationError(
            f"your checkpoint has {kept.size} records, more than the log has signed: "
            "records were removed",
            latest.size if latest else 0,
        )
    path = audit_log.reader().consistency(kept.size, latest.size)
    verifier.verify_consistency(kept.size, latest.size, kept.root, latest.root, path)
