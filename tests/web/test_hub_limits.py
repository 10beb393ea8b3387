"""The networked hub's limits over a real server on loopback: a member over its rate gets
429 with Retry-After, a body over the hub's limit gets 413 before the member is even
looked up, and the hub's API matches its OpenAPI document with a member's token."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from statelink.config import HubConfig
from statelink.errors import RateLimited
from statelink.hub.members import MemberStore
from statelink.hub.rate_limits import RateLimits
from statelink.nation import Layout
from statelink.pki import init as pki_init
from statelink.web.hub_service import create_hub_app
from tests.conftest import copy_nation
from tests.web.conftest import serving

ROOT = Path(__file__).resolve().parents[2]
BURST = 3


@dataclass(frozen=True)
class Hub:
    url: str
    token: str


@contextmanager
def _hub(root: Path, layout: Layout, **limits: Any) -> Iterator[Hub]:
    own = copy_nation(layout, root / "nation")
    pki = pki_init(root / "pki", states=("WA",), members=[])
    members = MemberStore.open("hub", own.hub_db)
    members.add("ice-line", components=["ICE", "HSI"])
    _, token = members.issue_token("ice-line")
    members.close()
    config = HubConfig(data=own.root, cert=pki.hub, key=pki.hub_key, ca=pki.ca, **limits)
    with serving(create_hub_app(config)) as url:
        yield Hub(url, token)


@pytest.fixture(scope="module")
def hub(layout: Layout, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """A hub whose members get one token per 100 s: the burst is all a member gets."""
    root = tmp_path_factory.mktemp("hub-limits")
    with _hub(root, layout, member_rate=0.01, member_burst=BURST, max_body_bytes=4096) as hub:
        yield hub


def test_a_member_over_its_rate_gets_429_with_retry_after(hub: Hub) -> None:
    headers = {"authorization": f"Bearer {hub.token}"}
    with httpx.Client(base_url=hub.url, headers=headers, timeout=30) as client:
        statuses = [client.get("/v1/directory/VTICE0900").status_code for _ in range(BURST + 2)]
        refused = client.get("/v1/directory/VTICE0900")
    assert statuses == [200] * BURST + [429, 429]
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "rate-limited"
    assert int(refused.headers["retry-after"]) == refused.json()["retry_after"] > 0


def test_a_body_over_the_hubs_limit_is_refused_before_the_member_is_known(hub: Hub) -> None:
    response = httpx.post(
        f"{hub.url}/v1/messages", content=b"." * 5000, headers={"content-type": "text/plain"}
    )
    assert response.status_code == 413
    assert response.json()["limit"] == 4096


@pytest.mark.parametrize(
    ("rate", "burst", "times", "refused_at"),
    [
        (1.0, 1, [0.0, 0.5, 1.0], [1]),  # half a token after 0.5 s; a whole one at 1 s
        (2.0, 2, [0.0, 0.0, 0.0, 0.5], [2]),
        (10.0, 5, [0.0] * 6, [5]),
        (0.0, 1, [0.0] * 50, []),  # rate 0: no limit
    ],
)
def test_rate_limits(rate: float, burst: int, times: list[float], refused_at: list[int]) -> None:
    now = iter(times)
    limits = RateLimits(rate, burst, clock=lambda: next(now))
    waits: dict[int, int] = {}
    for i in range(len(times)):
        try:
            limits.take("m")
        except RateLimited as e:
            waits[i] = e.retry_after
    assert list(waits) == refused_at
    assert all(wait >= 1 for wait in waits.values())


def test_members_have_their_own_buckets() -> None:
    limits = RateLimits(1.0, 1, clock=lambda: 0.0)
    limits.take("a")
    limits.take("b")
    with pytest.raises(RateLimited, match="member a"):
        limits.take("a")


def test_the_hub_matches_its_openapi_document(
    layout: Layout, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with _hub(tmp_path_factory.mktemp("hub-openapi"), layout, member_rate=0) as hub:
        result = _schemathesis(hub)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-6000:]


def _schemathesis(hub: Hub) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(Path(sys.executable).parent / "schemathesis"),
            "run",
            f"{hub.url}/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            "15",
            "--no-color",
            "--header",
            f"Authorization: Bearer {hub.token}",
        ],
        cwd=ROOT,  # its schemathesis.toml
        capture_output=True,
        text=True,
        timeout=300,
    )
