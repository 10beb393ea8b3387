"""The certifications and notices pages in a real headless browser (Debian's chromium): an
admin adds a certification, is told plainly about a mistake, pages through and revokes
it; a reviewer marks a notice sent and withholds another. A screenshot of each page is
kept in the test's temporary folder (``certifications-*.png``, ``notices-*.png``)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from statelink.accounts import Accounts
from statelink.nation import Layout, open_records
from tests.web.dashboard_session import PASSWORD, add_accounts

WARRANT = r"WKD/judicial.WID/2:25-mj-00123.WCT/W\.D\. Wash\.."


@pytest.fixture(scope="module")
def site(served: Layout, base_url: str) -> str:
    add_accounts(served)
    Accounts(served.accounts).add("wa.admin", "admin", ["WA"], PASSWORD)
    return base_url


def _signed_in(browser: Browser, site: str, name: str, width: int = 1280) -> Page:
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{site}/dashboard/login")
    page.get_by_label("Account").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your states")).to_be_visible()
    page.goto(f"{site}/dashboard/states/WA/")
    return page


def _shot(page: Page, folder: Path, name: str) -> None:
    shot = folder / f"{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_an_admin_adds_pages_through_and_revokes_a_certification(
    browser: Browser, site: str, tmp_path: Path
) -> None:
    page = _signed_in(browser, site, "wa.admin")
    page.get_by_role("link", name="Certifications").click()
    expect(page.get_by_role("heading", name="Washington: certifications")).to_be_visible()
    pages = page.get_by_role("navigation", name="Certification pages").first
    expect(pages).to_contain_text("1–50 of 5,3")
    expect(page.locator("table.register tbody tr").first).to_contain_text("TXHPD0000")
    _shot(page, tmp_path, "certifications-list")

    pages.get_by_role("link", name="Next →").click()
    expect(pages).to_contain_text("51–100 of")
    expect(page.get_by_role("link", name="Show all")).to_have_count(0)  # nothing filtered

    page.get_by_text("Add a certification").click()
    add = page.locator("#add")
    add.get_by_label("Agency ORI").fill("WA0099999")
    add.get_by_label("First day").fill("2026-01-01")
    add.get_by_label("Last day").fill("2026-12-31")
    add.get_by_role("button", name="Add certification").click()
    expect(page.get_by_role("alert")).to_have_text("no agency with ORI WA0099999 in the directory")
    expect(add.get_by_label("Last day")).to_have_value("2026-12-31")  # kept as typed
    _shot(page, tmp_path, "certifications-mistake")

    add.get_by_label("Agency ORI").fill("WA0030000")
    add.get_by_label("Document").fill("WA-DSA-2026-00017")
    add.get_by_label("Signer").fill("Sheriff")
    add.get_by_role("button", name="Add certification").click()
    expect(page.get_by_role("status")).to_contain_text("added for WA0030000")
    row = page.locator("table.register tbody tr", has_text="WA0030000")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Benton County Sheriff's Office")
    expect(row).to_contain_text("WA-DSA-2026-00017")
    _shot(page, tmp_path, "certifications-added")

    row.get_by_text("Revoke", exact=True).click()
    row.get_by_label("Reason").fill("agreement ended")
    _shot(page, tmp_path, "certifications-revoking")
    row.get_by_role("button", name="Revoke WA0030000").click()
    expect(page.get_by_role("status")).to_have_text(
        "revoked 1 certification(s) of WA0030000: agreement ended"
    )
    expect(row).to_contain_text("revoked")
    expect(row.get_by_text("Revoke", exact=True)).to_have_count(0)
    _shot(page, tmp_path, "certifications-revoked")
    page.close()


def test_a_viewer_sees_certifications_without_forms_on_a_phone(
    browser: Browser, site: str, tmp_path: Path
) -> None:
    page = _signed_in(browser, site, "wa.viewer", width=390)
    page.goto(f"{site}/dashboard/states/WA/certifications?status=ending")
    expect(page.locator("table.register tbody tr").first).to_contain_text("ends soon")
    expect(page.get_by_text("Add a certification")).to_have_count(0)
    expect(page.get_by_text("Only an admin of WA can add or revoke")).to_be_visible()
    _shot(page, tmp_path, "certifications-phone")
    page.close()


def test_a_reviewer_marks_a_notice_sent_and_withholds_another(
    browser: Browser, site: str, served: Layout, tmp_path: Path
) -> None:
    records = open_records(served, "WA")
    try:
        olns = [d.oln for d in records.list_drivers(14)[11:14]]
    finally:
        records.close()
    for oln in olns:
        reply = httpx.post(
            f"{site}/v1/messages",
            content=f"DQ.WAICE0100.WA.OLN/{oln}.PUR/I.{WARRANT}",
            headers={"content-type": "text/plain"},
        )
        assert reply.json()["summary"] == {"WA": "HIT"}

    page = _signed_in(browser, site, "wa.reviewer")
    page.get_by_role("link", name="Notices").click()
    expect(page.get_by_role("heading", name="Washington: notices to residents")).to_be_visible()
    page.get_by_label("Agency or notice").fill("ICE ERO")
    page.get_by_role("button", name="Search").click()
    pages = page.get_by_role("navigation", name="Notice pages").first
    expect(pages).to_have_text("1–3 of 3")
    _shot(page, tmp_path, "notices-due")

    boxes = page.get_by_role("checkbox")
    first = boxes.nth(0).get_attribute("value")
    second = boxes.nth(1).get_attribute("value")
    boxes.nth(0).check()
    page.get_by_role("button", name="Mark sent").click()
    expect(page.get_by_role("status")).to_contain_text(f"notice(s) #{first} marked sent; kept")
    expect(pages).to_have_text("1–2 of 2")

    page.get_by_label(f"Notice {second}").check()
    page.get_by_label("Reason for withholding").fill("would impede investigation 26-0042")
    page.get_by_role("button", name="Withhold").click()
    expect(page.get_by_role("status")).to_contain_text(f"notice(s) #{second} withheld; kept")
    _shot(page, tmp_path, "notices-closed")

    page.get_by_label("Show").select_option("all")
    page.get_by_role("button", name="Search").click()
    table = page.locator("table.register")
    expect(table).to_contain_text("would impede investigation 26-0042")
    expect(table.locator(".status.sent")).to_have_count(1)
    _shot(page, tmp_path, "notices-all")
    page.close()
