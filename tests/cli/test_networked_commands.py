"""The networked mode's commands: pki, members, database copy, serve --help."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from statelink.audit import AuditLog
from statelink.nation import Layout
from statelink.notices import Addressee, NoticeStore
from statelink.store import engine_for
from tests.conftest import Run, copy_nation
from tests.notices.test_store import HOME, owe
from tests.postgres import drop_database, fresh_database


def test_pki_and_members(tmp_path: Path, layout: Layout, run: Callable[..., Run]) -> None:
    own = copy_nation(layout, tmp_path / "nation")
    data = ["--data", str(own.root)]
    made = run("pki", "init", "--dir", str(tmp_path / "pki"), "--state", "WA",
               "--member", "wa-switch", "--json")  # fmt: skip
    assert made.code == 0, made.err
    summary = json.loads(made.out)
    cert = summary["members"]["wa-switch"]["cert"]
    assert run("members", "add", "wa-switch", "--state", "WA", "--cert", cert, *data).code == 0
    token = json.loads(run("members", "token", "wa-switch", *data, "--json").out)
    assert token["token"].startswith("slk_")
    listed = json.loads(run("members", "list", *data, "--json").out)
    assert listed[0]["cert_sha256"] == summary["members"]["wa-switch"]["sha256"]
    assert token["token"] not in json.dumps(listed)
    assert run("members", "revoke", token["token_id"], *data).code == 0
    listed = json.loads(run("members", "list", *data, "--json").out)
    assert listed[0]["tokens"][0]["revoked_at"] is not None
    refused = run("members", "add", "nobody", *data)
    assert refused.code == 2
    assert "must own something" in refused.err
    assert run("pki", "init", "--dir", str(tmp_path / "pki"), "--state", "XX").code == 2


def test_serve_help_names_every_setting_and_its_variable(run: Callable[..., Run]) -> None:
    node = run("serve", "node", "--help").out
    for flag, env in (
        ("--hub-cert", "STATELINK_NODE_HUB_CERT"),
        ("--database", "STATELINK_NODE_DATABASE"),
    ):
        assert flag in node
        assert env in node
    hub = run("serve", "hub", "--help").out
    for flag in ("--node", "--single-timeout", "--nationwide-timeout", "--resubmit-window"):
        assert flag in hub


def test_a_node_copied_into_postgresql_keeps_every_row_and_its_audit_log_verifies(
    tmp_path: Path, layout: Layout, run: Callable[..., Run]
) -> None:
    own = copy_nation(layout, tmp_path / "nation", logs=True)
    before = NoticeStore.open("WA", own.node_db("WA"))
    owe(before, Addressee("driver", "DOE, JANE Q", HOME), message_id="BEFORE")
    before.close()
    url = fresh_database()
    try:
        copied = run("database", "copy", "--state", "WA", "--to", url,
                     "--data", str(own.root), "--json")  # fmt: skip
        assert copied.code == 0, copied.err
        counts = json.loads(copied.out)["copied"]
        source = engine_for(own.records("WA"))
        target = engine_for(url)
        with source.connect() as a, target.connect() as b:
            for table in ("driver", "driver_event", "vehicle"):
                query = sa.text(f"SELECT count(*) FROM {table}")
                assert a.execute(query).scalar() == b.execute(query).scalar() == counts[table]
        source.dispose()
        target.dispose()
        log = AuditLog.open("WA", url)
        assert log.size() == counts["audit_record"]
        log.close()
        after = NoticeStore.open("WA", url)  # serial keys go on after the copied ids
        assert owe(after, Addressee("driver", "ROE, RICHARD", HOME), message_id="AFTER")
        assert {n.message_id for n in after.find()} >= {"BEFORE", "AFTER"}
        after.close()
        again = run("database", "copy", "--state", "WA", "--to", url, "--data", str(own.root))
        assert again.code == 1
        assert "not empty" in again.err
    finally:
        drop_database(url)


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--to", "postgresql://x/y"], "--state XX"),
        (["--to", "/tmp/file.sqlite", "--hub"], "database URL"),
    ],
)
def test_database_copy_usage(
    args: list[str], error: str, run: Callable[..., Run], layout: Layout
) -> None:
    result = run("database", "copy", *args, "--data", str(layout.root))
    assert result.code == 2
    assert error in result.err
