"""The ``statelink`` command line: a thin shell over the core.

Exit codes: 0 success, 1 a failed check or refusal, 2 bad usage or invalid input.
Errors print one line to stderr, never a traceback.
"""

from __future__ import annotations

import sys

import typer

from statelink import collector, logs
from statelink.cli import (
    accounts,
    audit,
    certifications,
    database,
    directory,
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


def main(argv: list[str] | None = None) -> None:
    collector.tune()
    logs.configure()
    args = legacy_json_file(list(sys.argv[1:] if argv is None else argv))
    try:
        app(args=args, prog_name="statelink")
    except StatelinkError as e:
        sys.stderr.write(f"error: {e.message}\n")
        sys.exit(e.exit_code)
