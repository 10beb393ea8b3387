"""The Parquet copy of an audit log: refreshes take turns, so no record is copied twice."""

from __future__ import annotations

import fcntl
import threading
from pathlib import Path

from statelink.audit.log import AuditLog
from statelink.nation import Layout
from statelink.reports.table import AuditTable


def test_concurrent_refreshes_copy_each_record_once(year: Layout, tmp_path: Path) -> None:
    table = AuditTable(tmp_path / "copy")
    log = AuditLog.open("WA", year.audit_store("WA"))
    try:
        total = log.size()
        table.folder.mkdir(parents=True)
        added: list[int] = []
        threads = [
            threading.Thread(target=lambda: added.append(table.refresh(log))) for _ in range(3)
        ]
        with table.lock_path.open("a") as held:
            fcntl.flock(held, fcntl.LOCK_EX)  # another refresh is under way
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=0.3)
            assert table.size() == 0  # they wait for it
        for thread in threads:
            thread.join()
    finally:
        log.close()
    assert sorted(added) == [0, 0, total]
    ((first, last, _),) = table.parts()
    assert (first, last) == (0, total - 1)
