"""``statelink witness``: run a witness of audit logs (C2SP tlog-witness).

A legislature, an auditor or a civil-society group runs one: it keeps the latest
checkpoint of each log it witnesses and cosigns a new one only if it extends that one.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from statelink.cli.files import require_file
from statelink.cli.options import JsonOutput, console, print_json
from statelink.errors import StoreError, UsageError
from statelink.witness.service import READ_SECONDS

if TYPE_CHECKING:
    from statelink.witness.keys import WitnessKey

app = typer.Typer(
    help="Run a witness that cosigns audit-log checkpoints (C2SP tlog-witness).",
    no_args_is_help=True,
)

MAX_CONNECTIONS = 64  # uvicorn answers 503 beyond
KEEP_ALIVE_SECONDS = 5
HEADER_BYTES = 16 * 1024  # the request line and headers (h11)

WitnessDir = Annotated[
    Path, typer.Option("--dir", help="The witness's folder (its key and its store).")
]


def _key(folder: Path) -> WitnessKey:
    """The witness's key; files in ``--dir`` that are not one are the caller's mistake."""
    from statelink.witness.keys import WitnessKey

    try:
        return WitnessKey.load(folder)
    except StoreError as e:
        raise UsageError(f"--dir: {e.message}") from None


@app.command()
def init(
    folder: WitnessDir,
    name: Annotated[str, typer.Option(help="Its name, a schema-less URL: example.org/w1.")],
) -> None:
    """Create a witness: an Ed25519 key (mode 0600) and its store."""
    from statelink.witness.keys import WitnessKey
    from statelink.witness.store import WitnessStore

    key = WitnessKey.create(folder, name)
    WitnessStore.open(folder).close()
    console.print(f"witness {key.name} created in {folder}", markup=False)
    typer.echo(key.verifier_key())


@app.command()
def key(folder: WitnessDir, json_output: JsonOutput = False) -> None:
    """Print the witness's verifier key (name+hash+base64(0x04 || key))."""
    found = _key(folder)
    if json_output:
        print_json({"name": found.name, "key": found.verifier_key()})
    else:
        typer.echo(found.verifier_key())


@app.command("add-log")
def add_log(
    folder: WitnessDir,
    origin: Annotated[str, typer.Option(help="The log's origin line.")],
    log_key: Annotated[str, typer.Option("--key", help="The log's verifier key.")],
) -> None:
    """Witness a log: its origin and the key that signs its checkpoints."""
    from statelink.witness.store import WitnessStore

    _key(folder)
    store = WitnessStore.open(folder)
    try:
        store.add_log(origin, log_key)
    finally:
        store.close()
    console.print(f"witnessing {origin}", markup=False)


@app.command("list")
def list_(folder: WitnessDir, json_output: JsonOutput = False) -> None:
    """The logs this witness witnesses, with the size it last cosigned."""
    from statelink.witness.store import WitnessStore

    _key(folder)
    store = WitnessStore.open(folder)
    try:
        logs = store.logs()
    finally:
        store.close()
    if json_output:
        print_json(
            [
                {"origin": w.origin, "key": w.log_key, "size": w.size, "updated": w.updated}
                for w in logs
            ]
        )
        return
    table = Table("origin", "cosigned size", "updated", box=None, pad_edge=False)
    for w in logs:
        table.add_row(escape(w.origin), f"{w.size:,}", escape(w.updated))
    console.print(table)


@app.command()
def serve(
    folder: WitnessDir,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8480,
    cert: Annotated[Path | None, typer.Option(help="TLS certificate (PEM) for HTTPS.")] = None,
    tls_key: Annotated[Path | None, typer.Option("--key", help="Its private key.")] = None,
    read_timeout: Annotated[
        float, typer.Option(min=0.1, max=300, help="Seconds to read a request's body (408).")
    ] = READ_SECONDS,
) -> None:
    """Serve POST /add-checkpoint (plain HTTP, or HTTPS with --cert and --key).

    At most 64 connections at once (503 beyond), idle keep-alive connections closed
    after 5 s, a request's body read within --read-timeout seconds."""
    import uvicorn

    import statelink.cli.server as server
    from statelink.witness.service import Witness, create_witness_app
    from statelink.witness.store import WitnessStore

    if (cert is None) != (tls_key is None):
        raise UsageError("give both --cert and --key for HTTPS, or neither")
    if cert is not None and tls_key is not None:
        _check_tls(cert, tls_key)
    server.check_port(host, port)
    witness = Witness(_key(folder), WitnessStore.open(folder))
    try:
        config = uvicorn.Config(
            create_witness_app(witness, read_seconds=read_timeout),
            host=host,
            port=port,
            ssl_certfile=cert,
            ssl_keyfile=tls_key,
            log_level="warning",
            access_log=False,
            server_header=False,
            limit_concurrency=MAX_CONNECTIONS,
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
            h11_max_incomplete_event_size=HEADER_BYTES,
        )
        server.serve(config)  # until Ctrl-C: then KeyboardInterrupt
    finally:
        witness.store.close()


def _check_tls(cert: Path, key: Path) -> None:
    """Refuse files that are not a certificate and its key, before serving."""
    require_file(cert, "--cert")
    require_file(key, "--key")
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(cert, key)
    except (ssl.SSLError, OSError, ValueError) as e:
        raise UsageError(
            f"--cert, --key: {cert} and {key} are not a PEM certificate and its key ({e})"
        ) from None
