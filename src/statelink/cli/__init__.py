"""The ``statelink`` command line: a thin shell over the core.

Exit codes: 0 success, 1 a failed check or refusal, 2 bad usage or invalid input, 130
interrupted (Ctrl-C). A failure prints one line to stderr, ``error: ...``, never a
traceback (:mod:`statelink.cli.exits`); a text argument that is not UTF-8 is refused
before a command runs (:mod:`statelink.cli.arguments`). How a command runs is in
:mod:`statelink.cli.commands`, loaded by :func:`main`: a Ctrl-C while it loads is an
interruption like any other. The commands are listed in :mod:`statelink.cli.catalog`,
and the module of one is imported only when it runs, so that ``statelink --help`` and a
light command start quickly.
"""

from __future__ import annotations

import sys
from typing import Any


def main(argv: list[str] | None = None) -> None:
    """Run one command (``argv``, else the program's own); exit with its code."""
    words = list(sys.argv[1:] if argv is None else argv)
    try:
        from statelink.cli.commands import run
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    sys.exit(run(words))


def __getattr__(name: str) -> Any:
    """``statelink.cli.app``: the whole typer app, every command loaded, when asked for."""
    if name == "app":
        from statelink.cli.catalog import typer_app

        return typer_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
