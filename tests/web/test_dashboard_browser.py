"""The review page in a real headless browser (Debian's chromium): sign in, find the held
message, read its basis, approve it; the requester then collects the record. A screenshot
of the review page is kept in ``build/screenshots/``."""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.sync_api import Browser, expect

from statelink.nation import Layout, open_records
from tests.web.dashboard_session import PASSWORD, add_accounts, hold

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


def test_a_reviewer_approves_a_held_message_in_the_browser(
    browser: Browser, served: Layout, base_url: str
) -> None:
    add_accounts(served)
    records = open_records(served, "WA")
    oln = records.list_drivers(5)[4].oln
    records.close()
    message_id = hold(base_url, oln, "26-0555")

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base_url}/dashboard/")
    expect(page).to_have_title("Sign in · statelink")
    page.get_by_label("Account").fill("wa.reviewer")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("wrong name or password")
    page.get_by_label("Account").fill("wa.reviewer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Your states")).to_be_visible()
    page.get_by_role("link", name="Washington (WA)").click()
    expect(
        page.get_by_role("heading", name="Washington: who reads residents' data")
    ).to_be_visible()
    page.get_by_role("link", name="Review queue").click()
    expect(page.get_by_role("heading", name="Washington: review queue")).to_be_visible()
    page.get_by_role("link", name=f"{message_id[:12]}…").click()

    expect(page.get_by_role("heading", name=f"Held message {message_id}")).to_be_visible()
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("HSI Seattle Special Agent in Charge")
    expect(facts).to_contain_text("human trafficking")
    expect(facts).to_contain_text("26-0555")
    expect(page.locator("ul.policies")).to_contain_text("no-civil-immigration")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "review-page.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000

    page.get_by_label("Note (recorded with your decision)").fill("trafficking case 26-0555")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_have_text("approved: the item is now ready")
    expect(facts).to_contain_text("by wa.reviewer")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    page.screenshot(path=str(SCREENSHOTS / "review-approved.png"), full_page=True)

    collected = httpx.get(f"{base_url}/v1/messages/{message_id}", params={"ori": "WAHSI0100"})
    (answer,) = collected.json()["answers"]
    assert answer["status"] == "HIT"
    assert [d["oln"] for d in answer["drivers"]] == [oln]

    page.get_by_role("link", name="Notices").click()
    expect(page.locator("table")).to_contain_text("HSI Seattle Special Agent in Charge")
    page.close()
