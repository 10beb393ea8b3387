"""``statelink audit mirror``: copy a state's tiled log (C2SP tlog-tiles) and verify it.

The mirror (:mod:`statelink.audit.mirror`) reads the log over HTTP only, with the
verifier key it is given, and shares no code with the log's writer: the same check any
third party can run with generic tools. A network's node serves its entry bundles only
to a client certificate from the network's CA (``--cert``, ``--cert-key``; ``statelink
pki member NAME`` issues one).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from statelink.cli.options import JsonOutput, console, print_json
from statelink.errors import AuditInvalid, UsageError

if TYPE_CHECKING:
    from statelink.audit import mirror as tiled
    from statelink.audit.verifier import VerificationError

Url = Annotated[str, typer.Argument(help="The log's URL prefix, e.g. https://node:8443/logs/WA.")]
Key = Annotated[
    str, typer.Option(help="The log's verifier key (name+hash+key): `audit key` prints it.")
]
Out = Annotated[Path, typer.Option(help="The mirror folder (resumed if it exists).")]
Ca = Annotated[
    Path | None,
    typer.Option(help="Trust this CA for https (a private network; default: the system's)."),
]
Cert = Annotated[
    Path | None,
    typer.Option(
        help="Client certificate (PEM) from the log's network: a node serves its entry "
        "bundles only to one (`statelink pki member NAME` issues it)."
    ),
]
CertKey = Annotated[
    Path | None,
    typer.Option(help="The client certificate's private key (default: in --cert's file)."),
]


def mirror(
    url: Url,
    key: Key,
    out: Out,
    ca: Ca = None,
    cert: Cert = None,
    cert_key: CertKey = None,
    json_output: JsonOutput = False,
) -> None:
    """Mirror a tiled audit log and verify every record, tile and the signed checkpoint."""
    from statelink.audit import mirror as tiled
    from statelink.audit.verifier import VerificationError, VerifierKey

    if not url.startswith(("http://", "https://")):
        raise UsageError(f"URL: expected http:// or https://, given {url[:60]!r}")
    for option, path in (("--ca", ca), ("--cert", cert), ("--cert-key", cert_key)):
        if path is not None and not path.is_file():
            raise UsageError(f"{option}: {path} is not a file")
    if cert_key is not None and cert is None:
        raise UsageError("--cert-key goes with --cert")
    try:
        trusted = VerifierKey.parse(key)
    except VerificationError as e:
        raise UsageError(f"--key: {e}") from None
    with _bar(enabled=console.is_terminal and not json_output) as bar:
        task = bar.add_task(f"mirroring {trusted.name}", total=None)
        try:
            report = tiled.mirror(
                url,
                trusted,
                out,
                ca=ca,
                cert=cert,
                cert_key=cert_key,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        except VerificationError as e:
            _refuse(url, e, json_output)  # the bar is gone before the error shows
    if json_output:
        print_json(_as_json(report))
    else:
        _print(report)


def _bar(*, enabled: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
        disable=not enabled,
    )


def _refuse(url: str, error: VerificationError, json_output: bool) -> NoReturn:
    """Exit 1, naming the first bad index when it is known."""
    if json_output:
        print_json(
            {"url": url, "verified": False, "error": str(error), "first_bad_index": error.index}
        )
        raise typer.Exit(1) from None
    where = f" (first bad index: {error.index})" if error.index is not None else ""
    raise AuditInvalid(f"the log at {url} does NOT verify: {error}{where}") from None


def _as_json(report: tiled.MirrorReport) -> dict[str, Any]:  # JSON boundary: --json
    previous = report.previous
    return {
        "url": report.url,
        "verified": True,
        "origin": report.origin,
        "size": report.size,
        "root": report.root.hex(),
        "out": str(report.folder),
        "fetched": report.fetched,
        "reused": report.reused,
        "consistent_with": (
            {"size": previous.size, "root": previous.root.hex()} if previous else None
        ),
    }


def _print(report: tiled.MirrorReport) -> None:
    console.print(
        f"[green]verified[/]: {escape(report.origin)}, {report.size:,} records, "
        f"root {report.root.hex()[:16]}… mirrored to {escape(str(report.folder))} "
        f"({report.fetched:,} fetched, {report.reused:,} reused)"
    )
    if report.previous is not None:
        console.print(
            f"  consistent with the checkpoint mirrored before ({report.previous.size:,})"
        )
