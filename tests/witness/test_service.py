"""``POST /add-checkpoint`` of a real witness process: each answer tlog-witness requires."""

from __future__ import annotations

import base64
import hashlib
import socket
import threading
from pathlib import Path

import httpx
import pytest

from statelink.audit import AuditLog, NodeKeys, verifier
from statelink.audit.note import NoteSigner
from statelink.witness.store import WitnessStore
from statelink.witness.submission import MAX_BODY, Submission
from tests.audit.conftest import appender, entry
from tests.witness.conftest import RunningWitness, cli, start

ORIGIN = "statelink.example/audit/WA"


class Log:
    """A WA log of 40 records with checkpoints at 10, 20, 30 and 40."""

    def __init__(self, folder: Path) -> None:
        writer = appender(folder, checkpoint_every=10, checkpoint_seconds=3600)
        for n in range(40):
            writer.append([entry(n, oln=f"WDL{n:09d}")])
        writer.close()
        self.keys = NodeKeys.load("WA", folder / "keys")
        self.audit = AuditLog.open("WA", folder / "audit.sqlite")
        self.notes = {c.size: c.note for c in self.audit.checkpoints()}

    def body(self, old: int, new: int, proof: list[bytes] | None = None) -> bytes:
        path = self.audit.reader().consistency(old, new) if old else []
        return Submission(old, path if proof is None else proof, self.notes[new]).body()


@pytest.fixture
def log(tmp_path: Path) -> Log:
    return Log(tmp_path / "log")


def _post(witness: RunningWitness, body: bytes) -> httpx.Response:
    return httpx.post(f"{witness.url}/add-checkpoint", content=body, timeout=10)


def _add_log(witness: RunningWitness, log: Log) -> None:
    key = log.keys.signer.verifier_key()
    done = cli("witness", "add-log", "--dir", str(witness.folder), "--origin", ORIGIN, "--key", key)
    assert done.returncode == 0, done.stderr


def _forged(log: Log, size: int) -> str:
    """A checkpoint the log's own key signed over a root that is not the log's."""
    return log.keys.signer.checkpoint(size, hashlib.sha256(b"forged").digest())


def test_status_codes(witness: RunningWitness, log: Log, tmp_path: Path) -> None:
    _add_log(witness, log)
    stranger = NoteSigner(ORIGIN, NodeKeys.load("WA", tmp_path / "other").signer._key)
    tampered = (
        log.notes[10][:-10] + ("A" if log.notes[10][-10] != "A" else "B") + log.notes[10][-9:]
    )
    root10 = log.audit.reader().root(10)
    cases: list[tuple[str, bytes, int]] = [
        ("no empty line", b"old 0\n" + log.notes[10].encode().replace(b"\n\n", b"\n"), 400),
        ("leading zero", b"old 00\n\n" + log.notes[10].encode(), 400),
        ("not base64 proof", b"old 0\n!!\n\n" + log.notes[10].encode(), 400),
        ("old above size", log.body(0, 10).replace(b"old 0", b"old 11"), 400),
        ("unknown origin", Submission(0, [], NoteSigner("x.example/log", stranger._key)
                                      .checkpoint(1, b"\0" * 32)).body(), 404),
        ("another key only", Submission(0, [], stranger.checkpoint(10, root10)).body(), 403),
        ("bad signature by the key", Submission(0, [], tampered).body(), 403),
        ("proof from old 0", log.body(0, 10, proof=[b"\0" * 32]), 422),
        ("first checkpoint", log.body(0, 10), 200),
        ("stale old", log.body(0, 20), 409),
        ("same size, same root", log.body(10, 10), 200),
        ("same size, other root", Submission(10, [], _forged(log, 10)).body(), 422),
        ("bad proof", log.body(10, 20, proof=[b"\1" * 32]), 422),
        ("inconsistent checkpoint", Submission(10, log.audit.reader().consistency(10, 20),
                                               _forged(log, 20)).body(), 422),
        ("next checkpoint", log.body(10, 30), 200),
        ("rollback to an older checkpoint", log.body(10, 20), 409),
        ("too large", b"old 0\n" + b"A" * MAX_BODY, 413),
    ]  # fmt: skip
    got = [(name, _post(witness, body).status_code) for name, body, _ in cases]
    assert got == [(name, status) for name, _, status in cases]
    conflict = _post(witness, log.body(0, 40))
    assert conflict.headers["content-type"] == "text/x.tlog.size"
    assert conflict.text == "30\n"


def test_a_cosignature_is_returned_persisted_and_served(witness: RunningWitness, log: Log) -> None:
    _add_log(witness, log)
    answer = _post(witness, log.body(0, 20))
    assert answer.status_code == 200
    assert answer.text.startswith("\u2014 witness.example/w1 ")
    assert answer.text.endswith("\n")
    assert answer.text.count("\n") == 1
    key = verifier.CosignerKey.parse(witness.vkey)
    cosigned = verifier.verify_cosignature(verifier.note_text(log.notes[20]), answer.text, key)
    assert cosigned is not None
    assert cosigned.size == 20
    store = WitnessStore.open(witness.folder)
    try:
        assert store.require(ORIGIN).size == 20
    finally:
        store.close()
    origin_hash = hashlib.sha256(ORIGIN.encode()).hexdigest()
    served = httpx.get(f"{witness.url}/{origin_hash}/checkpoint", timeout=10)
    assert served.status_code == 200
    assert served.text == log.notes[20] + answer.text
    assert httpx.get(f"{witness.url}/{'0' * 64}/checkpoint", timeout=10).status_code == 404


def test_two_racing_updates_from_one_size_cannot_both_win(
    witness: RunningWitness, log: Log
) -> None:
    _add_log(witness, log)
    assert _post(witness, log.body(0, 10)).status_code == 200
    bodies = [log.body(10, 30), log.body(10, 20)] * 4
    statuses: list[int] = []
    threads = [
        threading.Thread(target=lambda b=b: statuses.append(_post(witness, b).status_code))
        for b in bodies
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(statuses).count(200) == 1
    assert statuses.count(409) == len(bodies) - 1


def test_the_empty_tree_has_the_empty_root(witness: RunningWitness, log: Log) -> None:
    _add_log(witness, log)
    wrong = log.keys.signer.checkpoint(0, b"\1" * 32)
    right = log.keys.signer.checkpoint(0, hashlib.sha256(b"").digest())
    assert _post(witness, Submission(0, [], wrong).body()).status_code == 422
    assert _post(witness, Submission(0, [], right).body()).status_code == 200


def test_the_cli_lists_and_refuses(witness: RunningWitness, log: Log) -> None:
    _add_log(witness, log)
    listed = cli("witness", "list", "--dir", str(witness.folder), "--json")
    assert '"origin": "statelink.example/audit/WA"' in listed.stdout
    again = cli("witness", "add-log", "--dir", str(witness.folder), "--origin", ORIGIN,
                "--key", log.keys.signer.verifier_key())  # fmt: skip
    assert again.returncode == 2
    assert "already witnesses" in again.stderr
    assert cli("witness", "key", "--dir", str(witness.folder)).stdout.strip() == witness.vkey
    base64.b64decode(witness.vkey.split("+", 2)[2], validate=True)


def test_sizes_above_2_63_are_malformed_not_a_crash(witness: RunningWitness, log: Log) -> None:
    _add_log(witness, log)
    root = hashlib.sha256(b"").digest()
    for size in (1 << 63, 10**19, 10**20 - 1):
        huge = log.keys.signer.checkpoint(size, root)
        assert _post(witness, Submission(0, [], huge).body()).status_code == 400
        old = b"old %d\n\n" % size + log.notes[10].encode()
        assert _post(witness, old).status_code == 400
    largest = log.keys.signer.checkpoint((1 << 63) - 1, root)
    assert _post(witness, Submission(1 << 62, [], largest).body()).status_code == 409


def test_the_monitoring_call_serves_only_verified_signatures(
    witness: RunningWitness, log: Log, tmp_path: Path
) -> None:
    _add_log(witness, log)
    stranger = NoteSigner(ORIGIN, NodeKeys.load("WA", tmp_path / "other").signer._key)
    foreign = stranger.checkpoint(10, log.audit.reader().root(10)).rpartition("\n\n")[2]
    assert foreign.startswith("\u2014 ")
    assert foreign not in log.notes[10]
    answer = _post(witness, Submission(0, [], log.notes[10] + foreign).body())
    assert answer.status_code == 200
    origin_hash = hashlib.sha256(ORIGIN.encode()).hexdigest()
    served = httpx.get(f"{witness.url}/{origin_hash}/checkpoint", timeout=10).text
    assert served == log.notes[10] + answer.text
    assert foreign not in served


def test_a_body_that_does_not_arrive_is_408(witness_dir: Path, log: Log) -> None:
    for running in start(witness_dir, "--read-timeout", "0.5"):
        host, port = running.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=30) as conn:
            conn.sendall(
                b"POST /add-checkpoint HTTP/1.1\r\nHost: witness\r\n"
                b"Content-Length: 100\r\n\r\nold 0\n"
            )
            answer = b""
            while b"\r\n\r\n" not in answer:  # bounded by the socket's timeout
                chunk = conn.recv(4096)
                if not chunk:
                    break
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 408 ")
