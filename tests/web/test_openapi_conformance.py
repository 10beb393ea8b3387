"""schemathesis against the running API's own OpenAPI document, with every check it has.

A real server on loopback (the embedded switch with the protocol ``statelink demo``
uses) and the schemathesis command line, as a user would run it from the repository
(``schemathesis.toml`` holds the one documented exception). The example budget is
bounded so ``make test`` stays short; run it by hand with a larger ``--max-examples``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from statelink.embedded import EmbeddedNetwork
from statelink.nation import Layout
from statelink.web.api import create_app
from tests.conftest import copy_nation
from tests.web.conftest import serving

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = 40
"""Examples per operation and phase in ``make test`` (schemathesis's own default is 100)."""


@pytest.fixture(scope="module")
def api(layout: Layout, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    own = copy_nation(layout, tmp_path_factory.mktemp("schemathesis"))
    with serving(create_app(EmbeddedNetwork.open(own))) as url:
        yield url


def test_schemathesis_finds_no_failure(api: str) -> None:
    command = Path(sys.executable).parent / "schemathesis"
    result = subprocess.run(
        [
            str(command),
            "run",
            f"{api}/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            str(EXAMPLES),
            "--no-color",
        ],
        cwd=ROOT,  # its schemathesis.toml
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-6000:]
    assert " passed" in report, report[-2000:]
