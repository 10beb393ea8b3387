"""The demo nation's policies, end to end through the hub (issue 3's scenarios)."""

from __future__ import annotations

import pytest

from statelink.embedded import EmbeddedNetwork
from statelink.messages import decode
from statelink.messages.response import Status
from statelink.provision import DEMO_TEMPLATES, LAPSED_YESTERDAY
from tests.conftest import records_of

pytestmark = pytest.mark.anyio


def _oln(network: EmbeddedNetwork) -> str:
    return records_of(network.nodes["WA"]).list_drivers(1)[0].oln


async def test_ice_asking_wa_for_civil_immigration_is_denied_with_the_reason(
    network: EmbeddedNetwork,
) -> None:
    reply = await network.hub.submit(decode(f"DQ.VTICE0900.WA.OLN/{_oln(network)}.PUR/I."))
    (answer,) = reply.answers
    assert answer.status is Status.DENIED
    reasons = {r.id: r for r in answer.reasons}
    assert reasons["no-civil-immigration"].reason.startswith(
        "Driver and vehicle data are not released to agencies that primarily enforce"
    )
    assert answer.drivers == []


async def test_ice_with_a_judicial_warrant_is_answered(network: EmbeddedNetwork) -> None:
    oln = _oln(network)
    reply = await network.hub.submit(
        decode(
            f"DQ.VTICE0900.WA.OLN/{oln}.PUR/I.WKD/judicial.WID/2:25-mj-00123.WCT/W\\.D\\. Wash\\.."
        )
    )
    (answer,) = reply.answers
    assert answer.status is Status.HIT
    assert answer.drivers[0].oln == oln


async def test_ice_with_a_serious_crime_and_no_warrant_is_held(network: EmbeddedNetwork) -> None:
    reply = await network.hub.submit(
        decode(f"DQ.VTICE0900.WA.OLN/{_oln(network)}.PUR/C.OFF/0911.CAS/2025-0042.")
    )
    (answer,) = reply.answers
    assert answer.status is Status.HELD
    assert answer.drivers == []


async def test_a_lapsed_certification_is_refused_with_the_certification_reason(
    network: EmbeddedNetwork,
) -> None:
    reply = await network.hub.submit(decode(f"DQ.{LAPSED_YESTERDAY}.WA.OLN/{_oln(network)}.PUR/C."))
    assert [r.id for r in reply.answers[0].reasons] == ["certification-required"]


async def test_one_nationwide_query_meets_each_states_own_policy(
    network: EmbeddedNetwork,
) -> None:
    reply = await network.hub.submit(decode("RQ.VTICE0900.NL.LIC/ZZZ9999.PUR/I."))
    refusing = {s for s, status in reply.summary.items() if status is Status.DENIED}
    assert refusing == set(DEMO_TEMPLATES)  # the states with a law; the rest is baseline
    assert all(reply.summary[s] is Status.NO_HIT for s in reply.summary if s not in refusing)


async def test_a_message_without_a_purpose_meets_each_state_s_deliberate_rule(
    network: EmbeddedNetwork,
) -> None:
    """As today's Nlets traffic: no PUR field. Colorado's purpose rule refuses it to an
    immigration agency, answers it to police; an agency-based law (NY) refuses ICE."""
    oln = records_of(network.nodes["CO"]).list_drivers(1)[0].oln
    refused = await network.hub.submit(decode(f"DQ.COICE0100.CO.OLN/{oln}."))
    (answer,) = refused.answers
    assert answer.status is Status.DENIED
    assert [r.id for r in answer.reasons] == ["no-unstated-purpose-immigration-agencies"]
    assert "cannot show it is not for immigration enforcement" in answer.reasons[0].reason
    answered = await network.hub.submit(decode(f"DQ.NY0303000.CO.OLN/{oln}."))
    assert answered.answers[0].status is Status.HIT
    ny_oln = records_of(network.nodes["NY"]).list_drivers(1)[0].oln
    ice = await network.hub.submit(decode(f"DQ.VTICE0900.NY.OLN/{ny_oln}."))
    assert [r.id for r in ice.answers[0].reasons] == ["no-immigration-agencies"]
