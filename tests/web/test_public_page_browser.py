"""The public report page in a real headless browser (Debian's chromium): an official
opens it from the navigation, reads which counts are hidden and why, and downloads the
PDF, which is the file ``statelink report --public --format pdf`` writes. A screenshot is
kept in ``build/screenshots/``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from statelink.nation import Layout
from statelink.reports import public
from statelink.reports.sources import state_report
from tests.conftest import Run, copy_nation
from tests.web.dashboard_session import PASSWORD, add_accounts

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


@pytest.fixture(scope="module")
def served(year: Layout, tmp_path_factory: pytest.TempPathFactory) -> Layout:
    own = copy_nation(year, tmp_path_factory.mktemp("served-public-browser"), logs=True)
    add_accounts(own)
    return own


def test_an_official_reads_the_public_report_and_downloads_its_pdf(
    browser: Browser, served: Layout, base_url: str, run: Callable[..., Run], tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page.goto(f"{base_url}/dashboard/states/WA/")
    page.get_by_label("Account").fill("wa.viewer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Public report").click()
    expect(page.get_by_role("heading", name="Washington: the public report")).to_be_visible()

    shown = public.published(state_report(served, "WA"))
    hidden = page.locator("section.suppression")
    expect(hidden.get_by_role("heading", name="What is hidden, and why")).to_be_visible()
    for title, labels in shown.hidden:
        expect(hidden).to_contain_text(f"{title}: {', '.join(labels)}")
    first = shown.tables[0]
    table = page.locator("section.card", has=page.get_by_role("heading", name=first.title))
    for label, printed in first.rows:
        row = table.get_by_role("row", name=label)
        expect(row.locator("td")).to_have_text(printed)
    expect(page.locator("section.anchored")).to_contain_text("Covers the WA audit log")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "public-report.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: nothing wider than it
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})

    with page.expect_download() as download:
        page.get_by_role("link", name="PDF", exact=True).click()
    saved = tmp_path / "downloaded.pdf"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "WA-public-report.pdf"
    out = tmp_path / "written.pdf"
    args = ("--state", "WA", "--public", "--format", "pdf", "--out", str(out))
    assert run("report", *args, "--data", str(served.root)).code == 0
    assert saved.read_bytes() == out.read_bytes()
    page.close()
