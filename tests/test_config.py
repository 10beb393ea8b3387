"""Service settings: flag over environment over TOML file, with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from statelink.config import HubConfig, NodeConfig
from statelink.errors import UsageError


def test_flags_win_over_the_environment_which_wins_over_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toml = tmp_path / "node.toml"
    toml.write_text(
        'state = "or"\nport = 9001\nhost = "0.0.0.0"\ncert = "n.pem"\nkey = "n.key"\n'
        'ca = "ca.pem"\nhub_cert = "hub.pem"\n'
    )
    monkeypatch.setenv("STATELINK_NODE_PORT", "9002")
    loaded = NodeConfig.load(toml)
    assert (loaded.state, loaded.port, loaded.host) == ("OR", 9002, "0.0.0.0")
    assert NodeConfig.load(toml, port=9003, state="wa").port == 9003
    assert NodeConfig.load(toml, state="wa").state == "WA"


def test_nodes_come_as_a_table_or_json_and_must_be_https(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toml = tmp_path / "hub.toml"
    toml.write_text(
        'cert = "h.pem"\nkey = "h.key"\nca = "ca.pem"\n[nodes]\nWA = "https://wa:8443"\n'
    )
    assert HubConfig.load(toml).nodes == {"WA": "https://wa:8443"}
    monkeypatch.setenv("STATELINK_HUB_NODES", '{"or": "https://or:8443"}')
    # sources merge: the environment adds a node to the file's
    assert HubConfig.load(toml).nodes == {"WA": "https://wa:8443", "OR": "https://or:8443"}
    with pytest.raises(UsageError, match="https://"):
        HubConfig.load(toml, nodes={"WA": "http://wa"})


@pytest.mark.parametrize(
    ("given", "error"),
    [
        ({}, "cert: Field required"),
        ({"cert": "c", "key": "k", "ca": "a", "hub_cert": "h", "state": "XX"}, "unknown state"),
        ({"cert": "c", "key": "k", "ca": "a", "hub_cert": "h", "state": "WA", "port": 0}, "port"),
    ],
)
def test_bad_settings_are_usage_errors(given: dict[str, object], error: str) -> None:
    with pytest.raises(UsageError, match=error):
        NodeConfig.load(None, **given)


def test_a_missing_config_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not found"):
        HubConfig.load(tmp_path / "nope.toml")
