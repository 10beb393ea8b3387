"""Hub replicas share their members on one PostgreSQL database: a token revoked through
any of them (or the command line) is refused by every replica within a second."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from starlette.requests import Request

from statelink.directory import Agency, Directory
from statelink.directory.source import DirectorySource
from statelink.errors import Unauthenticated
from statelink.hub.members import MemberStore
from statelink.web.hub_service import RECHECK_SECONDS, MemberGate
from tests.postgres import drop_database, fresh_database

pytestmark = pytest.mark.anyio


@pytest.fixture
def hub_database() -> Iterator[str]:
    url = fresh_database()
    yield url
    drop_database(url)


def _request(token: str) -> Request:
    headers = [(b"authorization", f"Bearer {token}".encode())]
    return Request({"type": "http", "method": "POST", "path": "/v1/messages", "headers": headers})


async def test_a_revoked_token_is_refused_by_every_replica_within_a_second(
    hub_database: str,
) -> None:
    directory = DirectorySource(Directory([Agency("WA0340000", "Seattle PD", "WA", "PD")]))
    admin = MemberStore.open("hub", hub_database)
    stores = [MemberStore.open("hub", hub_database) for _ in range(2)]
    try:
        admin.add("wa-switch", states=["WA"])
        token_id, token = admin.issue_token("wa-switch")
        gates = [MemberGate(store, directory) for store in stores]
        for gate in gates:  # both replicas know the token (and keep the lookup a second)
            request = _request(token)
            await gate.caller(request)
            assert request.state.member.name == "wa-switch"
        admin.revoke_token(token_id)
        time.sleep(RECHECK_SECONDS + 0.05)
        for gate in gates:
            with pytest.raises(Unauthenticated, match="unknown or revoked token"):
                await gate.caller(_request(token))
    finally:
        for store in [admin, *stores]:
            store.close()
