"""A resident's access report in a real headless browser (Debian's chromium): a reviewer
looks a resident up by licence number, reads every release with its legal basis, and
downloads the letter as PDF. A screenshot is kept in ``build/screenshots/``."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from statelink.audit.keys import NodeKeys
from statelink.nation import Layout, open_records
from statelink.notices.names import display_name
from statelink.reports.resident import accesses
from statelink.reports.sources import refreshed
from tests.conftest import copy_nation
from tests.reports import pdf_objects
from tests.web.dashboard_session import PASSWORD, add_accounts

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


@pytest.fixture(scope="module")
def served(year: Layout, tmp_path_factory: pytest.TempPathFactory) -> Layout:
    own = copy_nation(year, tmp_path_factory.mktemp("served-residents-browser"), logs=True)
    add_accounts(own)
    return own


def test_a_reviewer_looks_a_resident_up_and_downloads_the_letter(
    browser: Browser, served: Layout, base_url: str, tmp_path: Path
) -> None:
    keys = NodeKeys.load("WA", served.keys("WA"), create=False)
    table = refreshed(served, "WA")
    records = open_records(served, "WA")
    try:
        driver, found = next(
            (d, got) for d in records.list_drivers(1000) if (got := accesses(table, keys, d.oln))
        )
    finally:
        records.close()

    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page.goto(f"{base_url}/dashboard/states/WA/")
    page.get_by_label("Account").fill("wa.reviewer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Resident access").click()
    expect(
        page.get_by_role("heading", name="Washington: a resident's access report")
    ).to_be_visible()
    page.get_by_role("radio", name="licence number").check()
    page.get_by_label("Licence number or plate").fill(driver.oln)
    page.get_by_role("button", name="Look up").click()

    many = "access" if len(found) == 1 else "accesses"
    expect(page.get_by_role("heading", name=f"{len(found)} {many} to the records")).to_be_visible()
    assert driver.oln not in page.url
    rows = page.locator("table.accesses tbody tr")
    expect(rows).to_have_count(len(found))
    for row, access in zip(rows.all(), found, strict=True):
        expect(row).to_contain_text(access["ori"])
        expect(row.locator("td.legal li").first).to_be_visible()
    name = display_name(driver.name)
    expect(page.locator("dl.facts")).to_contain_text(name)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "resident-access.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: nothing wider than it
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})

    with page.expect_download() as download:
        page.get_by_role("button", name="Letter (PDF)").click()
    saved = tmp_path / "letter.pdf"
    download.value.save_as(saved)
    printed = pdf_objects.text(saved.read_bytes())
    assert f"Dear {name}," in printed
    for access in found:
        assert access["ori"] in printed
    page.close()
