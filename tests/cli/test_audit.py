"""``statelink audit`` on a nation that has answered queries."""

from __future__ import annotations

import asyncio
import base64
import csv
import json
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from statelink.audit import verifier
from statelink.embedded import EmbeddedNetwork
from statelink.messages import decode
from statelink.nation import Layout
from tests.conftest import Run, copy_nation, records_of

Invoke = Callable[..., Run]


@pytest.fixture(scope="module")
def logged(layout: Layout, tmp_path_factory: pytest.TempPathFactory) -> Layout:
    """A nation whose WA log holds 30 records, with signed checkpoints."""
    own = copy_nation(layout, tmp_path_factory.mktemp("logged"))

    async def run() -> None:
        async with EmbeddedNetwork.open(own, checkpoint_every=10) as network:
            oln = records_of(network.nodes["WA"]).list_drivers(1)[0].oln
            for n in range(30):
                ori = "WAICE0100" if n % 3 == 0 else "NY0303000"
                await network.hub.submit(decode(f"DQ.{ori}.WA.*C{n}.OLN/{oln}.PUR/C."))

    asyncio.run(run())
    return own


def test_verify_key_and_checkpoint(run: Invoke, logged: Layout, tmp_path: Path) -> None:
    data = ("--data", str(logged.root))
    result = json.loads(run("audit", "verify", "--state", "WA", "--json", *data).out)
    assert result["verified"] is True
    assert result["records"] == 30
    assert result["checkpoints"] == 3
    key = run("audit", "key", "--state", "WA", *data).out.strip()
    assert key.startswith("statelink.example/audit/WA+")
    note = run("audit", "checkpoint", "--state", "WA", *data).out
    opened = verifier.open_checkpoint(note, verifier.VerifierKey.parse(key))
    assert opened.size == 30
    kept = tmp_path / "kept.txt"
    kept.write_text(note)
    again = run("audit", "verify", "--state", "WA", "--checkpoint", str(kept), "--key", key, *data)
    assert again.code == 0
    assert "consistent with your checkpoint of size 30" in again.out


def test_proof_verifies_with_the_independent_verifier(run: Invoke, logged: Layout) -> None:
    data = ("--data", str(logged.root))
    proof = json.loads(run("audit", "proof", "--state", "WA", "--seq", "7", "--json", *data).out)
    assert set(proof) == {"leaf_index", "tree_size", "leaf_hash", "path", "root", "checkpoint"}
    key = verifier.VerifierKey.parse(run("audit", "key", "--state", "WA", *data).out)
    checkpoint = verifier.open_checkpoint(proof["checkpoint"], key)
    assert checkpoint.root.hex() == proof["root"]
    verifier.verify_inclusion(
        bytes.fromhex(proof["leaf_hash"]),
        7,
        proof["tree_size"],
        [bytes.fromhex(p) for p in proof["path"]],
        checkpoint.root,
    )
    beyond = run("audit", "proof", "--state", "WA", "--seq", "99", *data)
    assert beyond.code == 1
    assert "there is no record 99" in beyond.err


def test_consistency_proof(run: Invoke, logged: Layout) -> None:
    data = ("--data", str(logged.root))
    proof = json.loads(
        run(
            "audit", "consistency", "--state", "WA", "--from", "10", "--to", "30", "--json", *data
        ).out
    )
    assert set(proof) == {"first", "second", "path", "first_root", "second_root"}
    verifier.verify_consistency(
        10,
        30,
        bytes.fromhex(proof["first_root"]),
        bytes.fromhex(proof["second_root"]),
        [bytes.fromhex(p) for p in proof["path"]],
    )
    notes = [json.loads(run("audit", "checkpoint", "--state", "WA", "--json", *data).out)]
    assert notes[0]["root"] == proof["second_root"]
    assert base64.b64decode(notes[0]["note"].split("\n")[2]).hex() == proof["second_root"]
    assert run("audit", "consistency", "--state", "WA", "--from", "31", *data).code == 2


def test_show_filters(run: Invoke, logged: Layout) -> None:
    data = ("--data", str(logged.root))
    ice = json.loads(
        run(
            "audit",
            "show",
            "--state",
            "WA",
            "--component",
            "ice",
            "--limit",
            "100",
            "--json",
            *data,
        ).out
    )
    assert len(ice) == 10
    assert {r["decision"] for r in ice} == {"deny"}
    assert {r["requester"]["groups"][-1] for r in ice} == {"immigration-enforcement"}
    permitted = json.loads(
        run(
            "audit",
            "show",
            "--state",
            "WA",
            "--decision",
            "PERMIT",
            "--limit",
            "5",
            "--json",
            *data,
        ).out
    )
    assert len(permitted) == 5
    assert all(r["status"] == "HIT" and r["released"] == 1 for r in permitted)
    readable = run("audit", "show", "--state", "WA", "--limit", "2", *data)
    assert "cj-access" in readable.out or "no-civil-immigration" in readable.out


def _seqs(run: Invoke, logged: Layout, *words: str) -> list[int]:
    shown = run("audit", "show", "--state", "WA", "--json", "--data", str(logged.root), *words)
    assert shown.code == 0, shown.err
    return [r["seq"] for r in json.loads(shown.out)]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (("--limit", "3"), [29, 28, 27]),  # newest first
        (("--limit", "3", "--after", "27"), [26, 25, 24]),  # the next page
        (("--limit", "3", "--oldest-first"), [0, 1, 2]),
        (("--limit", "3", "--oldest-first", "--after", "2"), [3, 4, 5]),
        (("--component", "ICE", "--limit", "2", "--after", "27"), [24, 21]),
        (("--limit", "5", "--after", "2"), [1, 0]),
        (("--after", "0"), []),
    ],
)
def test_show_lists_newest_first_a_page_at_a_time(
    run: Invoke, logged: Layout, words: tuple[str, ...], expected: list[int]
) -> None:
    assert _seqs(run, logged, *words) == expected


def test_show_says_how_to_get_the_next_page(run: Invoke, logged: Layout) -> None:
    page = run("audit", "show", "--state", "WA", "--limit", "4", "--data", str(logged.root))
    assert "received" in page.out.splitlines()[0]
    assert "more: add --after 26 for the next page" in page.out
    last = run("audit", "show", "--state", "WA", "--after", "3", "--data", str(logged.root))
    assert "more:" not in last.out


def test_since_and_until_are_when_the_hub_received_the_message(run: Invoke, logged: Layout) -> None:
    every = json.loads(
        run("audit", "show", "--state", "WA", "--json", "--limit", "100",
            "--data", str(logged.root)).out
    )  # fmt: skip
    received = sorted(r["received_at"] for r in every)
    middle = received[15][:19]  # to the second, as --since takes it
    since = _seqs(run, logged, "--since", middle, "--limit", "100")
    assert sorted(since) == sorted(r["seq"] for r in every if r["received_at"] >= middle)
    until = _seqs(run, logged, "--until", middle, "--limit", "100")
    assert sorted(since + until) == sorted(r["seq"] for r in every)
    backwards = run("audit", "show", "--state", "WA", "--since", "2026-02-01",
                    "--until", "2026-01-01", "--data", str(logged.root))  # fmt: skip
    assert backwards.code == 2
    assert "must come after --since" in backwards.err


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_export(run: Invoke, logged: Layout, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"wa.{fmt}"
    result = run(
        "audit",
        "export",
        "--state",
        "WA",
        "--format",
        fmt,
        "--out",
        str(out),
        "--data",
        str(logged.root),
        "--json",
    )
    assert json.loads(result.out)["records"] == 30
    if fmt == "jsonl":
        lines = out.read_text().splitlines()
        assert json.loads(lines[0])["seq"] == 0
    elif fmt == "csv":
        rows = list(csv.DictReader(out.open()))
        assert rows[0]["dataset"] == "WA/driver"
        assert {r["component"] for r in rows} == {"", "ICE"}
    else:
        relation = duckdb.sql(f"SELECT decision, count(*) FROM '{out}' GROUP BY 1")
        assert relation is not None
        counts = dict(relation.fetchall())
        assert counts == {"permit": 20, "deny": 10}


# (what was changed, the first bad index `audit verify` names)
CHANGED_ROWS = {
    "a record deleted": ("DELETE FROM audit_record WHERE seq = 12", 12),
    "a subtree hash": ("UPDATE tree_node SET hash = zeroblob(32) WHERE level = 1 AND idx = 7", 14),
    "a checkpoint's size column": ("UPDATE checkpoint SET size = size + 1000 WHERE size = 20", 20),
    "a checkpoint's root column": ("UPDATE checkpoint SET root = zeroblob(32) WHERE size = 20", 20),
}


@pytest.mark.parametrize("changed", CHANGED_ROWS.values(), ids=CHANGED_ROWS.keys())
def test_tampering_makes_verify_fail_with_the_first_bad_index(
    run: Invoke, logged: Layout, tmp_path: Path, changed: tuple[str, int]
) -> None:
    statement, first_bad = changed
    own = copy_nation(logged, tmp_path / "tampered", logs=True)
    engine = sa.create_engine(f"sqlite:///{own.audit('WA')}")
    with engine.begin() as conn:
        conn.exec_driver_sql(statement)
    engine.dispose()
    result = run("audit", "verify", "--state", "WA", "--data", str(own.root))
    assert result.code == 1
    assert f"first bad index: {first_bad}" in result.err
    as_json = json.loads(
        run("audit", "verify", "--state", "WA", "--json", "--data", str(own.root)).out
    )
    assert as_json["first_bad_index"] == first_bad


def test_a_bad_kept_checkpoint_or_record_number_is_the_caller_s_mistake(
    run: Invoke, logged: Layout, tmp_path: Path
) -> None:
    """The message says what is wrong with the input, and never blames the log."""
    data = ("--state", "WA", "--data", str(logged.root))
    not_a_checkpoint = tmp_path / "hostname"
    not_a_checkpoint.write_text("build-host\n")
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    for kept in (not_a_checkpoint, binary):
        refused = run("audit", "verify", "--checkpoint", str(kept), *data)
        assert refused.code == 2, refused.err
        assert refused.err.startswith(f"error: --checkpoint: {kept} is not")
        assert "does NOT verify" not in refused.err
    beyond = run("audit", "proof", "--seq", "999999", *data)
    assert beyond.code != 0
    assert "has 30 records (0 to 29): there is no record 999,999" in beyond.err
    assert "try again" not in beyond.err
