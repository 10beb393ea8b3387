"""Benchmark: how long ``statelink`` takes to start, for five common commands.

Runs each command in a fresh process, ``--runs`` times, round-robin (so that the noise of
a shared machine falls on every command alike, after one round that is not counted), and
prints the median and range of the wall time of each, next to two floors:

- ``python -c "import typer"``: the bare import of the CLI framework;
- ``typer app --help``: a one-command Typer app printing its (Rich) help, what any Typer
  command line pays before it does anything.

The commands: ``--help``, ``policy templates``, ``directory show VTICE0900`` (on a data
folder holding only the seed directory, made here), ``audit --help``, ``query --help``.

    .venv/bin/python benchmarks/cli_startup.py
    .venv/bin/python benchmarks/cli_startup.py --runs 21 --json

Run it by hand; the tests never time anything (tests/cli/test_startup.py checks what a
light command imports instead).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

TYPER_APP = '''
import typer

app = typer.Typer(no_args_is_help=True, add_completion=False)


@app.command()
def hello() -> None:
    """Say nothing."""


@app.command()
def goodbye() -> None:
    """Say nothing either."""


app()
'''
"""The floor: a Typer app of two commands, asked for its help."""


@dataclass(frozen=True)
class Command:
    name: str
    argv: list[str]


@dataclass(frozen=True)
class Timing:
    command: Command
    seconds: list[float]

    def summary(self) -> dict[str, object]:
        return {
            "name": self.command.name,
            "argv": self.command.argv,
            "median_s": round(statistics.median(self.seconds), 4),
            "min_s": round(min(self.seconds), 4),
            "max_s": round(max(self.seconds), 4),
            "runs": len(self.seconds),
        }


def statelink() -> list[str]:
    """How a user starts statelink: the venv's console script (else ``-m statelink``)."""
    script = Path(sys.executable).with_name("statelink")
    return [str(script)] if script.exists() else [sys.executable, "-m", "statelink"]


def commands(folder: Path) -> list[Command]:
    """The floors, then the five commands; ``folder`` holds what they need."""
    from statelink.directory import seed_directory
    from statelink.nation import Layout

    data = Layout(folder / "data")
    seed_directory().write(data.directory)
    app = folder / "typer_app.py"
    app.write_text(TYPER_APP, encoding="utf-8")
    me = statelink()
    return [
        Command('python -c "import typer"', [sys.executable, "-c", "import typer"]),
        Command("typer app --help", [sys.executable, str(app), "--help"]),
        Command("statelink --help", [*me, "--help"]),
        Command("statelink policy templates", [*me, "policy", "templates"]),
        Command(
            "statelink directory show VTICE0900",
            [*me, "directory", "show", "VTICE0900", "--data", str(data.root)],
        ),
        Command("statelink audit --help", [*me, "audit", "--help"]),
        Command("statelink query --help", [*me, "query", "--help"]),
    ]


def once(command: Command, folder: Path) -> float:
    """Seconds from starting the process to its exit; it must succeed."""
    start = time.perf_counter()
    done = subprocess.run(
        command.argv,
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "COLUMNS": "100"},
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{command.name} exited {done.returncode}: {done.stderr.decode()}")
    return seconds


def measure(runs: int) -> list[Timing]:
    with tempfile.TemporaryDirectory(prefix="cli-startup-") as name:
        folder = Path(name)
        todo = commands(folder)
        for command in todo:  # one round uncounted: compiled files and caches in place
            once(command, folder)
        seconds: dict[str, list[float]] = {c.name: [] for c in todo}
        for _ in range(runs):
            for command in todo:
                seconds[command.name].append(once(command, folder))
        return [Timing(c, seconds[c.name]) for c in todo]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=11, help="fresh processes per command")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    timings = measure(args.runs)
    if args.json:
        report = {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "commands": [t.summary() for t in timings],
        }
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
        return
    width = max(len(t.command.name) for t in timings)
    lines = [f"{'command':{width}}  median   range ({args.runs} runs each, fresh processes)"]
    for t in timings:
        s = t.summary()
        lines.append(
            f"{t.command.name:{width}}  {s['median_s']:.3f} s  {s['min_s']:.3f}–{s['max_s']:.3f} s"
        )
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
