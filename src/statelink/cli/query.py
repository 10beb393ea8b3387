"""``statelink query``: send one message, to a hub over HTTP or in-process."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer

from statelink.cli import render
from statelink.cli.options import DEFAULT_DATA, DataDir, JsonOutput, console, layout, print_json
from statelink.client import Credentials, HubClient
from statelink.embedded import EmbeddedNetwork
from statelink.errors import UsageError
from statelink.messages.model import Message
from statelink.messages.response import HubResponse
from statelink.messages.text import parse_any
from statelink.nation import Layout


def _read(message: str | None, file: Path | None) -> str:
    if (message is None) == (file is None):
        raise UsageError("give a message (text or JSON) or --file FILE, not both and not neither")
    if file is None:
        assert message is not None
        return message
    if str(file) == "-":
        return sys.stdin.read()
    try:
        return file.read_text(encoding="utf-8")
    except OSError as e:
        raise UsageError(f"cannot read {file}: {e.strerror}") from None


async def _in_process(where: Layout, message: Message) -> HubResponse:
    async with EmbeddedNetwork.open(where) as network:
        return await network.hub.submit(message)


async def _collect_in_process(where: Layout, message_id: str, ori: str) -> HubResponse:
    async with EmbeddedNetwork.open(where) as network:
        return await network.hub.collect(message_id, ori)


def query(
    message: Annotated[
        str | None,
        typer.Argument(help="The message: one-line text (DQ.ORI.WA.OLN/....PUR/C.) or JSON."),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", "-f", help="Read the message (JSON or text) from FILE; - is stdin."),
    ] = None,
    fetch: Annotated[
        str | None,
        typer.Option(
            "--fetch",
            metavar="MESSAGE_ID",
            help="Collect the answer to a message a state held for review (needs --ori).",
        ),
    ] = None,
    ori: Annotated[
        str | None, typer.Option("--ori", help="With --fetch: the ORI that sent the message.")
    ] = None,
    hub: Annotated[
        str | None,
        typer.Option(
            "--hub",
            envvar="STATELINK_HUB",
            help="Hub URL; without one the message runs in-process on --data.",
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(envvar="STATELINK_TOKEN", help="A member's bearer token for a networked hub."),
    ] = None,
    ca: Annotated[
        Path | None,
        typer.Option(envvar="STATELINK_CA", help="CA certificate the hub's certificate chains to."),
    ] = None,
    cert: Annotated[
        Path | None,
        typer.Option(envvar="STATELINK_CERT", help="A member's client certificate (PEM)."),
    ] = None,
    key: Annotated[
        Path | None, typer.Option(envvar="STATELINK_KEY", help="The client certificate's key.")
    ] = None,
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
) -> None:
    """Send one driver or vehicle query and print every state's answer; or, with --fetch,
    collect the answer to a message held for review."""
    where = layout(data)
    served = None if hub else where.running()  # a demo serving this folder owns its logs
    if served:
        hub = served["url"]
        ca = ca or _path(served.get("ca"))
        if not token:
            cert = cert or _path(served.get("cert"))
            key = key or _path(served.get("key"))
    credentials = Credentials(ca=ca, cert=cert, key=key, token=token)
    if fetch is not None:
        if message is not None or file is not None:
            raise UsageError("--fetch collects an earlier message: give no new message with it")
        if not ori:
            raise UsageError("--fetch needs --ori: the ORI of the agency that sent the message")
        if hub:
            reply = HubClient(hub, credentials=credentials).fetch(fetch, ori)
        else:
            reply = asyncio.run(_collect_in_process(where, fetch, ori))
    else:
        parsed = parse_any(_read(message, file))
        if hub:
            reply = HubClient(hub, credentials=credentials).submit(parsed)
        else:
            reply = asyncio.run(_in_process(where, parsed))
    if json_output:
        print_json(reply)
    else:
        render.response(console, reply)


def legacy_json_file(argv: list[str]) -> list[str]:
    """Contract 5 spells the input file ``query --json FILE``: accept that spelling too.

    ``--json`` followed by an existing file (or ``-``) reads the message from it and
    prints JSON; ``--json`` anywhere else just asks for JSON output.
    """
    if not argv or argv[0] != "query":
        return argv
    out: list[str] = []
    args = iter(argv)
    for arg in args:
        if arg == "--json":
            following = next(args, None)
            if following is not None and (following == "-" or Path(following).is_file()):
                out += ["--file", following, "--json"]
                continue
            out.append(arg)
            if following is not None:
                out.append(following)
        else:
            out.append(arg)
    return out


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None
