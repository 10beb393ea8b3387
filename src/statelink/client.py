"""A client of the hub's HTTP API, for the CLI's ``--hub URL``."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from statelink.errors import HubUnreachable, RemoteError
from statelink.messages.model import Message
from statelink.messages.response import HubResponse
from statelink.transport.tls import client_context


@dataclass(frozen=True)
class Credentials:
    """How the CLI proves itself to a networked hub: a client certificate or a token."""

    ca: Path | None = None  # the CA the hub's certificate chains to
    cert: Path | None = None
    key: Path | None = None
    token: str | None = None

    def verify(self) -> ssl.SSLContext | bool:
        """httpx's ``verify``: the system's CAs (True) unless a CA or a certificate is given."""
        if self.ca is None and self.cert is None:
            return True
        return client_context(ca=self.ca, cert=self.cert, key=self.key)

    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"} if self.token else {}


class HubClient:
    def __init__(
        self, base_url: str, *, timeout: float = 75.0, credentials: Credentials | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout = timeout
        self._credentials = credentials or Credentials()

    def submit(self, message: Message) -> HubResponse:
        data = self._request("POST", "/v1/messages", json=message.to_json())
        return HubResponse.model_validate(data)

    def fetch(self, message_id: str, ori: str) -> HubResponse:
        data = self._request("GET", f"/v1/messages/{message_id}", params={"ori": ori})
        return HubResponse.model_validate(data)

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = httpx.request(
                method,
                self.base_url + path,
                timeout=self._timeout,
                verify=self._credentials.verify(),
                headers=self._credentials.headers(),
                **kwargs,
            )
        except httpx.HTTPError as e:
            raise HubUnreachable(f"cannot reach the hub at {self.base_url}: {e}") from e
        if response.is_error:
            try:
                problem = response.json()
            except ValueError:
                problem = {}
            raise RemoteError(
                code=str(problem.get("code", "http-error")),
                status=response.status_code,
                message=str(problem.get("detail") or f"the hub answered {response.status_code}"),
                details={
                    k: v
                    for k, v in problem.items()
                    if k not in ("type", "title", "status", "detail", "code")
                },
            )
        return response.json()
