"""``statelink serve hub|node``: the networked mode's services, over mutual TLS.

Every setting is a flag, an environment variable or a key of the TOML file given with
``--config`` (flag over environment over file).
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from statelink.config import HubConfig, NodeConfig

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
) -> None:
    """Serve one state's node: it answers only the hub, over mutual TLS (and serves its
    audit log: its checkpoint and hash tiles to anyone, its records to network members)."""
    from statelink.web.node_service import create_node_app

    settings = NodeConfig.load(
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
    )
    _serve(create_node_app(settings), settings, ssl.CERT_OPTIONAL)  # /logs/ is public


Nodes = Annotated[list[str] | None, typer.Option("--node", help=_help(HubConfig, "nodes"))]
SingleTimeout = Annotated[float | None, typer.Option(help=_help(HubConfig, "single_timeout"))]
NationwideTimeout = Annotated[
    float | None, typer.Option(help=_help(HubConfig, "nationwide_timeout"))
]
NodeConnections = Annotated[int | None, typer.Option(help=_help(HubConfig, "node_connections"))]
MaxRequests = Annotated[int | None, typer.Option(help=_help(HubConfig, "max_requests"))]
ResubmitWindow = Annotated[float | None, typer.Option(help=_help(HubConfig, "resubmit_window"))]


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
) -> None:
    """Serve the hub: members connect with a client certificate or a bearer token."""
    from statelink.web.hub_service import create_hub_app

    settings = HubConfig.load(
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
    )
    _serve(create_hub_app(settings), settings, ssl.CERT_OPTIONAL)


def _serve(app: Starlette, settings: HubConfig | NodeConfig, client_cert: ssl.VerifyMode) -> None:
    """Serve ``app`` over TLS with the service's address and files until stopped."""
    from statelink.web.server import serve_tls

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
