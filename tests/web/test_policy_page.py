"""The Policy page over a real server: the rules in force with their reasons and laws, the
Cedar text, the settings the rules read, every set applied and who applied it, what
changed between two sets; refused for an account without the state. The browser test
opens it in Debian's chromium and keeps a screenshot."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from statelink.nation import Layout, open_policy_store
from statelink.policy.templates import render
from tests.web.dashboard_session import PASSWORD, add_accounts, sign_in


@pytest.fixture(scope="module", autouse=True)
def accounts(served: Layout) -> None:
    add_accounts(served)


def test_a_viewer_reads_each_rule_its_reason_and_its_law(served: Layout, base_url: str) -> None:
    page = sign_in(base_url, "wa.viewer").get("/dashboard/states/WA/policy")
    assert page.status_code == 200, page.text
    text = page.text
    assert "<script" not in text
    assert "Washington: the policy in force" in text
    active = open_policy_store(served, "WA").active()
    for info in active.infos.values():
        assert f'<tr id="rule-{info.id}">' in text
        assert info.reason.replace("'", "&#39;") in text
    # WA's citation is an example, and the page says what that means
    assert "<strong>RCW 43.17.425</strong>" in text
    assert "An example only, not the legal basis of the rule: Washington&#39;s block of" in text
    # a rule without a citation says so; the review path is named
    assert "No law is cited: the state&#39;s own rule." in text
    assert "forbids; a reviewer can release it" in text
    assert "agencies in group immigration-enforcement" in text
    assert "waits up to 72 hours" in text
    assert "Required: " in text  # certification
    assert active.digest in text


def test_a_modelled_citation_is_said_to_be_another_state_s_law(base_url: str) -> None:
    text = sign_in(base_url, "or.reviewer").get("/dashboard/states/OR/policy").text
    assert "modelled on <strong>RCW 43.17.425</strong>" in text
    assert "Modelled on another state&#39;s law" in text
    assert "An example only, not the legal basis of the rule: Washington&#39;s block" in text


def test_the_cedar_text_is_the_set_as_applied(served: Layout, base_url: str) -> None:
    client = sign_in(base_url, "wa.viewer")
    plain = client.get("/dashboard/states/WA/policy/cedar")
    assert plain.status_code == 200
    assert plain.headers["content-type"].startswith("text/plain")
    assert "default-src 'none'" in plain.headers["content-security-policy"]
    active = open_policy_store(served, "WA").active()
    for body in active.files.values():
        assert body.rstrip() in plain.text
    page = client.get("/dashboard/states/WA/policy/sets/1")
    assert page.status_code == 200
    assert "permit (principal, action, resource)" in page.text
    assert '<details class="cedar"><summary>Cedar</summary>' in page.text


def test_history_and_the_difference_after_a_second_set(served: Layout, base_url: str) -> None:
    client = sign_in(base_url, "or.reviewer")
    store = open_policy_store(served, "OR")
    first = store.applied()
    assert first is not None
    store.apply_files(render("ny", "OR"), "drafts/OR-ny", by="a.tester")

    page = client.get("/dashboard/states/OR/policy").text
    assert "drafts/OR-ny" in page
    assert "a.tester" in page
    assert "not recorded" in page  # the demo's own apply, before who applied was recorded
    assert 'href="/dashboard/states/OR/policy/diff?from=1&amp;to=2"' in page
    assert "modelled on <strong>N.Y. Veh. &amp; Traf. Law § 201(12)(a)</strong>" in page

    diff = client.get("/dashboard/states/OR/policy/diff", params={"from": "1", "to": "2"})
    assert diff.status_code == 200, diff.text
    changed = {
        row.split("</code>")[0]: row
        for row in diff.text.split('<td class="lead" data-label="Rule"><code>')[1:]
    }
    assert ">added<" in changed["no-immigration-agencies"]
    assert ">removed<" in changed["no-civil-immigration"]
    assert "conditions" in changed["cj-access"]  # NY's law adds licensing (A)
    assert "unstated-purpose-access" in changed  # its words and whom it names differ
    assert 'data-key="verdict">incomparable<' in diff.text
    assert f"what-if?set=history:{first.digest}" in diff.text
    same = client.get("/dashboard/states/OR/policy/diff", params={"from": "2", "to": "2"})
    assert "nothing changed" in same.text


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/dashboard/states/WA/policy/sets/0", 400),
        ("/dashboard/states/WA/policy/sets/99", 400),
        ("/dashboard/states/WA/policy/diff?from=1", 400),
        ("/dashboard/states/WA/policy/diff?from=one&to=1", 400),
    ],
)
def test_a_set_that_was_never_applied_is_refused(base_url: str, path: str, status: int) -> None:
    reply = sign_in(base_url, "wa.viewer").get(path)
    assert reply.status_code == status
    assert "expected the number of an applied set" in reply.text


@pytest.mark.parametrize(
    "path", ["", "/cedar", "/sets/1", "/diff?from=1&to=1"], ids=["page", "cedar", "set", "diff"]
)
def test_an_account_without_the_state_is_refused(base_url: str, path: str) -> None:
    reply = sign_in(base_url, "or.reviewer").get(f"/dashboard/states/WA/policy{path}")
    assert reply.status_code == 403
    assert "your account does not cover WA" in reply.text
    assert "RCW" not in reply.text
    anonymous = httpx.get(f"{base_url}/dashboard/states/WA/policy{path}")
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/dashboard/login")


def test_the_policy_page_in_the_browser(browser: Browser, base_url: str, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base_url}/dashboard/login")
    page.get_by_label("Account").fill("wa.viewer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{base_url}/dashboard/states/WA/")
    page.get_by_role("link", name="Policy", exact=True).click()
    expect(page.get_by_role("heading", name="Washington: the policy in force")).to_be_visible()
    rules = page.get_by_role("table", name="Rules in force")
    row = rules.locator("#rule-no-civil-immigration")
    expect(row).to_contain_text("forbids; a reviewer can release it")
    expect(row).to_contain_text("An example only")
    cedar = row.locator("pre.cedar")
    expect(cedar).to_be_hidden()
    row.get_by_text("Cedar", exact=True).click()
    expect(cedar).to_be_visible()
    expect(cedar).to_contain_text('principal in Statelink::AgencyGroup::"immigration-enforcement"')
    expect(page.locator("#settings")).to_contain_text("72 hours")
    expect(page.locator("#history")).to_contain_text("in force")
    shot = tmp_path / "policy.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    page.get_by_role("link", name="The files as applied (plain text)").click()
    assert "no-civil-immigration" in page.content()
    page.close()


def test_the_policy_page_on_a_phone(browser: Browser, base_url: str, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{base_url}/dashboard/login")
    page.get_by_label("Account").fill("wa.viewer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{base_url}/dashboard/states/WA/policy")
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 390  # nothing wider than the screen
    page.screenshot(path=str(tmp_path / "policy-phone.png"), full_page=True)
    page.close()
