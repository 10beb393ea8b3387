"""``statelink serve hub|node``: the networked mode's services, over mutual TLS.

Every setting is a flag, an environment variable or a key of the TOML file given with
``--config`` (flag over environment over file).
"""

from __future__ import annotations

import re
import ssl
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

import statelink.cli.arguments as arguments
from statelink import logs
from statelink.cli.files import reading, require_file
from statelink.config import HubConfig, NodeConfig
from statelink.errors import UsageError

if TYPE_CHECKING:
    from starlette.applications import Starlette

app = typer.Typer(
    help="Run the hub or a state node as a service (networked mode).", no_args_is_help=True
)


def _help(config: type[HubConfig] | type[NodeConfig], name: str) -> str:
    field = config.model_fields[name]
    prefix = config.model_config.get("env_prefix", "")
    return f"{field.description} \\[env: {prefix}{name.upper()}]"  # \\[: not Rich markup


ConfigFile = Annotated[
    Path | None,
    typer.Option("--config", help="TOML file of settings (keys as the flags, with _)."),
]


@app.command()
def node(
    config: ConfigFile = None,
    state: Annotated[str | None, typer.Option(help=_help(NodeConfig, "state"))] = None,
    data: Annotated[Path | None, typer.Option(help=_help(NodeConfig, "data"))] = None,
    database: Annotated[str | None, typer.Option(help=_help(NodeConfig, "database"))] = None,
    records: Annotated[str | None, typer.Option(help=_help(NodeConfig, "records"))] = None,
    host: Annotated[str | None, typer.Option(help=_help(NodeConfig, "host"))] = None,
    port: Annotated[int | None, typer.Option(help=_help(NodeConfig, "port"))] = None,
    cert: Annotated[Path | None, typer.Option(help=_help(NodeConfig, "cert"))] = None,
    key: Annotated[Path | None, typer.Option(help=_help(NodeConfig, "key"))] = None,
    ca: Annotated[Path | None, typer.Option(help=_help(NodeConfig, "ca"))] = None,
    hub_cert: Annotated[Path | None, typer.Option(help=_help(NodeConfig, "hub_cert"))] = None,
    max_body_bytes: MaxBody = None,
    drain_seconds: DrainSeconds = None,
    dashboard: Annotated[
        bool | None,
        typer.Option("--dashboard/--no-dashboard", help=_help(NodeConfig, "dashboard")),
    ] = None,
) -> None:
    """Serve one state's node: it answers only the hub, over mutual TLS (and serves its
    audit log: its checkpoint and hash tiles to anyone, its records to network members;
    and the state's dashboard at /dashboard/, unless --no-dashboard)."""
    from statelink.web.node_service import create_node_app

    settings = _settings(
        NodeConfig,
        config,
        state=state,
        data=data,
        database=database,
        records=records,
        host=host,
        port=port,
        cert=cert,
        key=key,
        ca=ca,
        hub_cert=hub_cert,
        max_body_bytes=max_body_bytes,
        drain_seconds=drain_seconds,
        dashboard=dashboard,
    )
    logs.configure_service()  # one JSON object per line, from here on
    _serve(create_node_app(settings), settings, ssl.CERT_OPTIONAL)  # /logs/, /dashboard/


Nodes = Annotated[list[str] | None, typer.Option("--node", help=_help(HubConfig, "nodes"))]
SingleTimeout = Annotated[float | None, typer.Option(help=_help(HubConfig, "single_timeout"))]
NationwideTimeout = Annotated[
    float | None, typer.Option(help=_help(HubConfig, "nationwide_timeout"))
]
NodeConnections = Annotated[int | None, typer.Option(help=_help(HubConfig, "node_connections"))]
MaxRequests = Annotated[int | None, typer.Option(help=_help(HubConfig, "max_requests"))]
ResubmitWindow = Annotated[float | None, typer.Option(help=_help(HubConfig, "resubmit_window"))]
Replica = Annotated[str | None, typer.Option(help=_help(HubConfig, "replica"))]
MemberRate = Annotated[float | None, typer.Option(help=_help(HubConfig, "member_rate"))]
MemberBurst = Annotated[int | None, typer.Option(help=_help(HubConfig, "member_burst"))]
MaxBody = Annotated[int | None, typer.Option(help=_help(HubConfig, "max_body_bytes"))]
DrainSeconds = Annotated[float | None, typer.Option(help=_help(HubConfig, "drain_seconds"))]


@app.command()
def hub(
    config: ConfigFile = None,
    data: Annotated[Path | None, typer.Option(help=_help(HubConfig, "data"))] = None,
    database: Annotated[str | None, typer.Option(help=_help(HubConfig, "database"))] = None,
    host: Annotated[str | None, typer.Option(help=_help(HubConfig, "host"))] = None,
    port: Annotated[int | None, typer.Option(help=_help(HubConfig, "port"))] = None,
    cert: Annotated[Path | None, typer.Option(help=_help(HubConfig, "cert"))] = None,
    key: Annotated[Path | None, typer.Option(help=_help(HubConfig, "key"))] = None,
    ca: Annotated[Path | None, typer.Option(help=_help(HubConfig, "ca"))] = None,
    node_ca: Annotated[Path | None, typer.Option(help=_help(HubConfig, "node_ca"))] = None,
    node: Nodes = None,
    single_timeout: SingleTimeout = None,
    nationwide_timeout: NationwideTimeout = None,
    node_connections: NodeConnections = None,
    max_requests: MaxRequests = None,
    resubmit_window: ResubmitWindow = None,
    replica: Replica = None,
    member_rate: MemberRate = None,
    member_burst: MemberBurst = None,
    max_body_bytes: MaxBody = None,
    drain_seconds: DrainSeconds = None,
) -> None:
    """Serve the hub: members connect with a client certificate or a bearer token."""
    from statelink.web.hub_service import create_hub_app

    settings = _settings(
        HubConfig,
        config,
        data=data,
        database=database,
        host=host,
        port=port,
        cert=cert,
        key=key,
        ca=ca,
        node_ca=node_ca,
        nodes=_nodes(node),
        single_timeout=single_timeout,
        nationwide_timeout=nationwide_timeout,
        node_connections=node_connections,
        max_requests=max_requests,
        resubmit_window=resubmit_window,
        replica=replica,
        member_rate=member_rate,
        member_burst=member_burst,
        max_body_bytes=max_body_bytes,
        drain_seconds=drain_seconds,
    )
    logs.configure_service()  # one JSON object per line, from here on
    _serve(create_hub_app(settings), settings, ssl.CERT_OPTIONAL)


Config = TypeVar("Config", HubConfig, NodeConfig)


def _settings(kind: type[Config], config: Path | None, **given: Any) -> Config:
    """The service's settings from the flags, the environment and ``config``; a file or
    a variable that cannot be read or parsed is a usage error naming it."""
    from pydantic_settings import SettingsError

    try:
        if config is None:
            loaded = kind.load(None, **given)
        else:
            require_file(config, "--config")
            with reading(config, "--config"):
                loaded = kind.load(config, **given)
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"--config: {config} is not TOML: {e}") from None
    except SettingsError as e:  # a variable the settings could not parse, e.g. JSON
        field = re.search(r'field "(\w+)"', str(e))
        prefix = kind.model_config.get("env_prefix", "")
        name = f" ({prefix}{field.group(1).upper()})" if field else ""
        cause = f": {e.__cause__}" if e.__cause__ else ""
        raise UsageError(f"invalid {kind.__name__} settings{name}: {e}{cause}") from None
    arguments.database(loaded.database, "--database")
    if isinstance(loaded, NodeConfig):
        arguments.database(loaded.records, "--records")
    return loaded


def _serve(app: Starlette, settings: HubConfig | NodeConfig, client_cert: ssl.VerifyMode) -> None:
    """Serve ``app`` over TLS with the service's address and files until stopped."""
    import statelink.cli.server as server
    from statelink.web.server import serve_tls

    server.check_port(settings.host, settings.port)
    with server.started(settings.host, settings.port):
        serve_tls(
            app,
            host=settings.host,
            port=settings.port,
            cert=settings.cert,
            key=settings.key,
            ca=settings.ca,
            client_cert=client_cert,
        )


def _nodes(given: list[str] | None) -> dict[str, str] | None:
    if not given:
        return None
    nodes: dict[str, str] = {}
    for item in given:
        state, sep, url = item.partition("=")
        if not sep or not url:
            raise typer.BadParameter(
                f"{item!r}: expected STATE=https://host:port", param_hint="--node"
            )
        nodes[state.strip().upper()] = url.strip()
    return nodes
