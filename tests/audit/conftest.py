"""Helpers for audit tests: realistic entries and a log with its keys in a folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from statelink.audit import AuditLog, NodeKeys, build_entry
from statelink.audit.appender import LogAppender
from statelink.audit.record import Entry
from statelink.directory import seed_directory
from statelink.messages import decode
from statelink.messages.envelope import Envelope

AGENCY = seed_directory().require("NY0303000")


def entry(n: int, oln: str = "WDL000000001") -> Entry:
    message = decode(f"DQ.NY0303000.WA.OLN/{oln}.PUR/C.OPR/J SMITH.")
    envelope = Envelope(
        message_id=f"M{n:031d}", message=message, received_at="2026-11-22T20:00:00.000Z"
    )
    return build_entry(
        node="WA",
        envelope=envelope,
        agency=AGENCY,
        dataset="WA/driver",
        context={"purpose": "C", "certified": True},
        decision="permit",
        policies=["cj-access"],
        policy_digest="d" * 64,
        status="HIT",
        released=1,
        subjects=[f"driver:{oln}"],
        search=f"DQ:OLN={oln}",
        operator="J SMITH",
        latency_ms=0.25,
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path


def appender(
    folder: Path, *, checkpoint_every: int = 1000, checkpoint_seconds: float = 10.0
) -> LogAppender:
    return LogAppender(
        AuditLog.open("WA", folder / "audit.sqlite"),
        NodeKeys.load("WA", folder / "keys"),
        checkpoint_every=checkpoint_every,
        checkpoint_seconds=checkpoint_seconds,
    )
