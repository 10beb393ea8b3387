"""``statelink query``: send one message, to a hub over HTTP or in-process."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from statelink.cli.exits import ExitCode
from statelink.cli.files import read_text
from statelink.cli.options import DEFAULT_DATA, DataDir, JsonOutput, console, layout, print_json
from statelink.errors import UsageError
from statelink.messages.response import Status

if TYPE_CHECKING:
    from statelink.client import Credentials
    from statelink.messages.model import Message
    from statelink.messages.response import HubResponse
    from statelink.nation import Layout


def _read(message: str | None, file: Path | None) -> str:
    if (message is None) == (file is None):
        raise UsageError(
            "give a message (text, JSON or XML) or --file FILE, not both and not neither"
        )
    if file is None:
        assert message is not None
        return message
    return read_text(file, "--file")


async def _in_process(where: Layout, message: Message) -> HubResponse:
    from statelink.embedded import EmbeddedNetwork

    async with EmbeddedNetwork.open(where) as network:
        return await network.hub.submit(message)


async def _collect_in_process(where: Layout, message_id: str, ori: str) -> HubResponse:
    from statelink.embedded import EmbeddedNetwork

    async with EmbeddedNetwork.open(where) as network:
        return await network.hub.collect(message_id, ori)


MessageText = Annotated[
    str | None,
    typer.Argument(
        help="The message: one-line text (DQ.ORI.WA.TXT.OLN/....PUR/C.), JSON or Nlets XML."
    ),
]
MessageFile = Annotated[
    Path | None,
    typer.Option(
        "--file", "-f", help="Read the message (JSON, text or Nlets XML) from FILE; - is stdin."
    ),
]
OUTPUT_FORMATS = ("table", "json", "xml")
OutputFormat = Annotated[
    str,
    typer.Option(
        "--format",
        help="Print the answer as tables, JSON or the Nlets NIEM XML (--json is --format json).",
    ),
]
Fetch = Annotated[
    str | None,
    typer.Option(
        "--fetch",
        metavar="MESSAGE_ID",
        help="Collect the answer to a message a state held for review (needs --ori).",
    ),
]
Ori = Annotated[
    str | None, typer.Option("--ori", help="With --fetch: the ORI that sent the message.")
]
HubUrl = Annotated[
    str | None,
    typer.Option(
        "--hub",
        envvar="STATELINK_HUB",
        help="Hub URL; without one the message runs in-process on --data.",
    ),
]
Token = Annotated[
    str | None,
    typer.Option(envvar="STATELINK_TOKEN", help="A member's bearer token for a networked hub."),
]
Ca = Annotated[
    Path | None,
    typer.Option(envvar="STATELINK_CA", help="CA certificate the hub's certificate chains to."),
]
Cert = Annotated[
    Path | None,
    typer.Option(envvar="STATELINK_CERT", help="A member's client certificate (PEM)."),
]
Key = Annotated[
    Path | None, typer.Option(envvar="STATELINK_KEY", help="The client certificate's key.")
]


@dataclass(frozen=True)
class Target:
    """Where a message goes: a hub over HTTP with credentials, or in-process on ``where``."""

    where: Layout
    hub: str | None
    credentials: Credentials


def query(
    message: MessageText = None,
    file: MessageFile = None,
    fetch: Fetch = None,
    ori: Ori = None,
    hub: HubUrl = None,
    token: Token = None,
    ca: Ca = None,
    cert: Cert = None,
    key: Key = None,
    data: DataDir = DEFAULT_DATA,
    json_output: JsonOutput = False,
    output: OutputFormat = "table",
) -> None:
    """Send one driver or vehicle query and print every state's answer; or, with --fetch,
    collect the answer to a message held for review."""
    if output not in OUTPUT_FORMATS:
        raise UsageError(f"--format: expected one of {', '.join(OUTPUT_FORMATS)}, given {output!r}")
    if json_output:
        output = "json"
    import statelink.cli.render as render
    from statelink.client import Credentials
    from statelink.messages.text import parse_any

    given = Credentials(ca=ca, cert=cert, key=key, token=_token(token))
    target = _target(layout(data), _hub(hub), given)
    if fetch is not None:
        if message is not None or file is not None:
            raise UsageError("--fetch collects an earlier message: give no new message with it")
        reply = _collect(target, fetch, ori)
    else:
        reply = _submit(target, parse_any(_read(message, file)))
    if output == "json":
        print_json(reply)
    elif output == "xml":
        from statelink.messages.niem import encode_response_xml

        typer.echo(encode_response_xml(reply))
    else:
        render.response(console, reply)
    if not answered(reply):
        raise typer.Exit(ExitCode.FAILED)


ANSWERED = frozenset({Status.HIT, Status.NO_HIT})
"""What a state does when it answers: records released, or searched and none found."""


def answered(reply: HubResponse) -> bool:
    """Whether every state answered (exit 0); one that refused, held, rejected or could
    not be reached makes the command exit 1 after printing every answer."""
    return all(status in ANSWERED for status in reply.summary.values())


def _target(where: Layout, hub: str | None, given: Credentials) -> Target:
    """The hub given; else a demo serving this folder (it owns the logs), with its TLS files
    filling in what was not given; else in-process."""
    from statelink.client import Credentials

    served = None if hub else where.running()
    if not served:
        return Target(where, hub, given)
    ca = given.ca or _path(served.get("ca"))
    cert, key = given.cert, given.key
    if not given.token:
        cert = cert or _path(served.get("cert"))
        key = key or _path(served.get("key"))
    return Target(where, served["url"], Credentials(ca=ca, cert=cert, key=key, token=given.token))


def _hub(url: str | None) -> str | None:
    if url and not url.startswith(("http://", "https://")):
        raise UsageError(f"--hub: expected an http:// or https:// URL, given {url[:60]!r}")
    return url


def _token(token: str | None) -> str | None:
    """A bearer token goes in an HTTP header: printable ASCII, no spaces."""
    if token is not None and not all("!" <= c <= "~" for c in token):
        raise UsageError("--token: a bearer token is printable ASCII without spaces")
    return token


def _collect(target: Target, message_id: str, ori: str | None) -> HubResponse:
    import asyncio

    from statelink.client import HubClient

    if not ori:
        raise UsageError("--fetch needs --ori: the ORI of the agency that sent the message")
    if target.hub:
        return HubClient(target.hub, credentials=target.credentials).fetch(message_id, ori)
    return asyncio.run(_collect_in_process(target.where, message_id, ori))


def _submit(target: Target, message: Message) -> HubResponse:
    import asyncio

    from statelink.client import HubClient

    if target.hub:
        return HubClient(target.hub, credentials=target.credentials).submit(message)
    return asyncio.run(_in_process(target.where, message))


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
            if following is not None and (following == "-" or _is_file(following)):
                out += ["--file", following, "--json"]
                continue
            out.append(arg)
            if following is not None:
                out.append(following)
        else:
            out.append(arg)
    return out


def _is_file(word: str) -> bool:
    try:
        return Path(word).is_file()
    except (OSError, ValueError):  # a name too long for the system, or with a NUL
        return False


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None
