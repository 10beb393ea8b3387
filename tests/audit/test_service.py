"""The audit service process: durable receipts, group commit, failures fail closed."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from statelink.audit import AuditLog, AuditService, NodeKeys, verifier
from statelink.errors import AuditUnavailable
from tests.audit.conftest import entry


def _service(folder: Path, checkpoint_every: int = 1000) -> AuditService:
    return AuditService(
        lambda state: (folder / f"{state}.sqlite", folder / f"{state}-keys"),
        checkpoint_every=checkpoint_every,
    )


def _verify(folder: Path, state: str = "WA") -> verifier.LogReport:
    log = AuditLog.open(state, folder / f"{state}.sqlite")
    key = verifier.VerifierKey.parse(
        NodeKeys.load(state, folder / f"{state}-keys").signer.verifier_key()
    )
    try:
        return verifier.verify_log(
            log.leaves(), [verifier.open_checkpoint(c.note, key) for c in log.checkpoints()]
        )
    finally:
        log.close()


def test_receipts_come_after_the_record_is_durable(folder: Path) -> None:
    async def run() -> None:
        service = _service(folder)
        receipt = await service.append("WA", entry(0))
        assert (receipt.log, receipt.seq) == ("statelink.example/audit/WA", 0)
        log = AuditLog.open("WA", folder / "WA.sqlite")  # another connection sees it
        assert log.size() == 1
        assert log.leaf_hash(0).hex() == receipt.leaf_hash
        log.close()
        await service.aclose()

    asyncio.run(run())
    assert _verify(folder).checkpoints == 1  # signed at close


def test_concurrent_appends_share_commits_and_number_consecutively(folder: Path) -> None:
    async def run() -> list[int]:
        service = _service(folder, checkpoint_every=50)
        receipts = await asyncio.gather(
            *(service.append(state, entry(n)) for n in range(300) for state in ("WA", "OR"))
        )
        await service.aclose()
        return sorted(r.seq for r in receipts if r.log.endswith("/WA"))

    assert asyncio.run(run()) == list(range(300))
    assert _verify(folder, "WA").size == _verify(folder, "OR").size == 300


def test_a_dead_service_fails_its_appends_and_a_new_one_carries_on(folder: Path) -> None:
    async def run() -> None:
        service = _service(folder)
        await service.append("WA", entry(0))
        assert service.process is not None
        assert service.process.pid is not None
        os.kill(service.process.pid, signal.SIGKILL)
        with pytest.raises(AuditUnavailable):
            await service.append("WA", entry(1))
        receipt = await service.append("WA", entry(2))  # a new service
        assert receipt.seq == 1
        await service.aclose()

    asyncio.run(run())
    assert _verify(folder).size == 2


def test_a_batch_the_database_refuses_is_unavailable(folder: Path) -> None:
    async def run() -> None:
        service = _service(folder)
        await service.append("WA", entry(0))
        engine = sa.create_engine(f"sqlite:///{folder / 'WA.sqlite'}")
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "CREATE TRIGGER no BEFORE INSERT ON audit_record "
                "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
            )
        with pytest.raises(AuditUnavailable, match="disk full"):
            await service.append("WA", entry(1))
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TRIGGER no")
        engine.dispose()
        assert (await service.append("WA", entry(2))).seq == 1
        await service.aclose()

    asyncio.run(run())


def test_a_second_asyncio_run_starts_a_new_service_after_the_first_ended(folder: Path) -> None:
    service = _service(folder)
    first = asyncio.run(service.append("WA", entry(0)))
    process = service.process
    assert process is not None
    assert process.exitcode == 0  # it ended with its loop, after a last checkpoint
    assert _verify(folder).checkpoints == 1
    second = asyncio.run(service.append("WA", entry(1)))
    assert service.process is not process
    assert (first.seq, second.seq) == (0, 1)
    asyncio.run(service.aclose())
    assert (_verify(folder).size, _verify(folder).checkpoints) == (2, 2)


def test_a_loop_closed_without_shutting_down_lets_its_service_go(folder: Path) -> None:
    service = _service(folder)
    loop = asyncio.new_event_loop()
    first = loop.run_until_complete(service.append("WA", entry(0)))
    loop.close()  # no asyncio.run: its tasks were not cancelled
    process = service.process
    second = asyncio.run(service.append("WA", entry(1)))  # after the first service exited
    assert process is not None
    assert process.exitcode == 0
    assert (first.seq, second.seq) == (0, 1)
    asyncio.run(service.aclose())
    assert _verify(folder).size == 2


def test_a_service_refuses_a_second_loop_while_its_first_is_open(folder: Path) -> None:
    service = _service(folder)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(service.append("WA", entry(0)), loop).result()
        with pytest.raises(RuntimeError, match="another event loop that is still open"):
            asyncio.run(service.append("WA", entry(1)))
        asyncio.run_coroutine_threadsafe(service.aclose(), loop).result()
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()
    assert _verify(folder).size == 1


def test_aclose_answers_every_waiting_append_before_the_service_exits(folder: Path) -> None:
    async def run() -> tuple[list[int], int | None]:
        service = _service(folder)
        await service.append("WA", entry(0))
        appends = [asyncio.create_task(service.append("WA", entry(n))) for n in range(1, 51)]
        await asyncio.sleep(0)  # every append is waiting for its receipt
        process = service.process
        assert process is not None
        assert process.exitcode is None
        await service.aclose()
        assert all(a.done() for a in appends)
        return sorted(a.result().seq for a in appends), process.exitcode

    seqs, exitcode = asyncio.run(run())
    assert (seqs, exitcode) == (list(range(1, 51)), 0)
    assert (_verify(folder).size, _verify(folder).checkpoints) == (51, 1)


def test_a_second_writer_on_the_same_log_is_refused(folder: Path) -> None:
    async def run() -> None:
        first, second = _service(folder), _service(folder)
        await first.append("WA", entry(0))
        with pytest.raises(AuditUnavailable, match="in use by another statelink process"):
            await second.append("WA", entry(1))
        await first.aclose()
        assert (await second.append("WA", entry(2))).seq == 1  # free once the first is gone
        await second.aclose()

    asyncio.run(run())
