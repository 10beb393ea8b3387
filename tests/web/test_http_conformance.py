"""The HTTP surface over a real server: methods, media types, body limits, malformed
requests. Every refusal is a problem document, whatever layer refuses."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import httpx
import pytest

from statelink.web.http_protocol import KNOWN_METHODS

PROBLEM = "application/problem+json"
TEXT_MESSAGE = "DQ.NY0303000.WA.OLN/WDL00000000.PUR/C."


def _raw(base_url: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes; the status, headers and body of the answer (the server closes)."""
    url = urlsplit(base_url)
    with socket.create_connection((url.hostname or "", url.port or 80), timeout=10) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines)}
    return int(status_line.split()[1]), headers, body


@pytest.mark.parametrize(
    ("method", "path", "status", "allow"),
    [
        ("FOO", "/v1/messages", 405, "POST"),
        ("BREW", "/v1/health", 405, "GET"),
        ("FOO", "/nowhere", 404, None),
        ("PUT", "/v1/messages", 405, "POST"),
        ("DELETE", "/v1/health", 405, "GET"),
        ("PATCH", "/v1/directory", 405, "GET"),
    ],
)
def test_a_method_the_path_does_not_take(
    base_url: str, method: str, path: str, status: int, allow: str | None
) -> None:
    request = f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".encode()
    got, headers, body = _raw(base_url, request)
    assert got == status
    assert headers["content-type"] == PROBLEM
    assert headers.get("allow") == allow
    assert b'"status":%d' % status in body


def test_an_unknown_method_is_one_the_parser_refuses() -> None:
    assert "FOO" not in KNOWN_METHODS  # so the case above goes through the protocol


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"\x00\x01\x02 garbage\r\n\r\n",
        b"GET /v1/health HTTP/9.9\r\n\r\n",
        b"GET /v1/health HTTP/1.1\r\nBad Header\r\n\r\n",
        b"POST /v1/messages HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello",
    ],
)
def test_malformed_requests_get_a_problem_document(base_url: str, request_bytes: bytes) -> None:
    status, headers, body = _raw(base_url, request_bytes)
    assert status == 400
    assert headers["content-type"] == PROBLEM
    assert b"urn:statelink:error:" in body


@pytest.mark.parametrize(
    "content_type", ["TEXT/PLAIN", "text/plain; charset=UTF-8", "Text/Plain ;charset=utf-8"]
)
def test_content_types_match_without_regard_to_case(base_url: str, content_type: str) -> None:
    response = httpx.post(
        f"{base_url}/v1/messages", content=TEXT_MESSAGE, headers={"content-type": content_type}
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "content_type", ["text/html", "application/x-www-form-urlencoded", "image/png"]
)
def test_other_media_types_are_refused(base_url: str, content_type: str) -> None:
    response = httpx.post(
        f"{base_url}/v1/messages", content=TEXT_MESSAGE, headers={"content-type": content_type}
    )
    assert response.status_code == 415
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "unsupported-media-type"


def test_text_that_is_not_utf8_is_named(base_url: str) -> None:
    body = b"DQ.NY0303000.W\xffA.OLN/X.PUR/C."
    response = httpx.post(
        f"{base_url}/v1/messages", content=body, headers={"content-type": "text/plain"}
    )
    assert response.status_code == 422
    assert response.json()["title"] == "Unprocessable Content"
    assert "0xFF at offset 14" in response.json()["detail"]


def test_a_declared_length_over_the_limit_is_refused_unread(base_url: str) -> None:
    request = (
        b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
        b"Content-Length: 10000000\r\n\r\n" + b"." * 1000
    )
    status, headers, body = _raw(base_url, request)
    assert status == 413
    assert headers["connection"] == "close"
    assert b'"code":"too-large"' in body
    assert b'"title":"Content Too Large"' in body


def test_a_chunked_body_over_the_limit_is_refused_while_it_arrives(base_url: str) -> None:
    body = (b"." * 8192 for _ in range(64))  # 512 KiB with no Content-Length
    response = httpx.post(
        f"{base_url}/v1/messages", content=body, headers={"content-type": "text/plain"}
    )
    assert response.status_code == 413
    assert response.json()["limit"] == 64 * 1024


@pytest.mark.parametrize("length", ["abc", "-1", "1e3", "99999999999999999999"])
def test_a_malformed_content_length_is_refused(base_url: str, length: str) -> None:
    request = f"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n"
    status, headers, _ = _raw(base_url, request.encode())
    assert status == 400
    assert headers["content-type"] == PROBLEM
