"""The report pages in a real headless browser (Debian's chromium), over a nation that was
sent a year of traffic: overview numbers, the flow diagram and a drill-down, each number
equal to the report's JSON. Screenshots are kept in ``build/screenshots/``."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import httpx
import pytest
from playwright.sync_api import Browser, expect

from statelink.nation import Layout
from statelink.reports import anchor
from statelink.reports.report import ALL_TIME
from statelink.reports.seal import Fingerprint, fingerprint
from statelink.reports.sources import rebuild, state_report
from statelink.reports.table import AuditTable, quoted
from statelink.web.report_cache import FRESH_S, ReportCache
from tests.conftest import copy_nation
from tests.web.dashboard_session import PASSWORD, add_accounts, sign_in

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


@pytest.fixture(scope="module")
def served(year: Layout, tmp_path_factory: pytest.TempPathFactory) -> Layout:
    """This module's server runs a nation that has had its year of traffic."""
    own = copy_nation(year, tmp_path_factory.mktemp("served-year"), logs=True)
    add_accounts(own)
    return own


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def test_overview_flow_and_drill_down_show_the_report_s_numbers(
    browser: Browser, served: Layout, base_url: str
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base_url}/dashboard/states/WA/")
    page.get_by_label("Account").fill("wa.viewer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(
        page.get_by_role("heading", name="Washington: who reads residents' data")
    ).to_be_visible()

    made = state_report(served, "WA")  # what `statelink report --json` prints
    for key in (
        "requests",
        "records_released",
        "requesters",
        "immigration_requests",
        "refused",
        "held",
    ):
        shown = page.locator(f'[data-key="totals.{key}"]').inner_text()
        assert _number(shown) == made["totals"][key], key
    for row in made["immigration"]:
        cell = page.locator(f'[data-key="immigration.{row["component"]}.{row["decision"]}"]')
        assert _number(cell.inner_text()) == row["n"]
    for policy in made["breakdowns"]["policy"]:
        cell = page.locator(f'[data-key="policy.{policy["key"]}.{policy["decision"]}"]')
        assert _number(cell.inner_text()) == policy["n"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "report-overview.png"), full_page=True)

    flow = page.locator("#flow svg")
    expect(flow).to_be_visible()
    flow.screenshot(path=str(SCREENSHOTS / "report-flow.png"))
    bands = flow.locator("a")
    assert bands.count() >= len({r["decision"] for r in made["flow"]}) + 2
    first = made["flow"][0]  # a band from a requester class to a message key
    title = flow.locator("a title").filter(has_text=f"{first['requester_class']} → {first['mke']}:")
    expected = _number(re.sub(r".*: ", "", title.first.text_content() or ""))
    title.first.locator("..").click()
    expect(page.get_by_role("heading", name="Audit records")).to_be_visible()
    assert _number(page.locator('[data-key="drill.count"]').inner_text()) == expected
    page.screenshot(path=str(SCREENSHOTS / "report-drill-down.png"))
    page.locator("tbody a").first.click()
    expect(page.get_by_role("heading", name=re.compile(r"Audit record \d+"))).to_be_visible()
    page.get_by_text("The record as the log holds it (JSON)").click()
    expect(page.locator("#json pre")).to_contain_text('"owner": "WA"')
    page.close()


def test_the_report_page_needs_an_account_for_the_state(served: Layout, base_url: str) -> None:
    assert httpx.get(f"{base_url}/dashboard/states/WA/").status_code == 303
    elsewhere = sign_in(base_url, "or.reviewer")
    assert elsewhere.get("/dashboard/states/WA/").status_code == 403
    assert elsewhere.get("/dashboard/states/WA/records?decision=deny").status_code == 403
    viewer = sign_in(base_url, "wa.viewer")
    bad = viewer.get("/dashboard/states/WA/records?colour=blue")
    assert bad.status_code == 400
    assert "unknown filter(s) colour" in bad.text
    assert viewer.get("/dashboard/states/WA/?since=yesterday").status_code == 400


def test_the_overview_states_its_checkpoint_and_refuses_an_edited_copy(
    served: Layout, base_url: str
) -> None:
    viewer = sign_in(base_url, "wa.viewer")
    shown = viewer.get("/dashboard/states/WA/")
    anchor = state_report(served, "WA")["anchor"]
    assert anchor is not None
    assert shown.status_code == 200
    assert f"up to record {anchor['size'] - 1:,} " in shown.text
    assert anchor["root"][:16] in shown.text
    (_, last, path), *_ = AuditTable(served.analytics("WA")).parts()
    seq = last // 3
    staged = path.with_name("edited.parquet")
    try:
        with duckdb.connect() as con:
            con.execute(
                f"COPY (SELECT * REPLACE (CASE WHEN seq = {seq} THEN 'HSI' ELSE component END "
                f"AS component) FROM read_parquet({quoted(path)}) ORDER BY seq) "
                f"TO {quoted(staged)} (FORMAT parquet)"
            )
        staged.replace(path)
        for page in ("/dashboard/states/WA/", "/dashboard/states/WA/records?decision=deny"):
            refused = viewer.get(page)
            assert refused.status_code == 409, page
            assert f"does not match the audit log at record {seq} " in refused.text, page
    finally:
        rebuild(served, "WA")
    assert viewer.get("/dashboard/states/WA/").status_code == 200


def test_the_dashboard_reuses_a_check_for_a_second_while_its_parts_are_unchanged(
    served: Layout, monkeypatch: pytest.MonkeyPatch
) -> None:
    hashed: list[str] = []

    def counted(path: Path) -> Fingerprint:
        hashed.append(path.name)
        return fingerprint(path)

    monkeypatch.setattr(anchor, "fingerprint", counted)
    now = [100.0]
    cache = ReportCache(served, clock=lambda: now[0])
    first = cache.report("WA", ALL_TIME)
    checked = len(hashed)
    assert checked >= 1
    assert cache.report("WA", ALL_TIME) == first
    assert first["anchor"] is not None
    assert cache.table("WA").size() == first["anchor"]["size"]
    assert len(hashed) == checked  # within the second, its parts unchanged: not hashed again
    now[0] += FRESH_S
    assert cache.report("WA", ALL_TIME) == first
    assert len(hashed) == 2 * checked  # a second later: checked again
    rebuild(served, "WA")  # within the second, the checked parts are gone
    assert cache.report("WA", ALL_TIME) == first
    assert len(hashed) > 2 * checked  # checked again, at once
    (_, _, path), *_ = AuditTable(served.analytics("WA")).parts()
    staged = path.with_name("swapped.parquet")
    staged.write_bytes(path.read_bytes())
    staged.replace(path)  # another file in the part's place, within the second
    again = len(hashed)
    assert cache.report("WA", ALL_TIME) == first
    assert len(hashed) > again
