"""Review through a running server: the CLI decides, the server's node carries it out,
the requester collects over HTTP (``GET /v1/messages/{id}``)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator

import httpx
import pytest

from statelink.nation import Layout, open_records
from tests.conftest import Run

HSI = "WAHSI0100"


@pytest.fixture
def announced(served: Layout, base_url: str) -> Iterator[Layout]:
    """The served nation, with the server announced as a running demo would announce it."""
    served.served.write_text(json.dumps({"url": base_url, "pid": os.getpid()}), encoding="utf-8")
    yield served
    served.served.unlink()


def test_approve_from_the_cli_then_collect_over_http(
    announced: Layout, base_url: str, run: Callable[..., Run]
) -> None:
    records = open_records(announced, "WA")
    oln = records.list_drivers(2)[1].oln
    records.close()
    held = httpx.post(
        f"{base_url}/v1/messages",
        content=f"DQ.{HSI}.WA.OLN/{oln}.PUR/C.OFF/6499.",
        headers={"content-type": "text/plain"},
    ).json()
    assert held["summary"] == {"WA": "HELD"}
    message_id = held["message_id"]

    pending = httpx.get(f"{base_url}/v1/messages/{message_id}", params={"ori": HSI})
    assert pending.status_code == 200
    assert pending.json()["summary"] == {"WA": "HELD"}
    stranger = httpx.get(f"{base_url}/v1/messages/{message_id}", params={"ori": "NY0303000"})
    assert stranger.status_code == 404
    assert stranger.json()["code"] == "not-found"

    data = ("--data", str(announced.root))
    approved = run(
        "review",
        "approve",
        message_id,
        "--state",
        "WA",
        "--reviewer",
        "r.lee",
        "--note",
        "ok",
        *data,
    )
    assert approved.code == 0, approved.err
    assert "ready for the requester to collect" in approved.out  # carried out by the server

    fetched = run("query", "--fetch", message_id, "--ori", HSI, "--json", *data)
    answer = json.loads(fetched.out)["answers"][0]
    assert answer["status"] == "HIT"
    assert [d["oln"] for d in answer["drivers"]] == [oln]
    assert answer["receipt"]["seq"] >= 0
    again = httpx.get(f"{base_url}/v1/messages/{message_id}", params={"ori": HSI}).json()
    assert again["summary"] == {"WA": "REJECTED"}
