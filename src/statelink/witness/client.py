"""Asking a witness to cosign: one ``add-checkpoint`` request over HTTP (httpx)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from statelink.witness.submission import Submission

TIMEOUT = httpx.Timeout(10.0, connect=3.0)


@dataclass(frozen=True)
class Reply:
    """A witness's answer: its status (0 if it could not be reached), the cosignature
    lines of a 200, the size of a 409, or a reason."""

    status: int
    lines: tuple[str, ...] = ()
    size: int | None = None
    reason: str = ""


class WitnessClient:
    def __init__(self, url: str, *, timeout: httpx.Timeout = TIMEOUT) -> None:
        self.url = url.rstrip("/")
        self._client = httpx.Client(timeout=timeout, follow_redirects=False)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> WitnessClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add_checkpoint(self, submission: Submission) -> Reply:
        try:
            answer = self._client.post(
                f"{self.url}/add-checkpoint",
                content=submission.body(),
                headers={"Content-Type": "text/plain; charset=utf-8"},
            )
        except httpx.HTTPError as e:
            return Reply(0, reason=f"unreachable: {type(e).__name__}")
        text = answer.text[:4096]
        if answer.status_code == 200:
            lines = tuple(line for line in text.splitlines() if line.startswith("\u2014 "))
            return Reply(200, lines)
        if answer.status_code == 409:
            media = answer.headers.get("content-type", "").split(";")[0].strip()
            stripped = text.strip()
            if media == "text/x.tlog.size" and stripped.isdigit():
                return Reply(409, size=int(stripped))
            return Reply(409, reason="a 409 without a text/x.tlog.size body")
        return Reply(answer.status_code, reason=text.strip()[:200])
