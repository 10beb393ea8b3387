"""The HTTPS transport: the hub calls state node services over mutual TLS.

The hub presents its certificate to every node and checks each node's certificate
against the network's CA (:func:`statelink.transport.tls.client_context`). Each node
has its own connection pool (aiohttp), so one slow node cannot take connections from
the others; ``max_connections`` bounds the requests in flight to one node (more wait
for a free connection, inside the hub's own timeout).
The timeouts that decide UNAVAILABLE are the hub's per-destination ones; this module
only turns every transport failure into :class:`~statelink.errors.NodeUnreachable`, with
its cause in words (refused, certificate not accepted, closed before answering...).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Mapping
from typing import Any

import aiohttp
import orjson

from statelink.errors import NodeUnreachable
from statelink.messages.envelope import Envelope
from statelink.messages.response import StateAnswer

DELIVER_PATH = "/v1/node/messages"
COLLECT_PATH = "/v1/node/collect"
JSON = {"content-type": "application/json"}


class HttpsTransport:
    def __init__(
        self,
        nodes: Mapping[str, str],
        context: ssl.SSLContext,
        *,
        max_connections: int = 32,
    ) -> None:
        self._urls = {state: url.rstrip("/") for state, url in nodes.items()}
        self._context = context
        self._max_connections = max_connections
        self._sessions: dict[str, aiohttp.ClientSession] = {}
        self._states = frozenset(nodes)

    def states(self) -> frozenset[str]:
        return self._states

    async def deliver(self, state: str, envelope: Envelope) -> StateAnswer:
        body = envelope.model_dump_json().encode()
        return StateAnswer.model_validate_json(await self._post(state, DELIVER_PATH, body))

    async def collect(self, state: str, message_id: str, ori: str) -> StateAnswer:
        body = orjson.dumps({"message_id": message_id, "ori": ori})
        return StateAnswer.model_validate_json(await self._post(state, COLLECT_PATH, body))

    def _session(self, state: str) -> aiohttp.ClientSession:
        """The state's session, made on first use (it belongs to the running event loop)."""
        session = self._sessions.get(state)
        if session is None:
            if state not in self._urls:
                raise NodeUnreachable(f"no node for {state} is connected to this hub")
            connector = aiohttp.TCPConnector(
                ssl=self._context, limit=self._max_connections, limit_per_host=0
            )
            session = aiohttp.ClientSession(
                base_url=self._urls[state],
                connector=connector,
                # the hub's per-destination timeout governs, connecting included
                timeout=aiohttp.ClientTimeout(total=None),
                skip_auto_headers=("User-Agent",),
            )
            self._sessions[state] = session
        return session

    async def _post(self, state: str, path: str, body: bytes) -> bytes:
        session = self._session(state)
        try:
            async with session.post(path, data=body, headers=JSON) as response:
                content = await response.read()
                status = response.status
        except (aiohttp.ClientError, ssl.SSLError, OSError) as e:
            raise NodeUnreachable(_failure(state, self._urls[state], e)) from e
        if status >= 400:
            raise NodeUnreachable(f"the {state} node refused: {_problem(status, content)}")
        return content

    async def aclose(self) -> None:
        sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            await session.close()
        await asyncio.sleep(0)  # let the connections' transports close


def _failure(state: str, url: str, error: BaseException) -> str:
    """Why a node could not be reached, in words."""
    if isinstance(error, aiohttp.ClientConnectorCertificateError):
        return (
            f"the {state} node's certificate at {url} was not accepted ({error.certificate_error})"
        )
    if isinstance(error, aiohttp.ClientSSLError | ssl.SSLError):
        return f"the TLS handshake with the {state} node at {url} failed"
    if isinstance(error, aiohttp.ClientConnectorError):
        cause = error.os_error
        if isinstance(cause, ConnectionRefusedError):
            return f"the {state} node refused the connection at {url} (is it running?)"
        return f"the {state} node at {url} could not be connected to ({cause.strerror or cause})"
    if isinstance(error, aiohttp.ServerDisconnectedError):
        return f"the {state} node at {url} closed the connection before answering"
    if isinstance(error, aiohttp.ClientPayloadError | aiohttp.ClientResponseError):
        return f"the {state} node at {url} sent a broken answer"
    return f"the {state} node at {url} could not be reached ({type(error).__name__})"


def _problem(status: int, content: bytes) -> str:
    try:
        problem: Any = orjson.loads(content)
    except orjson.JSONDecodeError:
        problem = None
    if isinstance(problem, dict) and problem.get("detail"):
        return f"{status} {problem['detail']}"
    return f"HTTP {status}"
