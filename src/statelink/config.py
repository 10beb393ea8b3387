"""Configuration of the networked services: flags, then environment, then a TOML file.

``statelink serve hub`` reads :class:`HubConfig` and ``statelink serve node`` reads
:class:`NodeConfig`. Each setting can be given as a command-line flag, as an environment
variable (``STATELINK_HUB_PORT``, ``STATELINK_NODE_STATE``, ...) or in the TOML file
named by ``--config``; the flag wins over the environment, which wins over the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Self

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from statelink.errors import UsageError
from statelink.states import CODES


class _ServiceConfig(BaseSettings):
    config_file: ClassVar[Path | None] = None

    data: Path = Field(
        Path("statelink-data"),
        description="The nation's data folder (directory, policies, records, audit keys).",
    )
    database: str | None = Field(
        None,
        description="Database URL for the service's stores, e.g. postgresql://host/db "
        "(default: SQLite files in the data folder).",
    )
    host: str = Field("127.0.0.1", description="Address to listen on.")
    max_body_bytes: int = Field(
        64 * 1024,
        ge=1024,
        le=64 * 1024 * 1024,
        description="Largest request body accepted, in bytes (larger: 413, refused while reading).",
    )
    drain_seconds: float = Field(
        0.0,
        ge=0,
        le=300,
        description="Seconds to keep serving after SIGTERM, /ready answering 503, before "
        "refusing new connections (time for a load balancer to stop sending).",
    )
    cert: Path = Field(description="This service's TLS certificate (PEM).")
    key: Path = Field(description="This service's TLS private key (PEM).")
    ca: Path = Field(description="CA certificate(s) that client certificates must chain to.")

    @classmethod
    def load(cls, config: Path | None, **given: Any) -> Self:
        """Settings from the flags given (None: not given), the environment and ``config``."""
        if config is not None and not config.is_file():
            raise UsageError(f"config file {config} not found")
        loaded = type(cls.__name__, (cls,), {"config_file": config})
        try:
            return loaded(**{k: v for k, v in given.items() if v is not None})  # type: ignore[no-any-return]
        except ValidationError as e:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'config'}: {err['msg']}"
                for err in e.errors()
            )
            raise UsageError(f"invalid {cls.__name__} settings: {problems}") from None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if cls.config_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=cls.config_file))
        return tuple(sources)


class NodeConfig(_ServiceConfig):
    model_config = SettingsConfigDict(env_prefix="STATELINK_NODE_", extra="forbid")

    state: str = Field(description="The state this node answers for (NCIC code, e.g. WA).")
    port: int = Field(8443, ge=1, le=65535, description="Port to listen on.")
    records: str | None = Field(
        None,
        description="Database URL of the state's records (default: the data folder's SQLite file).",
    )
    hub_cert: Path = Field(
        description="The hub's certificate: the only client this node answers (pinned by "
        "SHA-256 fingerprint)."
    )
    dashboard: bool = Field(
        True,
        description="Serve the state's dashboard at /dashboard/ on the same port, to "
        "browsers without a client certificate (sign-in by account); false: only the hub "
        "and the tiled log are answered.",
    )

    @field_validator("state")
    @classmethod
    def _known_state(cls, value: str) -> str:
        state = value.strip().upper()
        if state not in CODES:
            raise ValueError(f"unknown state code {value!r}")
        return state


class HubConfig(_ServiceConfig):
    model_config = SettingsConfigDict(env_prefix="STATELINK_HUB_", extra="forbid")

    port: int = Field(8443, ge=1, le=65535, description="Port to listen on.")
    nodes: dict[str, str] = Field(
        default_factory=dict,
        description="Each state's node: STATE=https://host:port, one flag per state (in "
        "the environment a JSON object, in the file a [nodes] table).",
    )
    node_ca: Path | None = Field(
        None, description="CA certificate(s) the nodes' certificates chain to (default: --ca)."
    )
    single_timeout: float = Field(10.0, gt=0, description="Seconds to wait for one state.")
    nationwide_timeout: float = Field(60.0, gt=0, description="Seconds to wait for an NL query.")
    node_connections: int = Field(
        32, ge=1, description="Requests in flight to one node at most (more wait their turn)."
    )
    max_requests: int = Field(
        1000, ge=1, description="Requests in progress at the hub at most (more get 503)."
    )
    resubmit_window: float = Field(
        600.0,
        ge=0,
        description="Seconds a member's control field names one message: the same message "
        "sent again within them is answered again, not decided again.",
    )
    replica: str = Field(
        "",
        max_length=63,
        description="This hub replica's name in the routing log (default: host:port).",
    )
    member_rate: float = Field(
        50.0,
        ge=0,
        description="Requests a second one member may send on average (more: 429 with "
        "Retry-After; 0: no limit).",
    )
    member_burst: int = Field(
        100, ge=1, description="Requests one member may send at once before the rate applies."
    )

    @field_validator("nodes")
    @classmethod
    def _known_states(cls, value: dict[str, str]) -> dict[str, str]:
        nodes = {state.strip().upper(): url for state, url in value.items()}
        unknown = [s for s in nodes if s not in CODES]
        if unknown:
            raise ValueError(f"unknown state code(s) {', '.join(unknown)}")
        bad = [u for u in nodes.values() if not u.startswith("https://")]
        if bad:
            raise ValueError(f"node URLs must start with https:// (given {bad[0]})")
        return nodes


class NodeStores(BaseSettings):
    """On a state's own node machine, where the command line finds that state's node
    stores: the environment ``statelink serve node`` reads (``STATELINK_NODE_STATE`` and
    ``STATELINK_NODE_DATABASE``). Elsewhere both are unset and the data folder's files
    are used."""

    model_config = SettingsConfigDict(env_prefix="STATELINK_NODE_", extra="ignore")

    state: str = ""
    database: str | None = None

    def database_for(self, state: str) -> str | None:
        """The node database named for ``state``, if this machine names one."""
        named = self.state.strip().upper()
        return self.database if self.database and named == state else None
