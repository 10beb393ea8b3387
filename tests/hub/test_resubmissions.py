"""Resubmission claims, shared by every hub replica on one database: the same member, ORI
and control field within the window name one message id; a different message with the
same key is refused; the database out of reach refuses the message."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from statelink.errors import ControlReused, HubStoreUnavailable
from statelink.hub.resubmissions import Resubmissions
from statelink.hub.routing_log import RoutingLog, claims
from statelink.messages import decode
from statelink.store import engine_for

pytestmark = pytest.mark.anyio

WITH_CONTROL = "DQ.NY0303000.WA.*A1.OLN/WDL1.PUR/C."
AT = "2026-12-03T08:00:00.000+00:00"


def replicas(where: Path | str, n: int = 2, window: float = 600.0) -> list[Resubmissions]:
    """``n`` replicas' claims on one hub database (each with its own engine)."""
    RoutingLog(where).close()  # the tables, as a hub creates them
    return [Resubmissions(engine_for(where), window=window) for _ in range(n)]


async def test_a_resubmission_on_another_replica_gets_the_first_id(node_db: Path | str) -> None:
    one, two = replicas(node_db)
    message = decode(WITH_CONTROL)
    first = await one.claim("wa-switch", message, "M1", AT)
    again = await two.claim("wa-switch", message, "M2", "2026-12-03T08:00:05.000+00:00")
    assert (first.message_id, first.resubmitted) == ("M1", False)
    assert (again.message_id, again.received_at, again.resubmitted) == ("M1", AT, True)


@pytest.mark.parametrize(
    ("second", "member", "resubmitted"),
    [
        (WITH_CONTROL, "wa-switch", True),  # the same message from the same member
        (WITH_CONTROL, "other-member", False),  # another member's reference is its own
        (WITH_CONTROL.replace("*A1", "*A2"), "wa-switch", False),  # another control field
        (WITH_CONTROL.replace("NY0303000", "NY0303001"), "wa-switch", False),  # another ORI
    ],
)
async def test_what_names_the_same_message(
    tmp_path: Path, second: str, member: str, resubmitted: bool
) -> None:
    (claims_,) = replicas(tmp_path / "hub.sqlite", 1)
    await claims_.claim("wa-switch", decode(WITH_CONTROL), "M1", AT)
    claim = await claims_.claim(member, decode(second), "M2", AT)
    assert claim.resubmitted is resubmitted
    assert claim.message_id == ("M1" if resubmitted else "M2")


@pytest.mark.parametrize(
    ("text", "window"),
    [("DQ.NY0303000.WA.OLN/WDL1.PUR/C.", 600.0), (WITH_CONTROL, 0.0)],
    ids=["no control field", "window 0"],
)
async def test_never_matched(tmp_path: Path, text: str, window: float) -> None:
    (claims_,) = replicas(tmp_path / "hub.sqlite", 1, window=window)
    message = decode(text)
    ids = [(await claims_.claim("m", message, f"M{n}", AT)).message_id for n in range(2)]
    assert ids == ["M0", "M1"]


async def test_a_different_message_with_the_same_control_is_refused(node_db: Path | str) -> None:
    one, two = replicas(node_db)
    await one.claim("wa-switch", decode(WITH_CONTROL), "M1", AT)
    with pytest.raises(ControlReused):
        await two.claim("wa-switch", decode(WITH_CONTROL.replace("WDL1", "WDL2")), "M2", AT)


async def test_an_expired_claim_is_taken_over(tmp_path: Path) -> None:
    (claims_,) = replicas(tmp_path / "hub.sqlite", 1, window=0.05)
    await claims_.claim("m", decode(WITH_CONTROL), "M1", AT)
    time.sleep(0.1)
    other = decode(WITH_CONTROL.replace("WDL1", "WDL2"))  # the key is free again
    claim = await claims_.claim("m", other, "M2", AT)
    assert (claim.message_id, claim.resubmitted) == ("M2", False)


async def test_replicas_claiming_at_once_agree_on_one_id(node_db: Path | str) -> None:
    many = replicas(node_db, 6)
    message = decode(WITH_CONTROL)
    found = await asyncio.gather(*(r.claim("m", message, f"M{n}", AT) for n, r in enumerate(many)))
    assert len({c.message_id for c in found}) == 1
    assert sum(not c.resubmitted for c in found) == 1
    with many[0].engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(claims)).scalar_one() == 1


async def test_a_database_out_of_reach_refuses_the_message(tmp_path: Path) -> None:
    (claims_,) = replicas(tmp_path / "hub.sqlite", 1)
    claims_.engine = engine_for("postgresql://nobody@127.0.0.1:9/none")  # type: ignore[assignment]  # nothing listens
    with pytest.raises(HubStoreUnavailable, match="could not be reached"):
        await claims_.claim("m", decode(WITH_CONTROL), "M1", AT)
