"""Searching the audit log reads the leaves: nothing beside a leaf can hide or mislabel it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from statelink.audit import AuditLog, NodeKeys, build_entry
from statelink.audit.appender import LogAppender
from statelink.audit.log import Filters, record
from statelink.audit.record import AuditRecord, Entry
from statelink.directory import seed_directory
from statelink.messages import decode
from statelink.messages.envelope import Envelope
from statelink.store import engine_for
from statelink.store.migration import _config, migrate

DIRECTORY = seed_directory()
REQUESTERS = ("NY0303000", "AZICE0100", "AZHSI0100", "AZFBI0100")
DECISIONS = (("permit", "HIT", 1), ("deny", "DENIED", 0), ("hold", "HELD", 0))


def _entry(n: int) -> Entry:
    ori = REQUESTERS[n % len(REQUESTERS)]
    decision, status, released = DECISIONS[n % len(DECISIONS)]
    mke = ("DQ", "RQ")[n % 2]
    field = "OLN/WDL000000001" if mke == "DQ" else "LIC/ABC123"
    envelope = Envelope(
        message_id=f"M{n:031d}",
        message=decode(f"{mke}.{ori}.WA.{field}.PUR/C."),
        received_at=f"2026-0{1 + n % 9}-01T00:00:00.000Z",
    )
    built = build_entry(
        node="WA",
        envelope=envelope,
        agency=DIRECTORY.require(ori),
        dataset="WA/driver",
        context={"purpose": "C"},
        decision=decision,
        policies=["cj-access"],
        policy_digest="d" * 64,
        status=status,
        released=released,
        subjects=[],
        search="x",
        operator="",
        latency_ms=0.1,
    )
    # decided in another month than received, so a filter on the wrong clock shows
    decided = f"2026-0{1 + (n + 4) % 9}-01T00:00:01.000Z"
    return dataclasses.replace(built, record=built.record._replace(time=decided))


@pytest.fixture
def searched(node_db: Path | str, tmp_path: Path) -> AuditLog:
    appender = LogAppender(AuditLog.open("WA", node_db), NodeKeys.load("WA", tmp_path / "k"))
    appender.append([_entry(n) for n in range(60)])
    appender.close()
    return AuditLog.open("WA", node_db)


FILTERS = [
    Filters(component="ICE"),
    Filters(component="HSI", decision="deny"),
    Filters(ori="AZFBI0100", mke="RQ"),
    Filters(status="HELD"),
    Filters(message_id=f"M{7:031d}"),
    Filters(since="2026-03-01", until="2026-05-01"),
    Filters(component="ICE", first=20, limit=3),
    Filters(newest_first=True, limit=7),
    Filters(component="ICE", newest_first=True, after=41, limit=4),
    Filters(decision="deny", after=20, limit=5),
    Filters(since="2026-02-01", newest_first=True, after=50),
]


@pytest.mark.parametrize("filters", FILTERS, ids=repr)
def test_every_filter_returns_what_the_leaves_say(searched: AuditLog, filters: Filters) -> None:
    every = list(searched.find(Filters()))

    def wanted(record: AuditRecord) -> bool:
        values = {
            "ori": record.requester.ori,
            "component": record.requester.component,
            "mke": record.mke,
            "decision": record.decision,
            "status": record.status,
            "message_id": record.message_id,
        }
        return (
            all(not getattr(filters, k) or getattr(filters, k) == v for k, v in values.items())
            and (not filters.since or record.received_at >= filters.since)
            and (not filters.until or record.received_at < filters.until)
            and record.seq >= filters.first
            and (
                filters.after is None
                or (
                    record.seq < filters.after
                    if filters.newest_first
                    else record.seq > filters.after
                )
            )
        )

    ordered = every[::-1] if filters.newest_first else every
    expected = [r.seq for r in ordered if wanted(r)][: filters.limit]
    found = [r.seq for r in searched.find(filters)]
    searched.close()
    assert found == expected
    assert found  # every case selects something


def test_a_record_row_holds_only_its_number_and_its_leaf(searched: AuditLog) -> None:
    engine = engine_for(searched.where)
    searched.close()
    columns = {c["name"] for c in sa.inspect(engine).get_columns("audit_record")}
    engine.dispose()
    assert columns == {"seq", "leaf"}


def test_an_old_log_loses_its_unchecked_columns_and_still_verifies(tmp_path: Path) -> None:
    """A log written before audit_0002 (values beside each leaf) is migrated on open."""
    path = tmp_path / "audit.sqlite"
    appender = LogAppender(AuditLog.open("WA", path), NodeKeys.load("WA", tmp_path / "k"))
    appender.append([_entry(n) for n in range(10)])
    appender.close()
    engine = engine_for(path)
    with engine.begin() as conn:
        config = _config("audit")
        config.attributes["connection"] = conn
        command.downgrade(config, "audit_0001")
    with engine.begin() as conn:
        # the old layout, its columns filled from the leaves, then one of them lied about
        assert conn.exec_driver_sql("SELECT component FROM audit_record WHERE seq = 1").scalar()
        conn.exec_driver_sql("UPDATE audit_record SET component = 'FBI'")
    migrate(engine, "audit", ["audit_record"])
    engine.dispose()
    log = AuditLog.open("WA", path)
    try:
        assert [r.seq for r in log.find(Filters(component="ICE"))] == [1, 5, 9]
    finally:
        log.close()


def test_a_message_id_is_found_through_the_index_on_the_leaf(searched: AuditLog) -> None:
    """The lookup is the index's own expression, so the database uses the index."""
    query = sa.select(record.c.seq).where(searched._field("message_id") == f"M{7:031d}")
    engine = engine_for(searched.where)
    searched.close()
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql("SET enable_seqscan = off")  # a tiny table: force the choice
                compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
                plan = " ".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {compiled}"))
            else:
                compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
                plan = " ".join(
                    str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")
                )
            assert "ix_audit_message" in plan, plan
            assert conn.execute(query).scalars().all() == [7]
    finally:
        engine.dispose()
