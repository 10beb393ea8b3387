"""A hostile body does not block other members: while one client sends 2 MB and 10 MB
bodies, another client's queries are all answered, and the hostile client gets 413 after
the app has read no more than the limit. The test counts; it does not time."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from statelink.embedded import EmbeddedNetwork
from statelink.nation import Layout, open_records
from statelink.web.api import create_app
from statelink.web.body_limit import MESSAGE_BODY_LIMIT
from tests.web.conftest import serving

MB = 1024 * 1024


@dataclass
class BodyCount:
    """What the app was handed of each request's body, counted outside the app."""

    reads: list[list[int]] = field(default_factory=list)  # chunk sizes, per request

    def wrap(self, app: ASGIApp) -> ASGIApp:
        async def counted_app(scope: Scope, receive: Receive, send: Send) -> None:
            chunks: list[int] = []
            self.reads.append(chunks)

            async def counted() -> Message:
                message = await receive()
                if message["type"] == "http.request":
                    chunks.append(len(message.get("body", b"")))
                return message

            await app(scope, counted, send)

        return counted_app


@pytest.fixture(scope="module")
def attacked(served: Layout) -> Iterator[tuple[str, BodyCount]]:
    count = BodyCount()
    with serving(count.wrap(create_app(EmbeddedNetwork.open(served)))) as url:
        yield url, count


def _hostile(base_url: str, size: int, *, chunked: bool) -> int:
    """Send a body of ``size`` dots (declared, or chunked without a length) as fast as
    the server takes it; the status of the answer."""
    url = urlsplit(base_url)
    framing = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: %d" % size
    head = b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n%s\r\n\r\n"
    piece = b"." * 65536
    with socket.create_connection((url.hostname or "", url.port or 80), timeout=30) as sock:
        sock.sendall(head % framing)
        try:
            for _ in range(size // len(piece)):
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server answered and closed while the body was still arriving
        answer = sock.recv(65536)
    return int(answer.split(b" ", 2)[1])


def test_a_hostile_body_blocks_no_one(attacked: tuple[str, BodyCount], served: Layout) -> None:
    base_url, count = attacked
    store = open_records(served, "WA")
    oln = store.list_drivers(1)[0].oln
    store.close()
    stop = threading.Event()
    hostile: list[int] = []

    def attack() -> None:
        sizes = [(2 * MB, False), (10 * MB, False), (2 * MB, True), (10 * MB, True)]
        while not stop.is_set():
            for size, chunked in sizes:
                hostile.append(_hostile(base_url, size, chunked=chunked))

    attacker = threading.Thread(target=attack, daemon=True)
    attacker.start()
    answered: list[int] = []
    with httpx.Client(timeout=30) as client:
        while len(hostile) < 1:  # the attack is under way
            stop.wait(0.01)
        for _ in range(40):
            response = client.post(
                f"{base_url}/v1/messages",
                content=f"DQ.NY0303000.WA.OLN/{oln}.PUR/C.",
                headers={"content-type": "text/plain"},
            )
            answered.append(response.status_code)
        attacks_during = len(hostile)
    stop.set()
    attacker.join(timeout=120)

    assert answered == [200] * 40
    assert attacks_during >= 4  # every kind of hostile body was sent during the queries
    assert set(hostile) == {413}
    refused = [chunks for chunks in count.reads if sum(chunks) > 10_000]
    assert refused  # the chunked bodies were read, and only up to the limit:
    for chunks in refused:
        assert sum(chunks[:-1]) <= MESSAGE_BODY_LIMIT  # the chunk that crossed it ends it
