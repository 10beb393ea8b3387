"""Every command-line input path is total: whatever bytes a user gives (in an argument,
a file, the environment), a command answers with exit 0, 1 or 2 and, when it fails,
exactly one line on stderr, ``error: ...``, never a traceback; Ctrl-C exits 130 with
``interrupted``."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from statelink.cli.exits import MAX_LINE
from statelink.nation import Layout
from statelink.policy.templates import TEMPLATES, write
from tests.conftest import Run, copy_nation

Invoke = Callable[..., Run]

MESSAGE = "DQ.NY0303000.WA.OLN/WDL12345678.PUR/C."


def bad(text: bytes) -> str:
    """A command-line word as Python receives these bytes (0xFF: U+DCFF)."""
    return os.fsdecode(text)


@dataclass(frozen=True)
class Places:
    """What the cases point at: a copy of the nation, an empty folder and hostile files."""

    data: str  # a built nation (a private copy)
    nowhere: str  # an empty data folder
    random: str  # 4 KiB of random bytes, not UTF-8
    empty: str  # an empty file
    folder: str  # a folder (where a file is expected)
    missing: str  # no such file
    cedar_folder: str  # a folder whose .cedar file is random bytes
    bad_toml: str  # UTF-8, but not TOML
    corrupt_nation: str  # a data folder whose nation.json is random bytes
    witness: str  # a witness folder whose key is random bytes
    good_policies: str  # a valid policy set


@pytest.fixture(scope="module")
def places(layout: Layout, tmp_path_factory: pytest.TempPathFactory) -> Places:
    root = tmp_path_factory.mktemp("hostile")
    noise = b"\xff" + random.Random(21).randbytes(4095)
    (root / "random.bin").write_bytes(noise)
    (root / "empty.txt").write_bytes(b"")
    (root / "folder").mkdir()
    (root / "policies").mkdir()
    (root / "policies" / "wa.cedar").write_bytes(noise)
    (root / "bad.toml").write_text("port = [[[\n", encoding="utf-8")
    (root / "nowhere").mkdir()
    corrupt = root / "corrupt"
    corrupt.mkdir()
    (corrupt / "nation.json").write_bytes(noise)
    write(next(iter(TEMPLATES)), "WA", root / "good")
    (root / "witness").mkdir()
    (root / "witness" / "witness.json").write_text('{"name": "w"}', encoding="utf-8")
    (root / "witness" / "witness-ed25519.pem").write_bytes(noise)
    return Places(
        data=str(copy_nation(layout, root / "nation").root),
        nowhere=str(root / "nowhere"),
        random=str(root / "random.bin"),
        empty=str(root / "empty.txt"),
        folder=str(root / "folder"),
        missing=str(root / "no-such-file"),
        cedar_folder=str(root / "policies"),
        bad_toml=str(root / "bad.toml"),
        corrupt_nation=str(corrupt),
        witness=str(root / "witness"),
        good_policies=str(root / "good"),
    )


@dataclass(frozen=True)
class Case:
    """A hostile command line: its words (given the places), the environment it adds, and
    a part of the one error line (what it must name)."""

    words: Callable[[Places], list[str]]
    names: str
    env: dict[str, str] = field(default_factory=dict)


def _data(p: Places) -> list[str]:
    return ["--data", p.data]


CASES: dict[str, Case] = {
    # query: the message argument, its file, the hub and token
    "query not UTF-8": Case(
        lambda p: ["query", bad(b"DQ.NY0303000.W\xffA.OLN/X.PUR/C."), *_data(p)],
        "argument 2 (MESSAGE) is not valid UTF-8 (byte 0xFF at position 14)",
    ),
    "query NUL": Case(
        lambda p: ["query", "DQ.NY0303000.WA.OLN/X\0Y.PUR/C.", *_data(p)], "NUL character"
    ),
    "query 1 MB": Case(lambda p: ["query", "DQ." + "A" * 1_000_000, *_data(p)], "invalid message"),
    "query 1 MB of dots": Case(lambda p: ["query", "." * 1_000_000, *_data(p)], "invalid message"),
    "query file random": Case(lambda p: ["query", "--file", p.random, *_data(p)], "--file: "),
    "query file empty": Case(lambda p: ["query", "--file", p.empty, *_data(p)], "invalid message"),
    "query file folder": Case(lambda p: ["query", "--file", p.folder, *_data(p)], "is a folder"),
    "query file missing": Case(
        lambda p: ["query", "--file", p.missing, *_data(p)], "does not exist"
    ),
    "query --json FILE random": Case(
        lambda p: ["query", "--json", p.random, *_data(p)], "not UTF-8 text"
    ),
    "query hub no URL": Case(lambda p: ["query", "--hub", "nonsense", MESSAGE], "--hub"),
    "query token not ASCII": Case(
        lambda p: ["query", "--hub", "http://127.0.0.1:9", "--token", "\u00e9t\u00e9", MESSAGE],
        "--token",
    ),
    "query token not UTF-8": Case(
        lambda p: ["query", "--hub", "http://127.0.0.1:9", "--token", bad(b"t\xff"), MESSAGE],
        "argument 5 (--token)",
    ),
    "query hub from the environment": Case(
        lambda p: ["query", MESSAGE, *_data(p)],
        "environment variable STATELINK_HUB",
        env={"STATELINK_HUB": bad(b"http://hub\xff:8443")},
    ),
    "query fetch not UTF-8": Case(
        lambda p: ["query", "--fetch", bad(b"\xfe\xff"), "--ori", "NY0303000", *_data(p)],
        "argument 3 (--fetch)",
    ),
    # policy: explain's arguments, and files of random bytes
    "explain not UTF-8": Case(
        lambda p: ["policy", "explain", "--state", "WA", bad(b"DQ.\xff"), *_data(p)],
        "argument 5 (MESSAGE)",
    ),
    "explain state not UTF-8": Case(
        lambda p: ["policy", "explain", "--state", bad(b"W\xc3"), MESSAGE, *_data(p)],
        "byte 0xC3 at position 1",
    ),
    "validate random": Case(lambda p: ["policy", "validate", p.random], "PATH: "),
    "validate folder of random": Case(
        lambda p: ["policy", "validate", p.cedar_folder], "wa.cedar is not UTF-8"
    ),
    "validate missing": Case(lambda p: ["policy", "validate", p.missing], "no-such-file"),
    "test random cases": Case(
        lambda p: ["policy", "test", p.cedar_folder, "--cases", p.random], "not UTF-8"
    ),
    "test cases random": Case(
        lambda p: ["policy", "test", p.good_policies, "--cases", p.random],
        "--cases: ",
    ),
    "apply random": Case(
        lambda p: ["policy", "apply", "--state", "WA", p.random, *_data(p)], "not UTF-8"
    ),
    "simulate random": Case(
        lambda p: ["policy", "simulate", "--state", "WA", p.random, *_data(p)], "not UTF-8"
    ),
    "coverage directory random": Case(
        lambda p: ["policy", "coverage", "--state", "WA", "--directory", p.random, *_data(p)],
        "--directory: ",
    ),
    # directory import of a binary file, an empty one, a folder
    "import binary": Case(
        lambda p: ["directory", "import", p.random, "--data", p.nowhere], "not UTF-8"
    ),
    "import empty": Case(lambda p: ["directory", "import", p.empty, "--data", p.nowhere], "empty"),
    "import folder": Case(
        lambda p: ["directory", "import", p.folder, "--data", p.nowhere], "is a folder"
    ),
    "directory show not UTF-8": Case(
        lambda p: ["directory", "show", bad(b"\x80"), *_data(p)], "argument 3 (ORI)"
    ),
    # report with bad dates, a bad format, an --out that is a folder
    "report month 13": Case(
        lambda p: ["report", "--state", "WA", "--since", "2026-13-01", *_data(p)], "--since"
    ),
    "report date not UTF-8": Case(
        lambda p: ["report", "--state", "WA", "--until", bad(b"2026-\xff"), *_data(p)], "--until"
    ),
    "report out folder": Case(
        lambda p: ["report", "--state", "WA", "--format", "csv", "--out", p.folder, *_data(p)],
        "--out",
    ),
    # audit: bad numbers, a checkpoint of random bytes
    "audit show limit": Case(
        lambda p: ["audit", "show", "--state", "WA", "--limit", "many", *_data(p)], "--limit"
    ),
    "audit proof negative": Case(
        lambda p: ["audit", "proof", "--state", "WA", "--seq", "-1", *_data(p)], "--seq"
    ),
    "audit proof huge": Case(
        lambda p: ["audit", "proof", "--state", "WA", "--seq", "9" * 5000, *_data(p)], "--seq"
    ),
    "audit proof not UTF-8": Case(
        lambda p: ["audit", "proof", "--state", "WA", "--seq", bad(b"1\xff"), *_data(p)], "--seq"
    ),
    "audit verify checkpoint random": Case(
        lambda p: ["audit", "verify", "--state", "WA", "--checkpoint", p.random, *_data(p)],
        "--checkpoint",
    ),
    "audit state unknown": Case(lambda p: ["audit", "show", "--state", "QQ", *_data(p)], "QQ"),
    # settings with bad values
    "settings set word": Case(
        lambda p: ["settings", "set", "--state", "WA", "review_hours", "soon", *_data(p)],
        "'value'",
    ),
    "settings set negative": Case(
        lambda p: ["settings", "set", "--state", "WA", *_data(p), "--", "review_hours", "-5"],
        "'value'",
    ),
    "settings unknown number": Case(
        lambda p: ["settings", "set", "--state", "WA", "bogus", "5", *_data(p)], "bogus"
    ),
    "settings serious crime": Case(
        lambda p: ["settings", "serious-crime", "--state", "WA", "09zz-1", *_data(p)], "09zz"
    ),
    "settings holiday 30 February": Case(
        lambda p: ["settings", "holidays", "--state", "WA", "--add", "2026-02-30", *_data(p)],
        "--add",
    ),
    # the networked mode's files and environment
    "serve config random": Case(lambda p: ["serve", "hub", "--config", p.random], "--config: "),
    "serve config not TOML": Case(lambda p: ["serve", "node", "--config", p.bad_toml], "TOML"),
    "serve config folder": Case(lambda p: ["serve", "hub", "--config", p.folder], "--config"),
    "serve port from the environment": Case(
        lambda p: ["serve", "hub", "--cert", p.random, "--key", p.random, "--ca", p.random],
        "port",
        env={"STATELINK_HUB_PORT": "eighty"},
    ),
    "serve nodes from the environment": Case(
        lambda p: ["serve", "hub", "--cert", p.random, "--key", p.random, "--ca", p.random],
        "STATELINK_HUB_NODES",
        env={"STATELINK_HUB_NODES": "{not json"},
    ),
    "members cert random": Case(
        lambda p: ["members", "add", "m1", "--cert", p.random, "--data", p.nowhere],
        "not a readable PEM certificate",
    ),
    "witness key random": Case(lambda p: ["witness", "key", "--dir", p.witness], "--dir: "),
    "pki unknown state": Case(lambda p: ["pki", "init", "--state", "ZZ", "--dir", p.nowhere], "ZZ"),
    "accounts password random": Case(
        lambda p: ["accounts", "add", "ann", "--password-file", p.random, "--data", p.nowhere],
        "not valid UTF-8",
    ),
    "reviewer from the environment": Case(
        lambda p: ["review", "approve", "M1", "--state", "WA", "--note", "ok", *_data(p)],
        "STATELINK_REVIEWER",
        env={"STATELINK_REVIEWER": bad(b"r.l\xe9e")},
    ),
    "notices ids": Case(
        lambda p: ["notices", "mark-sent", "--state", "WA", "one", *_data(p)], "'ids'"
    ),
    # the data folder: a corrupt nation, a file where a folder belongs
    "corrupt nation": Case(
        lambda p: ["policy", "coverage", "--state", "WA", "--data", p.corrupt_nation],
        "nation.json",
    ),
    "demo on a corrupt nation": Case(
        lambda p: ["demo", "--no-serve", "--data", p.corrupt_nation], "nation.json"
    ),
    "demo scale": Case(
        lambda p: ["demo", "--no-serve", "--scale", "2", "--data", p.nowhere], "--scale"
    ),
    # files and folders to write, and database URLs
    "audit export out folder": Case(
        lambda p: [
            "audit",
            "export",
            "--state",
            "WA",
            "--format",
            "csv",
            "--out",
            p.folder,
            *_data(p),
        ],
        "--out: ",
    ),
    "notices export out file": Case(
        lambda p: ["notices", "export", "--state", "WA", "--out", p.empty, *_data(p)],
        "is a file, not a folder",
    ),
    "policy init out file": Case(
        lambda p: ["policy", "init", "--state", "WA", "--template", "wa", "--out", p.empty],
        "--out: ",
    ),
    "pki init dir file": Case(
        lambda p: ["pki", "init", "--state", "WA", "--dir", p.empty], "--dir"
    ),
    "directory export to a folder": Case(
        lambda p: ["directory", "export", p.folder, *_data(p)], "is a folder"
    ),
    "members database URL": Case(
        lambda p: ["members", "list", "--database", "garbage://x"], "--database"
    ),
    "database copy URL": Case(
        lambda p: ["database", "copy", "--state", "WA", "--to", "nonsense", *_data(p)], "--to"
    ),
    "witness serve certificate random": Case(
        lambda p: ["witness", "serve", "--dir", p.witness, "--cert", p.random, "--key", p.random],
        "--cert",
    ),
    "demo host": Case(
        lambda p: ["demo", "--host", "no such host", "--port", "1", "--data", p.nowhere], "--host"
    ),
    # the parser's own errors
    "unknown option": Case(lambda p: ["query", "--bogus"], "run 'statelink query --help'"),
    "unknown command not UTF-8": Case(lambda p: [bad(b"qu\xffery")], "no such command"),
    "extra argument": Case(lambda p: ["audit", "show", "--state", "WA", "x\ny"], "x\\x0ay"),
    "option NUL": Case(lambda p: ["records", "list", "--state", "W\0A"], "argument 4"),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_hostile_input_is_one_error_line_and_exit_2(
    run: Invoke, places: Places, case: Case, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    result = run(*case.words(places))
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert result.code == 2, result.err
    assert len(lines) == 1, result.err
    assert lines[0].startswith("error: "), result.err
    assert len(lines[0]) < MAX_LINE + 100  # a megabyte argument is not echoed whole
    assert case.names in lines[0], lines[0]
    assert "Traceback" not in result.err + result.out


# --- random command lines -------------------------------------------------------------

SAFE: dict[str, tuple[list[str], list[str]]] = {
    "query": (["query"], ["--fetch", "--ori", "--file"]),
    "explain": (["policy", "explain", "--state", "WA"], ["--state"]),
    "validate": (["policy", "validate"], []),
    "directory show": (["directory", "show"], []),
    "directory list": (
        ["directory", "list"],
        ["--state", "--kind", "--component", "--group", "--name", "--limit"],
    ),
    "records list": (["records", "list", "--state", "WA"], ["--kind", "--limit", "--offset"]),
    "audit show": (
        ["audit", "show", "--state", "WA"],
        ["--ori", "--component", "--mke", "--decision", "--status", "--since", "--until"],
    ),
    "audit proof": (["audit", "proof", "--state", "WA"], ["--seq"]),
    "settings show": (["settings", "show"], ["--state"]),
    "review list": (["review", "list", "--state", "WA"], ["--status", "--limit"]),
    "notices list": (["notices", "list", "--state", "WA"], ["--status"]),
    "certifications list": (
        ["certifications", "list", "--state", "WA"],
        ["--ori", "--expiring-within", "--limit"],
    ),
}
"""Commands that only read (``query`` writes audit records to the copy): the words that
make each one nearly right, and the options that take a value."""

ODD = os.fsdecode(b"\xff\xfe\x80 \x1b[31m [/] [bold] \n\t")


def _value() -> st.SearchStrategy[str]:
    """A value a user might give, or a hostile one."""
    return st.one_of(
        st.sampled_from(["WA", "-1", "0", "1e9", MESSAGE, "", "-", "{}", "[/]", ODD, "x" * 5000]),
        st.text(max_size=20),
        st.binary(max_size=12).map(os.fsdecode),
    )


@st.composite
def _command_line(draw: st.DrawFn) -> list[str]:
    base, options = SAFE[draw(st.sampled_from(sorted(SAFE)))]
    words = list(base)
    for _ in range(draw(st.integers(0, 3))):
        option: bool = draw(st.booleans())
        if options and option:
            words += [draw(st.sampled_from(options)), draw(_value())]
        else:
            words.append(draw(st.one_of(_value(), st.sampled_from(["--json", "--help"]))))
    return [w.replace("\0", "") for w in words]


@settings(
    max_examples=80,  # about 10 s (3,000 random examples found nothing more)
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(words=_command_line())
def test_random_command_lines_end_in_0_1_or_2_without_a_traceback(
    run: Invoke, places: Places, words: list[str]
) -> None:
    result = run(*words, "--data", places.data)
    event(f"exit {result.code}")
    assert result.code in (0, 1, 2), result.err
    assert "Traceback" not in result.err + result.out
    assert "unexpectedly" not in result.err  # a bug, caught as one line
    if result.code:
        lines = [line for line in result.err.splitlines() if line.strip()]
        assert len(lines) == 1, result.err
        assert lines[0].startswith("error: "), result.err


# --- Ctrl-C -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Started:
    process: subprocess.Popen[bytes]
    url: str


@pytest.fixture
def started() -> Iterator[Callable[..., Started]]:
    """Start ``statelink`` with some words in its own process group (like a shell's job);
    return once it answers HTTP on its port. Killed at the end whatever happens."""
    running: list[subprocess.Popen[bytes]] = []

    def start(port: int, *words: str) -> Started:
        process = subprocess.Popen(
            [sys.executable, "-m", "statelink", *words],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        running.append(process)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                httpx.get(url + "/", timeout=2)
                return Started(process, url)
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError(f"statelink {' '.join(words)} did not start")

    yield start
    for process in running:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _interrupt(process: subprocess.Popen[bytes]) -> tuple[int, str]:
    """Ctrl-C as a terminal sends it: SIGINT to the whole process group."""
    os.killpg(process.pid, signal.SIGINT)
    _out, err = process.communicate(timeout=60)
    return process.returncode, err.decode("utf-8", "replace")


def test_ctrl_c_stops_a_witness_with_exit_130(
    started: Callable[..., Started], run: Invoke, tmp_path: Path
) -> None:
    folder = str(tmp_path / "witness")
    assert run("witness", "init", "--dir", folder, "--name", "example.org/w").code == 0
    port = _free_port()
    server = started(port, "witness", "serve", "--dir", folder, "--port", str(port))
    code, err = _interrupt(server.process)
    assert code == 130, err
    assert err.strip() == "interrupted"


def test_ctrl_c_stops_the_demo_and_its_audit_process_quietly(
    started: Callable[..., Started], layout: Layout, tmp_path: Path
) -> None:
    data = copy_nation(layout, tmp_path / "nation", logs=True)
    port = _free_port()
    demo = started(port, "demo", "--no-traffic", "--data", str(data.root), "--port", str(port))
    sent = httpx.post(  # the audit process starts with the first record
        demo.url + "/v1/messages",
        content=MESSAGE,
        headers={"content-type": "text/plain"},
        timeout=30,
    )
    assert sent.status_code == 200
    code, err = _interrupt(demo.process)
    assert code == 130, err
    assert err.strip() == "interrupted"


def test_ctrl_c_stops_a_networked_hub_with_exit_130(
    run: Invoke, layout: Layout, tmp_path: Path
) -> None:
    pki = tmp_path / "pki"
    assert run("pki", "init", "--dir", str(pki), "--state", "WA").code == 0
    port = _free_port()
    hub = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "statelink",
            "serve",
            "hub",
            "--data",
            str(layout.root),
            "--port",
            str(port),
            "--cert",
            str(pki / "hub.pem"),
            "--key",
            str(pki / "hub.key"),
            "--ca",
            str(pki / "ca.pem"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while hub.poll() is None and time.monotonic() < deadline:
            try:
                httpx.get(f"https://127.0.0.1:{port}/v1/health", verify=False, timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        code, err = _interrupt(hub)
    finally:
        if hub.poll() is None:
            os.killpg(hub.pid, signal.SIGKILL)
            hub.wait()
    assert code == 130, err
    assert err.strip() == "interrupted"
