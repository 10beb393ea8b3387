"""A client of the hub's HTTP API, for the CLI's ``--hub URL``."""

from __future__ import annotations

from typing import Any

import httpx

from statelink.errors import HubUnreachable, RemoteError
from statelink.messages.model import Message
from statelink.messages.response import HubResponse


class HubClient:
    def __init__(self, base_url: str, *, timeout: float = 75.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout = timeout

    def submit(self, message: Message) -> HubResponse:
        data = self._request("POST", "/v1/messages", json=message.to_json())
        return HubResponse.model_validate(data)

    def fetch(self, message_id: str, ori: str) -> HubResponse:
        data = self._request("GET", f"/v1/messages/{message_id}", params={"ori": ori})
        return HubResponse.model_validate(data)

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = httpx.request(method, self.base_url + path, timeout=self._timeout, **kwargs)
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
