"""The catalog of ``statelink`` commands: loaded one at a time, when asked for.

Each top-level command is an :class:`Entry`: its name, its one-line help and the module
that defines it. ``statelink --help`` lists the entries without importing a single
command module (they import FastAPI, DuckDB, SQLAlchemy, cedarpy... between them);
running a command, or asking for its own ``--help``, imports its module and nothing
else's (:class:`CatalogGroup`). :func:`typer_app` builds the whole tree at once, for
what needs all of it (the docs' tests).

An entry's help is the first paragraph of its command's own help (a command function's
docstring, a sub-app's ``help``); tests/cli/test_startup.py checks that they agree.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass
from typing import Any

import typer
import typer.core
import typer.main
from typer import _click as click  # the click that typer builds on (its own copy)

HELP = (
    "An open interstate law-enforcement message switch: each state decides, and can see, "
    "who reads its residents' data."
)
"""The help of ``statelink`` itself."""


@dataclass(frozen=True)
class Entry:
    """A top-level command: a function (``statelink query``) or a sub-app with commands
    of its own (``statelink audit verify``), ``attribute`` of ``module``."""

    name: str
    module: str
    attribute: str
    help: str

    def target(self) -> Any:
        """The command function or the sub-app's Typer (importing its module)."""
        return getattr(importlib.import_module(self.module), self.attribute)


def _app(name: str, module: str, help: str) -> Entry:
    return Entry(name, f"statelink.cli.{module}", "app", help)


ENTRIES: tuple[Entry, ...] = (
    Entry(
        "demo",
        "statelink.cli.demo",
        "demo",
        "Build a whole simulated nation (50 states and DC), send it a year of traffic, then\n"
        "serve it on localhost.",
    ),
    Entry(
        "query",
        "statelink.cli.query",
        "query",
        "Send one driver or vehicle query and print every state's answer; or, with --fetch,\n"
        "collect the answer to a message held for review.",
    ),
    Entry(
        "report",
        "statelink.cli.report",
        "report",
        "Who read the state's residents' data, for what, and what was refused or held.",
    ),
    Entry(
        "access-report",
        "statelink.cli.report",
        "access_report",
        "Every access to one resident's records: when, which agency, why, what was decided\n"
        "(from the copy of the audit log, checked against its latest signed checkpoint).",
    ),
    _app("directory", "directory", "The directory of agencies: list, show, import, export."),
    _app("records", "records", "A state's own records (its administrative view)."),
    _app(
        "policy",
        "policy",
        "A state's Cedar policies: templates, validate, test, explain, apply; and what a set "
        "would change: simulate, diff, coverage.",
    ),
    _app(
        "settings",
        "settings",
        "A state's settings: serious-crime ranges, notice groups, review and notice times, "
        "holidays, contact details for letters.",
    ),
    _app(
        "certifications",
        "certifications",
        "Certifications on file with a state: list, add, revoke.",
    ),
    _app("audit", "audit", "A state's tamper-evident audit log: verify, proofs, show, export."),
    _app(
        "review",
        "review",
        "Held messages waiting for case-by-case review: list, show, approve, deny.",
    ),
    _app(
        "notices",
        "notices",
        "Notices owed to residents: list, export letters, mark sent, withhold, purge.",
    ),
    _app("accounts", "accounts", "Dashboard accounts: add, list, change a password, remove."),
    _app("serve", "serve", "Run the hub or a state node as a service (networked mode)."),
    _app("pki", "pki", "Development PKI for the networked mode."),
    _app("members", "members", "The hub's members: add, list, remove, tokens."),
    _app(
        "balancer",
        "balancer",
        "The load balancer in front of hub replicas: nginx's configuration and its readiness "
        "checker.",
    ),
    _app("database", "database", "The stores' databases: copy into PostgreSQL."),
    _app(
        "witness",
        "witness",
        "Run a witness that cosigns audit-log checkpoints (C2SP tlog-witness).",
    ),
)
"""Every top-level command, in the order ``statelink --help`` lists them."""


def _holder() -> typer.Typer:
    """A Typer with the settings of ``statelink`` itself."""
    return typer.Typer(
        name="statelink",
        help=HELP,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )


def _add(app: typer.Typer, entry: Entry) -> None:
    target = entry.target()
    if isinstance(target, typer.Typer):
        app.add_typer(target, name=entry.name)
    else:
        app.command(entry.name)(target)


def load(entry: Entry) -> click.Command:
    """The command ``entry`` names, built as it is in the whole tree."""
    app = _holder()
    _add(app, entry)
    return typer.main.get_group(app).commands[entry.name]


@functools.cache
def typer_app() -> typer.Typer:
    """The whole command tree as one Typer app (every command module imported)."""
    app = _holder()
    for entry in ENTRIES:
        _add(app, entry)
    return app


class LazyCommands(MutableMapping[str, click.Command]):
    """The commands of the catalog by name: each loaded (and then ``prepared``) the first
    time it is looked up; their names known without loading any."""

    def __init__(
        self, entries: tuple[Entry, ...], prepare: Callable[[click.Command], None]
    ) -> None:
        self._entries = {entry.name: entry for entry in entries}
        self._loaded: dict[str, click.Command] = {}
        self._prepare = prepare

    def summary(self, name: str) -> click.Command | None:
        """A stand-in for the command ``name`` that only has its name and one-line help
        (the command itself if it is loaded already)."""
        if name in self._loaded:
            return self._loaded[name]
        entry = self._entries.get(name)
        return None if entry is None else typer.core.TyperCommand(name, help=entry.help)

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            command = load(self._entries[name])
            self._prepare(command)
            self._loaded[name] = command
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise KeyError(name)
        self._entries.pop(name, None)
        self._loaded.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self._entries or name in self._loaded

    def __iter__(self) -> Iterator[str]:
        yield from self._entries
        yield from (name for name in self._loaded if name not in self._entries)

    def __len__(self) -> int:
        return len(self._entries.keys() | self._loaded.keys())


class CatalogGroup(typer.core.TyperGroup):
    """The ``statelink`` group: its commands come from the catalog, each loaded when it
    runs (or shows its own help); its help lists them all from the catalog alone."""

    commands: LazyCommands

    def __init__(self, prepare: Callable[[click.Command], None]) -> None:
        super().__init__(name="statelink", help=HELP, no_args_is_help=True)
        self.commands = LazyCommands(ENTRIES, prepare)
        self._listing = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if self._listing:
            return self.commands.summary(cmd_name)
        return self.commands.get(cmd_name)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False
