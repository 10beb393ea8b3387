"""A fast start: ``statelink --help`` and light commands load no heavy library.

Each case runs in a fresh interpreter (a probe that runs the real entry point and then
writes down ``sys.modules``): what a command imports is what a user waits for. The
catalog that ``statelink --help`` lists without importing a command module must say
what the commands themselves say.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer.main

from statelink.cli.catalog import ENTRIES, Entry, load, typer_app
from statelink.directory import seed_directory
from statelink.nation import Layout
from tests.conftest import Run

Invoke = Callable[..., Run]

HEAVY = frozenset(
    {"fastapi", "starlette", "uvicorn", "aiohttp", "duckdb", "alembic", "cedarpy", "sqlalchemy"}
)
"""Libraries that no light command needs (the web stack, the stores, the policy engine)."""

PROBE = """
import json, sys
out, mode, words = sys.argv[1], sys.argv[2], sys.argv[3:]
code = None
import statelink.cli
if mode == "run":
    try:
        statelink.cli.main(words)
    except SystemExit as e:
        code = e.code
with open(out, "w", encoding="utf-8") as f:
    json.dump({"code": code, "modules": sorted(sys.modules)}, f)
"""
"""Import statelink.cli; unless only importing, run the command ``words``; then write down
its exit code and the modules loaded."""


@dataclass(frozen=True)
class Probe:
    code: int | None
    modules: frozenset[str]
    err: str

    def heavy(self) -> set[str]:
        return {m for m in self.modules if m.split(".")[0] in HEAVY}

    def commands(self) -> set[str]:
        """The command modules loaded: ``audit`` for ``statelink.cli.audit``..."""
        return {
            e.module.removeprefix("statelink.cli.") for e in ENTRIES if e.module in self.modules
        }


def probe(where: Path, words: tuple[str, ...] | None) -> Probe:
    """Import statelink.cli in a fresh interpreter and run ``words`` (None: nothing)."""
    out = where / "probe.json"
    mode = ["import"] if words is None else ["run", *words]
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(out), *mode],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(out.read_text(encoding="utf-8"))
    return Probe(found["code"], frozenset(found["modules"]), done.stderr)


@dataclass(frozen=True)
class Case:
    words: tuple[str, ...] | None  # None: only import statelink.cli
    code: int | None  # the exit code (None: nothing ran)
    loads: frozenset[str] = frozenset()  # the command modules it loads (statelink.cli.X)


CASES = {
    "import statelink.cli": Case(None, None),
    "--help": Case(("--help",), 0),
    "no words (the help)": Case((), 2),
    "a typo": Case(("audt",), 2),
    "pki --help": Case(("pki", "--help"), 0, frozenset({"pki"})),
    "pki init": Case(
        ("pki", "init", "--dir", "pki", "--state", "WA", "--json"), 0, frozenset({"pki"})
    ),
    "query --help": Case(("query", "--help"), 0, frozenset({"query"})),
    "report --help": Case(("report", "--help"), 0, frozenset({"report"})),
    "policy templates": Case(("policy", "templates", "--json"), 0, frozenset({"policy"})),
    "directory show": Case(
        ("directory", "show", "VTICE0900", "--data", "data"), 0, frozenset({"directory"})
    ),
}


def _params() -> list[object]:
    return [pytest.param(case, id=name) for name, case in CASES.items()]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A working folder with a directory of agencies in ``data`` (for directory show)."""
    seed_directory().write(Layout(tmp_path / "data").directory)
    return tmp_path


@pytest.mark.parametrize("case", _params())
def test_a_light_start_loads_no_heavy_library(folder: Path, case: Case) -> None:
    found = probe(folder, case.words)
    assert found.code == case.code, found.err
    assert found.commands() <= case.loads  # no other command's module
    assert found.heavy() == set()


def test_the_import_guard_notices_a_heavy_import(tmp_path: Path) -> None:
    """The probe sees a heavy library when a command does load one."""
    found = probe(tmp_path, ("serve", "--help"))
    assert found.code == 0
    assert "pydantic_settings" in found.modules
    found = probe(tmp_path, ("witness", "--help"))
    assert found.heavy() >= {"starlette", "sqlalchemy"}


def test_importing_statelink_leaves_structlog_until_a_module_needs_it(tmp_path: Path) -> None:
    """statelink's log configuration waits for structlog to be imported, then applies."""
    script = (
        "import sys, statelink\n"
        "assert 'structlog' not in sys.modules\n"
        "import structlog\n"
        "assert structlog.is_configured()\n"
        "log = structlog.get_logger('t')\n"
        "log.info('an_info_event')\n"
        "log.warning('a_warning_event', name='X')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""  # structlog's own default would print info to stdout
    assert "a_warning_event" in done.stderr
    assert "an_info_event" not in done.stderr
    assert "name=[withheld]" in done.stderr


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.name for e in ENTRIES])
def test_the_catalog_says_what_each_command_says(entry: Entry) -> None:
    command = load(entry)
    own = inspect.cleandoc(command.short_help or command.help or "").split("\n\n")[0]
    assert (command.name, entry.help) == (entry.name, own)


def test_help_lists_the_commands_as_the_whole_tree_would(
    run: Invoke, capsys: pytest.CaptureFixture[str]
) -> None:
    lazy = run("--help")
    whole = typer.main.get_command(typer_app())
    whole.main(args=["--help"], prog_name="statelink", standalone_mode=False)
    assert lazy.code == 0
    assert lazy.out == capsys.readouterr().out


@pytest.mark.parametrize(
    ("words", "error"),
    [
        (["audt"], "error: no such command 'audt'. Did you mean 'audit'?; run 'statelink --help'"),
        (["nosuch"], "error: no such command 'nosuch'; run 'statelink --help'"),
        (["pki", "nosuch"], "error: no such command 'nosuch'; run 'statelink pki --help'"),
        (["--nosuch"], "error: no such option: --nosuch; run 'statelink --help'"),
    ],
)
def test_a_wrong_command_is_one_line_naming_it(run: Invoke, words: list[str], error: str) -> None:
    result = run(*words)
    assert (result.code, result.err, result.out) == (2, error + "\n", "")
