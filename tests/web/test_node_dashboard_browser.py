"""Washington's dashboard at Washington's own node, in a real headless browser (Debian's
chromium): a real ``statelink serve node --state WA`` process over TLS on loopback and a
real hub process in front of it. A reviewer made with ``statelink accounts add`` on the
node's data folder signs in over https, finds the message WA's policy held, approves it
(the requester then collects the record through the hub), reads the report with the
node's numbers, and signs out. Screenshots are kept in ``build/screenshots/``."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from statelink.nation import Layout
from statelink.reports.sources import state_report
from tests.web.dashboard_session import PASSWORD
from tests.web.test_node_dashboard import STATE, NodeNet, add_account, node_network

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


@pytest.fixture(scope="module")
def net(layout: Layout, tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeNet]:
    with node_network(layout, tmp_path_factory.mktemp("node-dashboard-browser")) as started:
        yield started


def collect(net: NodeNet, message_id: str) -> dict[str, object]:
    """The held message's answer, as the HSI office collects it through the hub."""
    reply = httpx.get(
        f"{net.processes.hub.url}/v1/messages/{message_id}",
        params={"ori": "WAHSI0100"},
        headers={"authorization": f"Bearer {net.ice_token}"},
        verify=ssl.create_default_context(cafile=str(net.pki.ca)),
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    answer: dict[str, object] = reply.json()
    return answer


def test_a_state_reviews_and_reports_at_its_own_node(browser: Browser, net: NodeNet) -> None:
    add_account(net.layout, "wa.reviewer", "reviewer", STATE)
    message_id = net.hold("26-0555")
    assert net.send(net.ice_token, f"DQ.WAICE0100.WA.OLN/{net.oln}.PUR/I.")["summary"] == {
        STATE: "DENIED"
    }

    context = browser.new_context(  # the dev CA is not the browser's: this test only
        ignore_https_errors=True, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.goto(f"{net.node}/dashboard/")
    expect(page).to_have_title("Sign in · statelink")
    assert page.url.startswith("https://")
    page.get_by_label("Account").fill("wa.reviewer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Your states")).to_be_visible()
    expect(page.locator("#node-scope")).to_contain_text("shows Washington (WA) only")
    (cookie,) = [c for c in context.cookies() if c["name"] == "statelink_session"]
    assert cookie["secure"]
    assert cookie["httpOnly"]
    page.get_by_role("link", name="Washington (WA)").click()
    page.get_by_role("link", name="Review queue").click()
    expect(page.get_by_role("heading", name="Washington: review queue")).to_be_visible()
    page.get_by_role("link", name=f"{message_id[:12]}…").click()

    expect(page.get_by_role("heading", name=f"Held message {message_id}")).to_be_visible()
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("HSI Seattle Special Agent in Charge")
    expect(facts).to_contain_text("26-0555")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "node-review-page.png"), full_page=True)
    page.get_by_label("Note (recorded with your decision)").fill("trafficking case 26-0555")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_have_text("approved: the item is now ready")
    expect(facts).to_contain_text("by wa.reviewer")

    answers = collect(net, message_id)["answers"]
    assert isinstance(answers, list)
    (answer,) = answers
    assert answer["status"] == "HIT"
    assert [d["oln"] for d in answer["drivers"]] == [net.oln]

    size = net.wait_for_checkpoint()  # the report covers the node's signed checkpoints
    expected = state_report(net.layout, STATE)["totals"]
    page.get_by_role("link", name="Report", exact=True).click()
    expect(
        page.get_by_role("heading", name="Washington: who reads residents' data")
    ).to_be_visible()
    expect(page.locator('[data-key="anchor"]')).to_contain_text(f"size {size:,},")
    for key in ("requests", "refused", "held", "records_released"):
        expect(page.locator(f'[data-key="totals.{key}"]')).to_have_text(f"{expected[key]:,}")
    assert (expected["held"], expected["refused"]) == (1, 1)  # the two messages sent
    page.screenshot(path=str(SCREENSHOTS / "node-report-page.png"), full_page=True)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_title("Sign in · statelink")
    page.goto(f"{net.node}/dashboard/states/{STATE}/reviews")
    expect(page).to_have_title("Sign in · statelink")  # signed out: back to the sign-in
    context.close()
