"""The ``statelink`` command tree (typer) and how one command runs.

:func:`run` parses the words of a command line, has every command check its text values
(:mod:`statelink.cli.arguments`) and turns whatever goes wrong into one line on stderr
and an exit code (:mod:`statelink.cli.exits`).
"""

from __future__ import annotations

import sys

import typer
import typer.main
from pydantic import ValidationError

from statelink import collector, logs
from statelink.cli import (
    accounts,
    arguments,
    audit,
    certifications,
    database,
    directory,
    exits,
    members,
    notices,
    pki,
    policy,
    records,
    review,
    serve,
    settings,
    witness,
)
from statelink.cli.demo import demo
from statelink.cli.query import legacy_json_file, query
from statelink.cli.report import access_report, report
from statelink.errors import StatelinkError

app = typer.Typer(
    name="statelink",
    help="An open interstate law-enforcement message switch: each state decides, and can "
    "see, who reads its residents' data.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command()(demo)
app.command()(query)
app.command()(report)
app.command("access-report")(access_report)
app.add_typer(directory.app, name="directory")
app.add_typer(records.app, name="records")
app.add_typer(policy.app, name="policy")
app.add_typer(settings.app, name="settings")
app.add_typer(certifications.app, name="certifications")
app.add_typer(audit.app, name="audit")
app.add_typer(review.app, name="review")
app.add_typer(notices.app, name="notices")
app.add_typer(accounts.app, name="accounts")
app.add_typer(serve.app, name="serve")
app.add_typer(pki.app, name="pki")
app.add_typer(members.app, name="members")
app.add_typer(database.app, name="database")
app.add_typer(witness.app, name="witness")


def run(words: list[str]) -> int:
    """Run the command ``words`` name; its exit code. Every failure is one line on stderr
    (:mod:`statelink.cli.exits`), never a traceback."""
    collector.tune()
    exits.tolerant_streams()
    logs.configure()
    try:
        arguments.check_words(words)
        command = typer.main.get_command(app)
        arguments.guard(command, words)
        code = command.main(
            args=legacy_json_file(words), prog_name="statelink", standalone_mode=False
        )
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
    except ValidationError as e:  # data statelink read (a file) that is not what it says
        return exits.invalid(e)
    except Exception as e:
        if sys.flags.dev_mode:
            raise
        return exits.bug(e)
    if code == exits.ExitCode.INTERRUPTED:  # typer turns Ctrl-C into exit code 130
        return exits.interrupted()
    return code if isinstance(code, int) else exits.ExitCode.OK
