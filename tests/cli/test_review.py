"""``statelink review``, ``query --fetch`` and ``notices``: the done-when path on the CLI."""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from statelink.nation import Layout, open_records
from statelink.node_database import NodeDatabase
from statelink.notices.calendar import add_business_days
from statelink.review import ItemStatus
from tests.conftest import Run, copy_nation

Invoke = Callable[..., Run]
HSI = "WAHSI0100"


@pytest.fixture
def own(layout: Layout, tmp_path: Path) -> Layout:
    return copy_nation(layout, tmp_path / "nation")


def held(run: Invoke, own: Layout, offense: str = "6499") -> tuple[str, str]:
    records = open_records(own, "WA")
    oln = records.list_drivers(1)[0].oln
    records.close()
    sent = run(
        "query",
        f"DQ.{HSI}.WA.OLN/{oln}.PUR/C.OFF/{offense}.CAS/26-0042.",
        "--json",
        "--data",
        str(own.root),
    )
    reply = json.loads(sent.out)
    assert reply["summary"] == {"WA": "HELD"}
    return reply["message_id"], oln


def test_held_approved_collected_with_a_notice_due_in_three_business_days(
    run: Invoke, own: Layout, tmp_path: Path
) -> None:
    data = ("--data", str(own.root))
    message_id, oln = held(run, own)
    listed = json.loads(run("review", "list", "--state", "wa", "--json", *data).out)
    (item,) = [i for i in listed if i["message_id"] == message_id]
    assert (item["status"], item["offense"], item["case_number"]) == ("pending", "6499", "26-0042")
    shown = run("review", "show", message_id, "--state", "WA", *data)
    assert "case number  26-0042" in shown.out
    assert "no-civil-immigration" in shown.out

    approved = run(
        "review",
        "approve",
        message_id,
        "--state",
        "WA",
        "--reviewer",
        "r.lee",
        "--note",
        "trafficking case 26-0042",
        *data,
    )
    assert approved.code == 0
    assert "ready for the requester to collect" in approved.out

    no_ori = run("query", "--fetch", message_id, *data)
    assert no_ori.code == 2
    assert "--fetch needs --ori" in no_ori.err
    fetched = json.loads(run("query", "--fetch", message_id, "--ori", HSI, "--json", *data).out)
    (answer,) = fetched["answers"]
    assert answer["status"] == "HIT"
    assert [d["oln"] for d in answer["drivers"]] == [oln]

    owed = json.loads(run("notices", "list", "--state", "WA", "--json", *data).out)
    (notice,) = [n for n in owed if n["message_id"] == message_id]
    today = dt.datetime.now(dt.UTC).date()
    assert notice["due_on"] == add_business_days(today, 3).isoformat()
    assert notice["ori"] == HSI
    letters = tmp_path / "letters"
    exported = run("notices", "export", "--state", "WA", "--out", str(letters), *data)
    assert exported.code == 0
    assert (letters / f"notice-{notice['id']}.html").is_file()
    assert "mail-merge.csv" in exported.out
    sent = run("notices", "mark-sent", "--state", "WA", str(notice["id"]), *data)
    assert "sent; purged on" in sent.out
    still_due = json.loads(run("notices", "list", "--state", "WA", "--json", *data).out)
    assert notice["id"] not in [n["id"] for n in still_due]

    log = json.loads(run("audit", "show", "--state", "WA", "--oldest-first", "--json", *data).out)
    assert [r["status"] for r in log if r["message_id"] == message_id] == [
        "HELD",
        "APPROVED",
        "COLLECTED",
    ]
    assert run("audit", "verify", "--state", "WA", *data).code == 0


def test_a_denied_review_releases_nothing(run: Invoke, own: Layout) -> None:
    data = ("--data", str(own.root))
    message_id, _ = held(run, own, "6411")
    denied = run(
        "review", "deny", message_id, "--state", "WA", "--reviewer", "r.lee", "--note", "no", *data
    )
    assert "denied: nothing is released" in denied.out
    fetched = json.loads(run("query", "--fetch", message_id, "--ori", HSI, "--json", *data).out)
    assert fetched["summary"] == {"WA": "DENIED"}
    assert fetched["answers"][0]["drivers"] == []
    again = run(
        "review", "approve", message_id, "--state", "WA", "--reviewer", "x", "--note", "y", *data
    )
    assert again.code == 2
    assert "is closed, not pending" in again.err
    owed = json.loads(run("notices", "list", "--state", "WA", "--json", *data).out)
    assert [n for n in owed if n["message_id"] == message_id] == []


def test_bad_review_and_notice_input_is_a_usage_error(run: Invoke, own: Layout) -> None:
    data = ("--data", str(own.root))
    status = run("review", "list", "--state", "WA", "--status", "lost", *data)
    assert status.code == 2
    assert "expected open, all or one of" in status.err
    missing = run("review", "show", "NOSUCH", "--state", "WA", *data)
    assert missing.code == 1
    assert "WA has no held message NOSUCH" in missing.err
    state = run("notices", "list", "--state", "XX", *data)
    assert state.code == 2
    assert "unknown state 'XX'" in state.err
    nothing = run("query", "--fetch", "00AA", "--ori", HSI, *data)
    assert nothing.code == 1
    assert "no message 00AA from WAHSI0100" in nothing.err


def test_holidays_and_numbers_settings(run: Invoke, own: Layout) -> None:
    data = ("--data", str(own.root))
    added = run(
        "settings",
        "holidays",
        "--state",
        "WA",
        "--add",
        "2026-11-27",
        "--name",
        "Native American Heritage Day",
        "--json",
        *data,
    )
    assert json.loads(added.out) == [{"day": "2026-11-27", "name": "Native American Heritage Day"}]
    changed = json.loads(
        run("settings", "set", "--state", "WA", "review-hours", "48", "--json", *data).out
    )
    assert changed["review_hours"] == 48
    assert changed["notice_days"] == 3
    bad = run("settings", "set", "--state", "WA", "sleep_hours", "8", *data)
    assert bad.code == 2
    assert "unknown setting 'sleep_hours'" in bad.err


def test_approve_waits_while_the_running_node_carries_the_decision_out(
    run: Invoke, own: Layout
) -> None:
    """With a node serving the folder, the CLI reports what the node did, not the moment
    (``busy``) when the node was doing it."""
    message_id, _ = held(run, own)
    own.serving("WA").write_text(json.dumps({"pid": os.getpid()}), encoding="utf-8")
    done = threading.Event()

    def node() -> None:  # what a serving node's housekeeping does, slowly
        with NodeDatabase.open("WA", own.node_store("WA")) as db:
            for _ in range(400):  # bounded: 20 s
                if db.queue.transition(message_id, ItemStatus.APPROVED, ItemStatus.BUSY):
                    done.wait(1.0)  # still carrying it out when the CLI looks
                    db.queue.transition(message_id, ItemStatus.BUSY, ItemStatus.READY)
                    return
                time.sleep(0.05)

    carrying = threading.Thread(target=node)
    carrying.start()
    try:
        approved = run(
            "review", "approve", message_id, "--state", "WA", "--reviewer", "r.lee", "--note", "ok",
            "--data", str(own.root),
        )  # fmt: skip
    finally:
        done.set()
        carrying.join(timeout=30)
        own.serving("WA").unlink()
    assert approved.code == 0, approved.err
    assert "ready for the requester to collect" in approved.out
