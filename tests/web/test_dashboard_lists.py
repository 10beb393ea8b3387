"""Lists officials can work with, over a nation that was sent a year of traffic: the
drill-down's pages and its CSV, every agency that asked (paged, sorted, CSV), the quarter
and year shortcuts, and numbers that say what they count."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, expect

from statelink.nation import Layout
from statelink.reports.periods import in_words, quarter, year
from statelink.reports.report import Period
from statelink.reports.sources import state_report
from statelink.spreadsheet import DictReader
from statelink.web.downloads import AGENCY_COLUMNS, RECORD_COLUMNS
from statelink.web.glossary import anchors, sections
from statelink.web.transparency import AGENCY_PAGE, PAGE
from tests.conftest import copy_nation
from tests.web.dashboard_session import PASSWORD, add_accounts, sign_in

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
STATE = "/dashboard/states/WA"


@pytest.fixture(scope="module")
def served(year: Layout, tmp_path_factory: pytest.TempPathFactory) -> Layout:
    """This module's server runs a nation that has had its year of traffic."""
    own = copy_nation(year, tmp_path_factory.mktemp("served-lists"), logs=True)
    add_accounts(own)
    return own


@pytest.fixture(scope="module")
def viewer(served: Layout, base_url: str) -> Iterator[httpx.Client]:
    client = sign_in(base_url, "wa.viewer")
    yield client
    client.close()


def _number(html: str, key: str) -> int:
    found = re.search(rf'data-key="{re.escape(key)}"[^>]*>(?:<a [^>]*>)?([0-9,]+)<', html)
    assert found is not None, f"no number {key}"
    return int(found.group(1).replace(",", ""))


def _next(html: str) -> str:
    found = re.search(r'<a href="([^"]+)" rel="next">', html)
    return found.group(1).replace("&amp;", "&") if found else ""


def _pages(client: httpx.Client, path: str, query: str) -> Iterator[str]:
    """Every page of a list, following its "Next" links."""
    while True:
        reply = client.get(f"{path}{query}")
        assert reply.status_code == 200, reply.text
        yield reply.text
        query = _next(reply.text)
        if not query:
            return


def _csv(client: httpx.Client, path: str) -> list[dict[str, str]]:
    reply = client.get(path)
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "text/csv; charset=utf-8"
    assert reply.headers["content-disposition"].startswith('attachment; filename="WA-')
    assert reply.headers["x-content-type-options"] == "nosniff"
    return list(DictReader(reply.text.splitlines()))


def _seqs(html: str) -> list[int]:
    return [
        int(s) for s in re.findall(r'<a href="/dashboard/states/WA/records/(\d+)">\1</a>', html)
    ]


def test_the_records_pages_follow_one_another_and_the_csv_holds_every_record(
    served: Layout, viewer: httpx.Client
) -> None:
    made = state_report(served, "WA")
    pages = list(_pages(viewer, f"{STATE}/records", "?"))
    total = made["totals"]["requests"]
    assert total > 2 * PAGE  # three pages at least
    assert len(pages) == -(-total // PAGE)
    shown = [_seqs(page) for page in pages]
    assert [len(s) for s in shown[:-1]] == [PAGE] * (len(pages) - 1)
    seqs = [seq for page in shown for seq in page]
    assert len(seqs) == len(set(seqs)) == total  # no overlap, no gap
    assert all(_number(page, "drill.count") == total for page in pages)
    assert f"{PAGE + 1:,}–{2 * PAGE:,} of {total:,} requests" in pages[1]

    rows = _csv(viewer, f"{STATE}/records.csv")
    assert list(rows[0]) == list(RECORD_COLUMNS)
    assert [int(r["seq"]) for r in rows] == seqs  # the pages' order: newest first
    assert sum(int(r["records_released"] or 0) for r in rows) == made["totals"]["records_released"]
    first = pages[0]
    for row in rows[:PAGE]:  # each cell as the page shows it
        assert f">{row['received_utc']}</td>" in first
        assert f"<code>{row['ori']}</code> {row['agency']}" in first.replace("&#39;", "'")
    refused = _csv(viewer, f"{STATE}/records.csv?decision=deny")
    assert len(refused) == made["totals"]["refused"]
    assert {r["decision"] for r in refused} == {"deny"}


def test_a_page_past_the_end_is_the_last_and_a_bad_one_is_refused(viewer: httpx.Client) -> None:
    last = viewer.get(f"{STATE}/records?decision=deny&page=999999")
    assert last.status_code == 200
    count = _number(last.text, "drill.count")
    assert len(_seqs(last.text)) == count - (-(-count // PAGE) - 1) * PAGE
    assert 'rel="next"' not in last.text
    for bad in ("two", "-1", "1e3"):
        refused = viewer.get(f"{STATE}/records?page={bad}")
        assert refused.status_code == 400
        assert "page: expected a page number" in refused.text
    assert viewer.get(f"{STATE}/records.csv?colour=blue").status_code == 400
    assert viewer.get(f"{STATE}/agencies?order=name").status_code == 400
    assert viewer.get(f"{STATE}/agencies.csv?since=yesterday").status_code == 400


def _agencies(html: str) -> list[tuple[str, dict[str, int]]]:
    """Each row of an agencies page: its ORI and its counts."""
    found = []
    for ori, row in re.findall(r'<tr data-ori="([^"]+)">(.*?)</tr>', html, re.S):
        cells = re.findall(r'data-key="(\w+)">(?:<a [^>]*>)?([0-9,]+)<', row)
        found.append((ori, {k: int(v.replace(",", "")) for k, v in cells}))
    return found


def test_every_agency_is_listed_and_the_list_adds_up_to_the_report(
    served: Layout, viewer: httpx.Client
) -> None:
    made = state_report(served, "WA")
    t = made["totals"]
    pages = list(_pages(viewer, f"{STATE}/agencies", "?"))
    rows = [row for page in pages for row in _agencies(page)]
    assert len(rows) == len({ori for ori, _ in rows}) == t["requesters"] > AGENCY_PAGE
    assert len(pages) == -(-t["requesters"] // AGENCY_PAGE)
    requests = [counts["requests"] for _, counts in rows]
    assert requests == sorted(requests, reverse=True)  # by count, across the pages
    assert sum(requests) == t["requests"]
    assert sum(c["released"] for _, c in rows) == t["records_released"]
    assert sum(c["refused"] for _, c in rows) == t["refused"]
    assert sum(c["held"] for _, c in rows) == t["held"]
    for page in pages:  # the sums over every agency, on every page
        assert _number(page, "agencies.total") == t["requesters"]
        assert _number(page, "sums.requests") == t["requests"]
        assert _number(page, "sums.released") == t["records_released"]
    top = [(r["ori"], r["n"]) for r in made["top_requesters"]]
    assert [(ori, c["requests"]) for ori, c in rows[: len(top)]] == top

    listed = _csv(viewer, f"{STATE}/agencies.csv")
    assert list(listed[0]) == list(AGENCY_COLUMNS)
    assert [(r["ori"], int(r["requests"])) for r in listed] == [
        (ori, c["requests"]) for ori, c in rows
    ]
    assert sum(int(r["records_released"]) for r in listed) == t["records_released"]
    assert sum(int(r["no_decision"]) for r in listed) == t["requests"] - sum(
        c["permitted"] + c["refused"] + c["held"] for _, c in rows
    )

    by_refused = [
        row
        for page in _pages(viewer, f"{STATE}/agencies", "?order=refused")
        for row in _agencies(page)
    ]
    refused = [c["refused"] for _, c in by_refused]
    assert refused == sorted(refused, reverse=True)
    assert sorted(by_refused) == sorted(rows)


def _shortcuts(html: str) -> dict[str, dict[str, list[str]]]:
    """Each shortcut's label and the query its link sets."""
    links = re.findall(r'<li><a href="(\?[^"]*)">([^<]+)</a>', html)
    return {label: parse_qs(urlsplit(href.replace("&amp;", "&")).query) for href, label in links}


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def test_the_quarter_and_year_links_set_the_right_dates(
    served: Layout, viewer: httpx.Client
) -> None:
    today = dt.datetime.now(dt.UTC).date()
    page = viewer.get(f"{STATE}/").text
    links = _shortcuts(page)
    expected = [quarter(today, back) for back in range(5)] + [year(today), year(today, 1)]
    for span in expected:
        assert links[span.name] == {
            "since": [span.since.isoformat()],
            "until": [span.until.isoformat()],
        }, span.name
    assert "All time" not in links  # the period shown: not a link
    assert '<strong aria-current="true">All time</strong>' in page
    assert 'Showing <strong data-key="period">all time</strong>' in page

    q2 = quarter(dt.date(2026, 5, 1))
    shown = viewer.get(f"{STATE}/", params=q2.params()).text
    assert 'data-key="period">Q2 2026: 1 April to 30 June 2026<' in shown
    assert '<strong aria-current="true">Q2 2026</strong>' in shown
    assert _shortcuts(shown)["All time"] == {}
    period = Period(_midnight(q2.since), _midnight(q2.until))
    assert (
        _number(shown, "totals.requests")
        == state_report(served, "WA", period)["totals"]["requests"]
    )

    drilled = viewer.get(f"{STATE}/records?decision=deny&page=2").text
    oldest = quarter(today, 4)
    kept = _shortcuts(drilled)[oldest.name]
    assert kept == {"decision": ["deny"], **{k: [v] for k, v in oldest.params().items()}}
    overview = _shortcuts(viewer.get("/dashboard/?sort=held").text)
    last_year = year(today, 1)
    assert overview[last_year.name] == {
        "sort": ["held"],
        **{k: [v] for k, v in last_year.params().items()},
    }


def test_the_numbers_say_what_they_count(served: Layout, viewer: httpx.Client) -> None:
    made = state_report(served, "WA")
    page = viewer.get(f"{STATE}/").text
    policy_rows = sum(r["n"] for r in made["breakdowns"]["policy"])
    decided = sum(r["n"] for r in made["breakdowns"]["decision"] if r["key"] != "none")
    assert _number(page, "policies.rows") == policy_rows
    assert _number(page, "policies.decided") == decided
    assert "counted once for each policy that decided it" in page
    assert policy_rows >= decided  # a permit has its policy; a denial at least its default
    assert "records released (driver and vehicle records, not requests)" in page
    assert "requests (answers to messages)" in page
    assert "Requests it decided" in page
    if made["review"]:  # review steps are audit records, not requests
        assert "each step is an audit record of its own, not a request" in page

    answers = re.sub(r"\s+", " ", viewer.get(f"{STATE}/records?decision=deny").text)
    refused = f"{made['totals']['refused']:,}</strong> requests"
    assert f'{refused} <span class="hint">(audit records of answers)' in answers
    steps = re.sub(r"\s+", " ", viewer.get(f"{STATE}/records?status=COLLECTED").text)
    assert 'audit records <span class="hint">(review steps, not requests)' in steps
    overview = viewer.get("/dashboard/").text
    assert "another unit" in overview
    assert "records released (driver and vehicle records, not requests)" in overview


def test_every_link_to_the_glossary_finds_its_entry(viewer: httpx.Client) -> None:
    known = anchors(sections())
    pages = [
        f"{STATE}/",
        f"{STATE}/records?decision=deny",
        f"{STATE}/agencies",
        "/dashboard/",
        "/dashboard/login",
    ]
    seq = _seqs(viewer.get(f"{STATE}/records?decision=deny").text)[0]
    pages.append(f"{STATE}/records/{seq}")
    linked = set()
    for path in pages:
        reply = viewer.get(path)
        assert reply.status_code == 200, path
        for target in re.findall(r'href="/dashboard/glossary(#[^"]*)?"', reply.text):
            linked.add(target.lstrip("#"))
    assert {"", "term-request", "term-decision", "term-records-released"} <= linked
    assert any(a.startswith("purpose-") for a in linked)  # the record card's
    assert any(a.startswith("mke-") for a in linked)
    assert linked - {""} <= known, sorted(linked - {""} - known)


def test_the_lists_need_an_account_for_the_state(served: Layout, base_url: str) -> None:
    for path in ("records.csv", "agencies", "agencies.csv"):
        signed_out = httpx.get(f"{base_url}{STATE}/{path}")
        assert signed_out.status_code == 303, path
        assert signed_out.headers["location"].startswith("/dashboard/login?next=")
    elsewhere = sign_in(base_url, "or.reviewer")
    for path in ("records.csv", "agencies", "agencies.csv"):
        assert elsewhere.get(f"{STATE}/{path}").status_code == 403, path


def test_an_official_pages_through_the_agencies_in_the_browser(
    browser: Browser, served: Layout, base_url: str
) -> None:
    made = state_report(served, "WA")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base_url}{STATE}/")
    page.get_by_label("Account").fill("wa.viewer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#policies-note")).to_contain_text("counted once for each policy")
    last = quarter(dt.datetime.now(dt.UTC).date(), 1)
    words = in_words(Period(_midnight(last.since), _midnight(last.until)))
    assert words.startswith(f"{last.name}: 1 ")
    page.get_by_role("link", name=last.name, exact=True).click()
    expect(page.locator('[data-key="period"]')).to_have_text(words)
    page.get_by_role("link", name="every agency, sortable, with a CSV file").click()
    expect(page.get_by_role("heading", name="Agencies that asked Washington")).to_be_visible()
    expect(page.locator('[data-key="period"]')).to_have_text(words)
    page.get_by_role("link", name="All time").click()
    expect(page.locator('[data-key="agencies.total"]')).to_have_text(
        f"{made['totals']['requesters']:,}"
    )
    page.get_by_role("link", name="Next →").first.click()
    expect(page.locator(".pager .count").first).to_contain_text(f"{AGENCY_PAGE + 1}–")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "agencies.png"), full_page=True)
    page.get_by_role("link", name="Glossary").click()
    expect(page.get_by_role("heading", name="Glossary", exact=True)).to_be_visible()
    page.close()
