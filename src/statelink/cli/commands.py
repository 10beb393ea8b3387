"""How one ``statelink`` command runs.

:func:`run` parses the words of a command line against the catalog of commands (each
command's module is imported only when it runs: :mod:`statelink.cli.catalog`), has the
command check its text values (:mod:`statelink.cli.arguments`) and turns whatever goes
wrong into one line on stderr and an exit code (:mod:`statelink.cli.exits`).
"""

from __future__ import annotations

import sys

import typer

from statelink import collector, logs
from statelink.cli import arguments, exits
from statelink.cli.catalog import CatalogGroup
from statelink.errors import StatelinkError


def run(words: list[str]) -> int:
    """Run the command ``words`` name; its exit code. Every failure is one line on stderr
    (:mod:`statelink.cli.exits`), never a traceback."""
    collector.tune()
    exits.tolerant_streams()
    logs.configure()
    try:
        arguments.check_words(words)
        command = CatalogGroup(prepare=lambda loaded: arguments.guard(loaded, words))
        code = command.main(args=_spelled(words), prog_name="statelink", standalone_mode=False)
    except StatelinkError as e:
        return exits.statelink_failed(e)
    except typer.TyperException as e:  # click's usage errors
        return exits.usage_failed(e)
    except typer.Abort:  # the input ended at a prompt
        return exits.fail(
            "the input ended before the command had what it needs", exits.ExitCode.USAGE
        )
    except KeyboardInterrupt:
        return exits.interrupted()
    except UnicodeDecodeError as e:
        return exits.undecodable(e)
    except Exception as e:
        invalid = exits.validation_error(e)
        if invalid is not None:  # data statelink read (a file) that is not what it says
            return exits.invalid(invalid)
        if sys.flags.dev_mode:
            raise
        return exits.bug(e)
    if code == exits.ExitCode.INTERRUPTED:  # typer turns Ctrl-C into exit code 130
        return exits.interrupted()
    return code if isinstance(code, int) else exits.ExitCode.OK


def _spelled(words: list[str]) -> list[str]:
    """The words, with ``query``'s older spelling of its input file understood."""
    if words[:1] != ["query"]:
        return words
    from statelink.cli.query import legacy_json_file

    return legacy_json_file(words)
