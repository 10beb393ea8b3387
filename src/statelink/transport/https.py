"""The HTTPS transport: the hub calls state node services over mutual TLS.

The hub presents its certificate to every node and checks each node's certificate
against the network's CA. Each node has its own connection pool, so one slow node
cannot take connections from the others; ``max_connections`` bounds the requests in
flight to one node (more wait for a free connection, inside the hub's own timeout).
The timeouts that decide UNAVAILABLE are the hub's per-destination ones; this module
only turns every transport failure into :class:`~statelink.errors.NodeUnreachable`.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import orjson

from statelink.errors import NodeUnreachable, UsageError
from statelink.messages.envelope import Envelope
from statelink.messages.response import StateAnswer

DELIVER_PATH = "/v1/node/messages"
COLLECT_PATH = "/v1/node/collect"
CONNECT_TIMEOUT = 5.0


def client_context(cert: Path, key: Path, ca: Path) -> ssl.SSLContext:
    """TLS for a client that presents ``cert`` and trusts only ``ca``."""
    try:
        context = ssl.create_default_context(cafile=str(ca))
        context.load_cert_chain(str(cert), str(key))
    except (OSError, ssl.SSLError) as e:
        raise UsageError(f"cannot load TLS files ({cert}, {key}, {ca}): {e}") from None
    return context


class HttpsTransport:
    def __init__(
        self,
        nodes: Mapping[str, str],
        context: ssl.SSLContext,
        *,
        max_connections: int = 32,
    ) -> None:
        limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
        # the hub's asyncio timeout governs; httpx only bounds the connect
        timeout = httpx.Timeout(None, connect=CONNECT_TIMEOUT)
        self._clients = {
            state: httpx.AsyncClient(
                base_url=url.rstrip("/"), verify=context, limits=limits, timeout=timeout
            )
            for state, url in nodes.items()
        }
        self._states = frozenset(nodes)

    def states(self) -> frozenset[str]:
        return self._states

    async def deliver(self, state: str, envelope: Envelope) -> StateAnswer:
        body = envelope.model_dump_json().encode()
        return StateAnswer.model_validate_json(await self._post(state, DELIVER_PATH, body))

    async def collect(self, state: str, message_id: str, ori: str) -> StateAnswer:
        body = orjson.dumps({"message_id": message_id, "ori": ori})
        return StateAnswer.model_validate_json(await self._post(state, COLLECT_PATH, body))

    async def _post(self, state: str, path: str, body: bytes) -> bytes:
        client = self._clients.get(state)
        if client is None:
            raise NodeUnreachable(f"no node for {state} is connected to this hub")
        try:
            response = await client.post(
                path, content=body, headers={"content-type": "application/json"}
            )
        except httpx.HTTPError as e:
            raise NodeUnreachable(
                f"the {state} node could not be reached ({type(e).__name__})"
            ) from e
        if response.is_error:
            raise NodeUnreachable(f"the {state} node refused: {_problem(response)}")
        return response.content

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()


def _problem(response: httpx.Response) -> str:
    try:
        problem: Any = response.json()
    except ValueError:
        problem = None
    if isinstance(problem, dict) and problem.get("detail"):
        return f"{response.status_code} {problem['detail']}"
    return f"HTTP {response.status_code}"
