"""``statelink accounts``: who may sign in to the dashboard, with which role, for which states."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from statelink.accounts import ROLES, Accounts
from statelink.cli.options import DEFAULT_DATA, DataDir, JsonOutput, console, layout, print_json
from statelink.errors import NotFound, UsageError
from statelink.sessions import SessionStore

app = typer.Typer(
    help="Dashboard accounts: add, list, change a password, remove.", no_args_is_help=True
)
PasswordFile = Annotated[
    Path | None,
    typer.Option(help="Read the password from FILE (- for stdin) instead of asking."),
]


@contextmanager
def _changing(data: Path) -> Iterator[Accounts]:
    """The folder's accounts, with the session store shared with a running dashboard
    (so that a change that ends sessions ends them there at once)."""
    where = layout(data)
    with SessionStore.open(where.sessions) as sessions:
        yield Accounts(where.accounts, sessions)


def _password(file: Path | None) -> str:
    if file is not None:
        try:
            text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
        except OSError as e:
            raise UsageError(f"cannot read {file}: {e.strerror}") from None
        return text.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UsageError("no terminal to ask for the password: use --password-file FILE (or -)")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise UsageError("the two passwords differ")
    return first


@app.command()
def add(
    name: Annotated[str, typer.Argument(help="Account name, e.g. r.lee")],
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")] = "viewer",
    state: Annotated[
        list[str],
        typer.Option("--state", help="A state the account covers (repeat), or '*' for all."),
    ] = [],  # noqa: B006 (typer reads the default, never mutates it)
    password_file: PasswordFile = None,
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """Add an account, or replace one with the same name (its sessions end)."""
    password = _password(password_file)
    with _changing(data) as accounts:
        account = accounts.add(name, role, state, password)
    if json_output:
        print_json(account.as_dict())
    else:
        console.print(f"account {account.name}: {account.role} of {', '.join(account.states)}")


@app.command("list")
def list_(data: DataDir = DEFAULT_DATA, json_output: JsonOutput = False) -> None:
    """List accounts (never their passwords)."""
    accounts = Accounts(layout(data).accounts).all()
    if json_output:
        print_json([a.as_dict() for a in accounts])
        return
    table = Table("name", "role", "states", box=None, pad_edge=False)
    for a in accounts:
        table.add_row(a.name, a.role, ", ".join(a.states))
    console.print(table if accounts else "no accounts: add one with `statelink accounts add`")


@app.command()
def passwd(
    name: Annotated[str, typer.Argument(help="The account whose password changes.")],
    password_file: PasswordFile = None,
    data: DataDir = DEFAULT_DATA,
) -> None:
    """Change an account's password; its dashboard sessions end."""
    if Accounts(layout(data).accounts).get(name) is None:
        raise NotFound(f"no account {name!r}")  # before asking for a password
    password = _password(password_file)
    with _changing(data) as accounts:
        account = accounts.passwd(name, password)
    console.print(f"account {account.name}: password changed, its sessions ended")


@app.command()
def remove(
    name: Annotated[str, typer.Argument(help="The account to remove.")],
    data: DataDir = DEFAULT_DATA,
) -> None:
    """Remove an account; its dashboard sessions end."""
    with _changing(data) as accounts:
        accounts.remove(name)
    console.print(f"account {name} removed, its sessions ended")
