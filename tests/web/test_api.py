"""The HTTP API over a real server: messages in both forms, directory, one error shape."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from statelink.messages.response import HubResponse
from statelink.nation import Layout, open_records
from tests.conftest import Run


def _oln(layout: Layout) -> str:
    store = open_records(layout, "WA")
    try:
        return store.list_drivers(1)[0].oln
    finally:
        store.close()


def test_health(base_url: str) -> None:
    health = httpx.get(f"{base_url}/v1/health").json()
    assert health["status"] == "ok"
    assert health["states"] == 51
    assert health["agencies"] > 5000


def test_post_a_json_message(base_url: str, layout: Layout) -> None:
    oln = _oln(layout)
    body = {"mke": "DQ", "ori": "NY0303000", "dest": ["WA"], "purpose": "C", "fields": {"OLN": oln}}
    response = httpx.post(f"{base_url}/v1/messages", json=body)
    assert response.status_code == 200
    reply = HubResponse.model_validate(response.json())
    assert reply.answers[0].drivers[0].oln == oln


def test_post_a_text_message(base_url: str, layout: Layout) -> None:
    oln = _oln(layout)
    response = httpx.post(
        f"{base_url}/v1/messages",
        content=f"KQ.NY0303000.WA.OLN/{oln}.PUR/C.",
        headers={"content-type": "text/plain"},
    )
    assert response.status_code == 200
    assert response.json()["answers"][0]["drivers"][0]["history"]


def test_directory_endpoints(base_url: str) -> None:
    ice = httpx.get(f"{base_url}/v1/directory", params={"component": "ICE"}).json()
    assert {a["component"] for a in ice} == {"ICE"}
    assert len(ice) == 26
    lesc = httpx.get(f"{base_url}/v1/directory/VTICE0900").json()
    assert "immigration-enforcement" in lesc["groups"]


def test_openapi_documents_both_message_forms(base_url: str) -> None:
    spec = httpx.get(f"{base_url}/openapi.json").json()
    content = spec["paths"]["/v1/messages"]["post"]["requestBody"]["content"]
    assert {"application/json", "text/plain"} <= set(content)


ERRORS: list[tuple[str, str, dict[str, Any], int, str]] = [
    ("POST", "/v1/messages", {"json": {"mke": "XQ"}}, 422, "invalid-message"),
    (
        "POST",
        "/v1/messages",
        {"content": "DQ.NY0303000.ZZ.OLN/A.PUR/C.", "headers": {"content-type": "text/plain"}},
        422,
        "invalid-message",
    ),
    (
        "POST",
        "/v1/messages",
        {"content": "{not json", "headers": {"content-type": "application/json"}},
        422,
        "invalid-message",
    ),
    ("POST", "/v1/messages", {"content": ""}, 400, "bad-request"),
    (
        "POST",
        "/v1/messages",
        {"content": "DQ.NY9999999.WA.OLN/A.PUR/C.", "headers": {"content-type": "text/plain"}},
        403,
        "unknown-ori",
    ),
    ("GET", "/v1/messages", {}, 405, "method-not-allowed"),
    ("GET", "/v1/directory/WA0000001", {}, 404, "not-found"),
    ("GET", "/v1/messages/NOSUCH", {"params": {"ori": "WAHSI0100"}}, 404, "not-found"),
    ("GET", "/v1/messages/NOSUCH", {}, 422, "bad-request"),
    ("GET", "/v1/directory", {"params": {"limit": 0}}, 422, "bad-request"),
    ("GET", "/v1/nowhere", {}, 404, "not-found"),
]


@pytest.mark.parametrize(("method", "path", "kwargs", "status", "code"), ERRORS)
def test_every_error_has_the_one_problem_shape(
    base_url: str, method: str, path: str, kwargs: dict[str, Any], status: int, code: str
) -> None:
    response = httpx.request(method, base_url + path, **kwargs)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert {"type", "title", "status", "detail", "code"} <= set(problem)
    assert problem["status"] == status
    assert problem["code"] == code
    assert problem["type"] == f"urn:statelink:error:{code}"
    assert problem["detail"]
    assert "\n" not in problem["detail"]
    assert "Traceback" not in response.text


def test_invalid_message_lists_field_errors(base_url: str) -> None:
    problem = httpx.post(
        f"{base_url}/v1/messages",
        json={
            "mke": "DQ",
            "ori": "NY0303000",
            "dest": ["WA", "OR", "ID", "CA", "NV", "AZ"],
            "purpose": "C",
            "fields": {"OLN": "A1"},
        },
    ).json()
    assert problem["errors"] == [
        {
            "field": "dest",
            "expected": "1 to 5 distinct state codes, or NL alone (6 given)",
            "given": '["WA", "OR", "ID", "CA", "NV", "AZ"]',
        }
    ]


def test_cli_query_through_the_hub_url(
    base_url: str, layout: Layout, run: Callable[..., Run]
) -> None:
    oln = _oln(layout)
    result = run("query", f"DQ.NY0303000.WA.OLN/{oln}.PUR/C.", "--hub", base_url, "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["summary"] == {"WA": "HIT"}
    bad = run("query", "DQ.NY0303000.WA,OR,ID,CA,NV,AZ.OLN/A1.PUR/C.", "--hub", base_url)
    assert bad.code == 2  # refused by the CLI before sending
    refused = run("query", "DQ.NY9999999.WA.OLN/A1.PUR/C.", "--hub", base_url)
    assert refused.code == 1
    assert "unknown ORI NY9999999" in refused.err


def test_cli_says_when_the_hub_is_unreachable(run: Callable[..., Run]) -> None:
    result = run("query", "DQ.NY0303000.WA.OLN/A1.PUR/C.", "--hub", "http://127.0.0.1:9")
    assert result.code == 1
    assert result.err.startswith("error: cannot reach the hub at http://127.0.0.1:9")
