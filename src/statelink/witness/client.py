"""Asking a witness to cosign: one ``add-checkpoint`` request over HTTP (httpx).

A witness is someone else's server, so its answer is read with care: at most
:data:`MAX_ANSWER` bytes, never compressed (a small gzip body can unpack to gigabytes),
a 409's size only as plain decimal digits up to 2^63-1. Every httpx error, an invalid
URL included, becomes a :class:`Reply` with status 0 here, once: a caller never sees a
foreign exception.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import httpx

from statelink.errors import UsageError
from statelink.witness.submission import MAX_SIZE, Submission

TIMEOUT = httpx.Timeout(5.0, connect=3.0)  # each step: connect, send, wait for a byte
TOTAL_SECONDS = 10.0  # the whole answer, however slowly a witness trickles it
MAX_ANSWER = 64 * 1024
SIZE_TYPE = "text/x.tlog.size"
_SIZE_BODY = re.compile(r"[0-9]{1,20}\n?")


@dataclass(frozen=True)
class Reply:
    """A witness's answer: its status (0 if no usable answer came: unreachable, an
    invalid URL, a body too large or compressed), the cosignature lines of a 200, the
    size of a 409, or a reason."""

    status: int
    lines: tuple[str, ...] = ()
    size: int | None = None
    reason: str = ""


def checked_url(url: str) -> str:
    """A witness's submission prefix, without a trailing slash; UsageError if it is not
    an http:// or https:// URL with a host."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as e:
        raise UsageError(f"not a valid witness URL ({e}): {url!r}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise UsageError(f"a witness URL is http:// or https:// with a host, given {url!r}")
    return url.rstrip("/")


class WitnessClient:
    def __init__(
        self, url: str, *, timeout: httpx.Timeout = TIMEOUT, total: float = TOTAL_SECONDS
    ) -> None:
        self.url = url.rstrip("/")
        self._total = total
        self._client = httpx.Client(timeout=timeout, follow_redirects=False)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> WitnessClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add_checkpoint(self, submission: Submission) -> Reply:
        headers = {"Content-Type": "text/plain; charset=utf-8", "Accept-Encoding": "identity"}
        deadline = time.monotonic() + self._total
        try:
            with self._client.stream(
                "POST", f"{self.url}/add-checkpoint", content=submission.body(), headers=headers
            ) as answer:
                body = _read(answer, deadline)
        except httpx.InvalidURL:
            return Reply(0, reason="the witness URL is not valid")
        except (httpx.HTTPError, httpx.StreamError) as e:
            return Reply(0, reason=f"unreachable: {type(e).__name__}")
        except _Refused as e:
            return Reply(0, reason=f"refused its answer: {e}")
        return _reply(answer.status_code, answer.headers.get("content-type", ""), body)


class _Refused(Exception):
    """An answer not read: compressed, too large or too slow."""


def _read(answer: httpx.Response, deadline: float) -> bytes:
    """The raw body, at most :data:`MAX_ANSWER` bytes, by ``deadline``; else _Refused."""
    if answer.headers.get("content-encoding", "identity").strip().lower() != "identity":
        raise _Refused("compressed")
    body = bytearray()
    for chunk in answer.iter_raw():
        body += chunk
        if len(body) > MAX_ANSWER:
            raise _Refused(f"over {MAX_ANSWER} bytes")
        if time.monotonic() > deadline:
            raise _Refused("too slow")
    return bytes(body)


def _reply(status: int, content_type: str, body: bytes) -> Reply:
    text = body.decode("utf-8", errors="replace")
    if status == 200:
        return Reply(200, tuple(line for line in text.splitlines() if line.startswith("\u2014 ")))
    if status == 409:
        media = content_type.split(";")[0].strip()
        if media == SIZE_TYPE and _SIZE_BODY.fullmatch(text) and int(text) <= MAX_SIZE:
            return Reply(409, size=int(text))
        return Reply(409, reason=f"a 409 without a {SIZE_TYPE} body of one size")
    shown = "".join(c if c.isprintable() else "?" for c in text.strip()[:200])
    return Reply(status, reason=shown)  # no control characters from a stranger in a log
