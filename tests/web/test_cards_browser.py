"""The dashboard officials work in, in a real headless browser (Debian's chromium), over a
nation that was sent a year of traffic: an audit record as a card (its JSON and its
inclusion proof one click away), the overview's national totals and its sorting, and
every page at a phone's width (390 px) and a desktop's, screenshotted into the test's
temporary folder."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from statelink.accounts import Accounts
from statelink.audit import verifier
from statelink.audit.log import AuditLog, Filters
from statelink.audit.record import AuditRecord
from statelink.messages.fields import PURPOSES
from statelink.nation import Layout, open_policy_store, open_records, read_manifest
from statelink.policy.engine import DEFAULT_DENY
from statelink.reports.model import Report
from statelink.reports.sources import agency_names, rebuild, state_report
from statelink.reports.table import AuditTable, quoted
from tests.conftest import copy_nation
from tests.web.dashboard_session import PASSWORD, add_accounts, csrf, hold, sign_in
from tests.web.test_dashboard_charts import OUTSIDE

WEST = ["WA", "OR", "CA"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def served(year: Layout, tmp_path_factory: pytest.TempPathFactory) -> Layout:
    """This module's server runs a nation that has had its year of traffic."""
    own = copy_nation(year, tmp_path_factory.mktemp("served-cards"), logs=True)
    add_accounts(own)
    accounts = Accounts(own.accounts)
    accounts.add("nation.viewer", "viewer", ["*"], PASSWORD)
    accounts.add("west.viewer", "viewer", WEST, PASSWORD)
    return own


@pytest.fixture(scope="module")
def reports(served: Layout, base_url: str) -> dict[str, Report]:
    """Every state's report as ``statelink report --json`` makes it."""
    manifest = read_manifest(served)
    assert manifest is not None
    return {state: state_report(served, state) for state in manifest.counts}


def _signed_in(browser: Browser, base_url: str, name: str, viewport: dict[str, int]) -> Page:
    page = browser.new_page(viewport={"width": viewport["width"], "height": viewport["height"]})
    page.goto(f"{base_url}/dashboard/login")
    page.get_by_label("Account").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # the overview makes every state's report: the first time, each state's copy is built
    expect(page.get_by_role("heading", name="Your states")).to_be_visible(timeout=120_000)
    page.set_default_timeout(30_000)
    return page


@pytest.fixture(scope="module")
def viewer(browser: Browser, base_url: str) -> Iterator[Page]:
    page = _signed_in(browser, base_url, "wa.viewer", DESKTOP)
    yield page
    page.close()


def _log(served: Layout) -> AuditLog:
    return AuditLog.open("WA", served.audit_store("WA"))


def _first(
    served: Layout, decision: str = "", status: str = "", message_id: str = ""
) -> AuditRecord:
    """The first record of WA's log with the decision, status and message id given."""
    wanted = Filters(decision=decision, status=status, message_id=message_id, limit=1)
    log = _log(served)
    try:
        return next(iter(log.find(wanted)))
    finally:
        log.close()


def _signed(served: Layout, within_s: float = 60.0) -> None:
    """Wait until WA's node has signed a checkpoint of its whole log (it signs one within
    10 s of a record)."""
    deadline = time.monotonic() + within_s
    while True:
        log = _log(served)
        try:
            latest, size = log.latest_checkpoint(), log.size()
        finally:
            log.close()
        if latest is not None and latest.size == size:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"WA signed no checkpoint of its {size} records in {within_s} s")
        time.sleep(0.2)


def _reasons(served: Layout, record: AuditRecord) -> dict[str, str]:
    infos = open_policy_store(served, "WA").load(record.policy_digest).infos
    return {DEFAULT_DENY.id: DEFAULT_DENY.reason, **{i.id: i.reason for i in infos.values()}}


# --- the record card -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wanted", "verdict", "released"),
    [
        ({"decision": "permit", "status": "HIT"}, "Permitted", "record"),
        ({"decision": "permit", "status": "NO_HIT"}, "Permitted", "0 records"),
        ({"decision": "deny", "status": "DENIED"}, "Refused", "0 records"),
    ],
)
def test_an_audit_record_reads_as_a_card(
    viewer: Page, served: Layout, base_url: str, wanted: dict[str, str], verdict: str, released: str
) -> None:
    record = _first(served, wanted["decision"], wanted["status"])
    seq = record.seq
    viewer.goto(f"{base_url}/dashboard/states/WA/records/{seq}")
    expect(viewer.get_by_role("heading", name=f"Audit record {seq}")).to_be_visible()

    lead = viewer.locator("p.lead")
    expect(lead).to_contain_text(agency_names(served)[record.requester.ori])
    expect(lead).to_contain_text(PURPOSES[record.purpose])
    expect(lead.locator(".verdict")).to_have_text(verdict)
    expect(viewer.locator("section[aria-labelledby=who]")).to_contain_text(record.requester.ori)
    expect(viewer.locator("section[aria-labelledby=what]")).to_contain_text(record.mke)
    when = viewer.locator("section[aria-labelledby=when]")
    expect(when).to_contain_text(record.received_at[:10])
    expect(viewer.locator("[data-key=released]")).to_contain_text(
        f"{record.released} {released}" if record.released else released
    )
    reasons = _reasons(served, record)
    rules = viewer.locator("ul.policies li")
    expect(rules).to_have_count(len(record.policies))
    for rule, policy in zip(rules.all(), record.policies, strict=True):
        expect(rule).to_contain_text(policy)
        expect(rule).to_contain_text(reasons[policy])

    log = _log(served)
    try:
        leaf = log.leaf_hash(seq).hex()
    finally:
        log.close()
    expect(viewer.locator("[data-key=seq]")).to_have_text(str(seq))
    expect(viewer.locator("[data-key=leaf_hash]")).to_have_text(leaf)

    raw = viewer.locator("#json pre")
    expect(raw).to_be_hidden()
    viewer.get_by_text("The record as the log holds it (JSON)").click()
    expect(raw).to_be_visible()
    assert json.loads(raw.inner_text()) == record.to_json()


def test_the_card_s_inclusion_proof_verifies_against_the_signed_checkpoint(
    viewer: Page, served: Layout, base_url: str
) -> None:
    log = _log(served)
    try:
        latest = log.latest_checkpoint()
        assert latest is not None
        seq = latest.size // 2
        leaf, expected = log.leaf_hash(seq), log.reader().inclusion(seq, latest.size)
    finally:
        log.close()
    viewer.goto(f"{base_url}/dashboard/states/WA/records/{seq}")
    proof = viewer.locator("#proof")
    expect(proof.locator("[data-key=proof]")).to_be_hidden()
    proof.get_by_text("Inclusion proof against the latest signed checkpoint").click()
    expect(proof.locator("[data-key=proof]")).to_contain_text(
        f"checkpoint of {latest.size:,} records that WA's key signed"
    )
    root = bytes.fromhex(proof.locator("dd code.hash").first.inner_text())
    path = [bytes.fromhex(h) for h in proof.locator("ol.path code").all_inner_texts()]
    assert root == latest.root
    assert path == list(expected)
    verifier.verify_inclusion(leaf, seq, latest.size, path, root)  # the independent verifier
    expect(proof.locator("pre")).to_contain_text(latest.note.splitlines()[0])


def test_a_record_changed_in_the_log_does_not_verify_on_its_card(
    viewer: Page, served: Layout, base_url: str
) -> None:
    log = _log(served)
    try:
        latest = log.latest_checkpoint()
        assert latest is not None
        seq = latest.size // 3
        (leaf,) = log.leaf_range(seq, 1)
    finally:
        log.close()
    changed = re.sub(rb'"latency_us":(\d+)', lambda m: b'"latency_us":%d' % (int(m[1]) + 1), leaf)
    assert changed != leaf
    db = sqlite3.connect(served.audit("WA"))
    try:
        with db:
            db.execute("UPDATE audit_record SET leaf = ? WHERE seq = ?", (changed, seq))
        viewer.goto(f"{base_url}/dashboard/states/WA/records/{seq}")
        receipt = viewer.locator("section[aria-labelledby=receipt]")
        expect(receipt).to_contain_text("the record's bytes do not hash to it")
        receipt.get_by_text("Inclusion proof against the latest signed checkpoint").click()
        expect(receipt.get_by_role("alert")).to_have_text(
            "Does not verify: inclusion path does not lead to the root"
        )
    finally:
        with db:
            db.execute("UPDATE audit_record SET leaf = ? WHERE seq = ?", (leaf, seq))
        db.close()
    viewer.reload()
    expect(viewer.locator("[data-key=proof]")).to_contain_text("Verified here")


def test_a_card_shows_no_personal_data_and_the_message_s_other_records(
    viewer: Page, served: Layout, base_url: str
) -> None:
    records = open_records(served, "WA")
    driver = records.list_drivers(7)[6]
    records.close()
    message_id = hold(base_url, driver.oln, "26-0777")
    reviewer = sign_in(base_url, "wa.reviewer")
    page = f"/dashboard/states/WA/reviews/{message_id}"
    decided = reviewer.post(
        page,
        data={"decision": "approve", "note": "case 26-0777", "csrf": csrf(reviewer.get(page).text)},
    )
    assert decided.status_code == 303
    held = _first(served, message_id=message_id, status="HELD")
    _signed(served)  # so that every report of this module counts the two new records

    viewer.goto(f"{base_url}/dashboard/states/WA/records/{held.seq}")
    expect(viewer.locator("p.lead .verdict")).to_have_text("Held for review")
    expect(viewer.locator("ul.policies")).to_contain_text("no-civil-immigration")
    expect(viewer.locator("ul.steps")).to_contain_text("APPROVED")
    for summary in viewer.locator("summary").all():
        summary.click()  # open the JSON and the proof too
    expect(viewer.locator("[data-key=proof]")).to_contain_text("Verified here")
    shown = viewer.content()
    for personal in (driver.oln, driver.name, driver.dob, driver.address.street):
        assert personal not in shown
    assert held.search
    assert held.search[:16] in shown


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/dashboard/states/WA/records/99999", 404, "there is no record 99,999"),
        ("/dashboard/?sort=colour", 400, "sort: expected one of refused, held, immigration"),
        ("/dashboard/?since=yesterday", 400, "since: expected a date as YYYY-MM-DD"),
    ],
)
def test_a_page_that_cannot_be_shown_says_why(
    served: Layout, base_url: str, path: str, status: int, message: str
) -> None:
    refused = sign_in(base_url, "wa.viewer").get(path)
    assert refused.status_code == status
    assert message in refused.text


# --- the overview ----------------------------------------------------------------------


def _totals(reports: dict[str, Report], states: list[str]) -> dict[str, int]:
    def permitted(r: Report) -> int:
        return sum(c["n"] for c in r["breakdowns"]["decision"] if c["key"] == "permit")

    return {
        "requests": sum(reports[s]["totals"]["requests"] for s in states),
        "permitted": sum(permitted(reports[s]) for s in states),
        "refused": sum(reports[s]["totals"]["refused"] for s in states),
        "held": sum(reports[s]["totals"]["held"] for s in states),
        "immigration": sum(reports[s]["totals"]["immigration_requests"] for s in states),
        "released": sum(reports[s]["totals"]["records_released"] for s in states),
    }


def _shown(page: Page, key: str) -> int:
    return int(page.locator(f'[data-key="national.{key}"]').inner_text().replace(",", ""))


@pytest.mark.parametrize(("account", "states"), [("nation.viewer", None), ("west.viewer", WEST)])
def test_the_overview_sums_the_account_s_states(
    browser: Browser,
    base_url: str,
    reports: dict[str, Report],
    account: str,
    states: list[str] | None,
) -> None:
    covered = states or list(reports)
    page = _signed_in(browser, base_url, account, DESKTOP)
    expect(page.locator("#totals-heading")).to_have_text(f"{len(covered)} states together")
    for key, total in _totals(reports, covered).items():
        assert _shown(page, key) == total, key
    rows = page.locator("table.states tbody tr")
    expect(rows).to_have_count(len(covered))
    assert sorted(rows.evaluate_all("rows => rows.map(r => r.dataset.state)")) == sorted(covered)
    for state in covered:  # each row says what its state's own page says
        row = page.locator(f'tr[data-state="{state}"]')
        t = reports[state]["totals"]
        assert row.locator("[data-key=requests]").inner_text() == f"{t['requests']:,}"
        assert row.locator("[data-key=refused]").inner_text() == f"{t['refused']:,}"
    page.close()


def test_a_state_whose_copy_does_not_match_its_log_is_left_out_of_the_totals(
    served: Layout, base_url: str, reports: dict[str, Report]
) -> None:
    (_, last, path), *_ = AuditTable(served.analytics("OR")).parts()
    staged = path.with_name("edited.parquet")
    viewer = sign_in(base_url, "west.viewer")
    viewer.timeout = httpx.Timeout(60)
    try:
        with duckdb.connect() as con:
            con.execute(
                f"COPY (SELECT * REPLACE (CASE WHEN seq = {last // 2} THEN 'HSI' ELSE component "
                f"END AS component) FROM read_parquet({quoted(path)}) ORDER BY seq) "
                f"TO {quoted(staged)} (FORMAT parquet)"
            )
        staged.replace(path)
        shown = viewer.get("/dashboard/")
    finally:
        rebuild(served, "OR")
    assert shown.status_code == 200
    alert = re.search(r'<div class="error" role="alert">(.*?)</div>', shown.text, re.S)
    assert alert is not None
    assert (
        f"Oregon (OR): the OR report copy does not match the audit log at record {last // 2}"
        in (alert.group(1))
    )
    kept = _totals(reports, ["WA", "CA"])
    assert f'data-key="national.requests">{kept["requests"]:,}<' in shown.text
    assert f'data-key="national.refused">{kept["refused"]:,}<' in shown.text


SORTED_BY = {
    "refused": ("refused", "refused"),
    "held": ("held", "held"),
    "immigration requests": ("immigration", "immigration"),
    "requests": ("requests", "requests"),
    "waiting for review": ("reviews", "pending_reviews"),
    "notices overdue": ("overdue", "notices_overdue"),
}


@pytest.mark.parametrize("label", [*SORTED_BY, "name"])
def test_the_overview_sorts_the_states_by_the_link_picked(
    browser: Browser, base_url: str, reports: dict[str, Report], label: str
) -> None:
    page = _signed_in(browser, base_url, "nation.viewer", DESKTOP)
    sorts = page.get_by_role("navigation", name="Sort the states")
    expect(sorts.locator("[aria-current]")).to_have_text("refused")  # the default
    if label != "refused":
        sorts.get_by_role("link", name=label, exact=True).click()
        expect(sorts.locator("[aria-current]")).to_have_text(label)
    rows = page.locator("table.states tbody tr")
    if label == "name":
        names = rows.locator("th").all_inner_texts()
        assert names == sorted(names)
    else:
        key, column = SORTED_BY[label]
        assert page.url.endswith("/dashboard/" if label == "refused" else f"sort={key}")
        values = [
            int(v.replace(",", "")) for v in rows.locator(f"[data-key={column}]").all_inner_texts()
        ]
        assert values == sorted(values, reverse=True)
        if label == "refused":  # the states that refused most come first
            most = max(reports, key=lambda s: reports[s]["totals"]["refused"])
            assert rows.first.get_attribute("data-state") == most
    page.close()


# --- phones and desktops ---------------------------------------------------------------

PAGES = {
    "state": "/dashboard/states/WA/",
    "overview": "/dashboard/",
    "record": "/dashboard/states/WA/records/{seq}",
    "drill-down": "/dashboard/states/WA/records?decision=deny",
    "reviews": "/dashboard/states/WA/reviews?status=all",
}


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_fits_the_screen_and_its_charts_fit_their_labels(
    browser: Browser,
    served: Layout,
    base_url: str,
    tmp_path: Path,
    viewport: dict[str, int],
    name: str,
) -> None:
    seq = _first(served, decision="deny").seq
    page = _signed_in(browser, base_url, "wa.reviewer", viewport)
    page.goto(base_url + PAGES[name].format(seq=seq))
    for summary in page.locator("summary").all():
        summary.click()  # open every details element: the JSON and the proof too
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    charts = page.locator("svg.chart:visible")
    if name == "state":
        assert charts.count() == 4  # the flow, the weeks, who asked and why: one of each
    for chart in charts.all():
        assert chart.evaluate(OUTSIDE) == []
    shot = tmp_path / f"{name}-{viewport['width']}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    page.close()


def test_no_page_has_scripts_or_inline_styles_and_each_is_under_the_strict_policy(
    served: Layout, base_url: str, reports: dict[str, Report]
) -> None:
    viewer = sign_in(base_url, "nation.viewer")
    viewer.timeout = httpx.Timeout(60)
    seq = _first(served, decision="deny").seq
    for path in PAGES.values():
        page = viewer.get(path.format(seq=seq))
        assert page.status_code == 200, path
        policy = page.headers["content-security-policy"]
        assert "default-src 'none'" in policy
        assert "style-src 'self'" in policy
        assert "'unsafe-inline'" not in policy
        assert not re.search(r"<script|\sstyle=|<style|\son[a-z]+=", page.text), path
    css = httpx.get(f"{base_url}/dashboard/static/dashboard.css")
    assert "@media (max-width: 40rem)" in css.text
