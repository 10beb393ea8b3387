"""Any bytes in a request's method, path, query, headers or body: never a 500, never a
closed connection without an answer, and every API error in the problem shape.

Hypothesis writes raw requests to a real server on loopback (the embedded switch, with
the protocol ``statelink demo`` uses). The budget is bounded for ``make test``.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PATHS = [
    "/v1/messages",
    "/v1/messages/01A2052E4634C9ECDCE1E6215679B33C",
    "/v1/health",
    "/v1/directory",
    "/v1/directory/VTICE0900",
    "/logs/WA/checkpoint",
    "/logs/WA/tile/0/000",
    "/logs/WA/tile/entries/000",
    "/dashboard/",
    "/dashboard/login",
    "/dashboard/logout",
    "/dashboard/states/WA/whatif",
    "/dashboard/states/WA/reviews",
    "/dashboard/states/WA/",
    "/openapi.json",
]
METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "FOO", "get"]
HEADER_NAMES = [b"content-type", b"authorization", b"cookie", b"accept", b"x-anything"]

# bytes a header value or path may carry on the wire: anything but CR, LF and NUL
wire_bytes = st.binary(max_size=80).map(
    lambda b: b.replace(b"\r", b"").replace(b"\n", b"").replace(b"\0", b"")
)
content_types = st.sampled_from(
    [
        b"multipart/form-data; boundary=xyz",
        b"multipart/form-data",
        b"application/x-www-form-urlencoded",
        b"application/json",
        b"TEXT/PLAIN; charset=latin-1",
        b"application/problem+json",
    ]
)
escapes = st.lists(st.sampled_from(["%ff", "%00", "%2e%2e", "%", "%zz", "..", "//", "%c3"]))


@st.composite
def requests(draw: st.DrawFn) -> bytes:
    method = draw(st.sampled_from(METHODS)).encode()
    path = draw(st.sampled_from(PATHS)).encode() + "".join(draw(escapes)).encode()
    path += draw(wire_bytes).replace(b" ", b"")
    query = draw(st.one_of(st.just(b""), wire_bytes.map(lambda b: b"?" + b.replace(b" ", b""))))
    headers = b"".join(
        name + b": " + value.strip() + b"\r\n"
        for name, value in draw(
            st.lists(st.tuples(st.sampled_from(HEADER_NAMES), wire_bytes), max_size=4)
        )
    )
    if draw(st.booleans()):
        headers += b"content-type: " + draw(content_types) + b"\r\n"
    body = draw(
        st.one_of(
            st.binary(max_size=300),
            st.just(b'--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--xyz--'),
            st.just(b'{"mke": "DQ", "ori": 1}'),
            st.just(b"name=%ff&password=%00&csrf=x"),
        )
    )
    return (
        method
        + b" "
        + path
        + query
        + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        + headers
        + b"Content-Length: %d\r\n\r\n" % len(body)
        + body
    )


def _exchange(base_url: str, request: bytes) -> bytes:
    url = urlsplit(base_url)
    with socket.create_connection((url.hostname or "", url.port or 80), timeout=30) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(request=requests())
def test_any_request_gets_an_answer_that_is_not_a_server_error(
    base_url: str, request: bytes
) -> None:
    answer = _exchange(base_url, request)
    assert answer.startswith(b"HTTP/1.1 "), (request, answer[:200])
    status = int(answer[9:12])
    head = answer.partition(b"\r\n\r\n")[0].lower()
    assert status < 500, (request, answer[:600])
    api = not request.split(b" ", 2)[1].startswith(b"/dashboard")
    if status >= 400 and api and not request.startswith(b"HEAD "):
        assert b"content-type: application/problem+json" in head, (request, answer[:600])
