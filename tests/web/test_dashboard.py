"""The dashboard over a real server: sign-in, roles, states, CSRF, lockout, headers."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest
from fastapi.routing import APIRoute

from statelink.nation import Layout, open_records
from statelink.web import dashboard, registers, transparency, whatif
from tests.web.dashboard_session import PASSWORD, add_accounts, csrf, hold, sign_in


@pytest.fixture(scope="module")
def site(served: Layout, base_url: str) -> str:
    add_accounts(served)
    return base_url


@pytest.fixture(scope="module")
def oln(served: Layout) -> str:
    records = open_records(served, "WA")
    try:
        return records.list_drivers(3)[2].oln
    finally:
        records.close()


def test_pages_need_signing_in(site: str) -> None:
    for path in ("/dashboard/", "/dashboard/states/WA/reviews", "/dashboard/states/WA/notices"):
        reply = httpx.get(site + path)
        assert reply.status_code == 303
        assert reply.headers["location"].startswith("/dashboard/login?next=")


OPEN_PAGES = {"/dashboard/login", "/dashboard/logout", "/dashboard"}


def test_every_page_is_behind_the_one_sign_in_check(site: str) -> None:
    checked = 0
    for page in (*dashboard.routes, *registers.routes, *transparency.routes, *whatif.routes):
        assert isinstance(page, APIRoute)
        if page.path in OPEN_PAGES:
            continue
        path = page.path.format(state="WA", message_id="X", seq=1)
        for method in page.methods or ():
            reply = httpx.request(method, site + path, params={"since": "2026-01-01"})
            assert reply.status_code == 303, (method, path)
            assert reply.headers["location"] == (
                f"/dashboard/login?next={quote(path + '?since=2026-01-01')}"
            )
            checked += 1
    assert checked == 18  # every page but signing in and out


def test_a_refusal_is_a_page(site: str) -> None:
    elsewhere = sign_in(site, "or.reviewer")
    for path, status in (("/dashboard/states/WA/records/1", 403), ("/dashboard/states/ZZ/", 404)):
        refused = elsewhere.get(path)
        assert refused.status_code == status
        assert refused.headers["content-type"].startswith("text/html")
        assert "default-src 'none'" in refused.headers["content-security-policy"]
    assert "your account does not cover WA" in elsewhere.get("/dashboard/states/WA/").text
    assert "unknown state &#39;ZZ&#39;" in elsewhere.get("/dashboard/states/ZZ/notices").text


def test_session_cookie_and_security_headers(site: str) -> None:
    form = httpx.get(f"{site}/dashboard/login")
    assert "default-src 'none'" in form.headers["content-security-policy"]
    assert form.headers["x-content-type-options"] == "nosniff"
    cookie = form.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "<script" not in form.text


def test_a_wrong_password_is_refused_and_repeated_failures_lock_the_name(site: str) -> None:
    client = httpx.Client(base_url=site)
    token = csrf(client.get("/dashboard/login").text)

    def attempt(password: str) -> httpx.Response:
        return client.post(
            "/dashboard/login", data={"name": "locked.out", "password": password, "csrf": token}
        )

    assert [attempt("guess").status_code for _ in range(5)] == [401] * 5
    locked = attempt(PASSWORD)
    assert locked.status_code == 429
    assert "too many failed sign-ins" in locked.text
    assert sign_in(site, "wa.viewer").get("/dashboard/").status_code == 200  # others still can


def test_a_sign_in_needs_the_form_s_token_and_never_redirects_off_site(site: str) -> None:
    client = httpx.Client(base_url=site)
    token = csrf(client.get("/dashboard/login").text)
    forged = client.post("/dashboard/login", data={"name": "wa.viewer", "password": PASSWORD})
    assert forged.status_code == 400
    away = client.post(
        "/dashboard/login",
        data={
            "name": "wa.viewer",
            "password": PASSWORD,
            "csrf": token,
            "next": "https://evil.example/",
        },
    )
    assert away.headers["location"] == "/dashboard/"


def test_viewers_see_reviewers_decide_and_only_in_their_states(site: str, oln: str) -> None:
    message_id = hold(site, oln, "26-0100")
    page = f"/dashboard/states/WA/reviews/{message_id}"

    viewer = sign_in(site, "wa.viewer")
    shown = viewer.get(page)
    assert shown.status_code == 200
    assert "human trafficking" in shown.text
    assert "26-0100" in shown.text
    assert oln not in shown.text  # the reviewer sees what is searched by, not the value
    assert 'value="approve"' not in shown.text
    refused = viewer.post(page, data={"decision": "approve", "note": "x", "csrf": csrf(shown.text)})
    assert refused.status_code == 403

    elsewhere = sign_in(site, "or.reviewer")
    assert elsewhere.get(page).status_code == 403
    assert elsewhere.get("/dashboard/states/ZZ/reviews").status_code == 404

    reviewer = sign_in(site, "wa.reviewer")
    form = reviewer.get(page)
    assert 'value="approve"' in form.text
    no_token = reviewer.post(page, data={"decision": "deny", "note": "no basis"})
    assert no_token.status_code == 400
    denied = reviewer.post(
        page, data={"decision": "deny", "note": "no basis", "csrf": csrf(form.text)}
    )
    assert denied.status_code == 303
    after = reviewer.get(page)
    assert "denied: the item is now closed" in after.text
    twice = reviewer.post(page, data={"decision": "approve", "note": "x", "csrf": csrf(after.text)})
    assert twice.status_code == 409
    assert "is closed, not pending" in twice.text
    collected = httpx.get(f"{site}/v1/messages/{message_id}", params={"ori": "WAHSI0100"})
    assert collected.json()["summary"] == {"WA": "DENIED"}


def test_certifications_page_lists_those_ending_soon(site: str) -> None:
    viewer = sign_in(site, "wa.viewer")
    every = viewer.get("/dashboard/states/WA/certifications")
    assert every.status_code == 200
    assert "TXHPD0000" in every.text
    assert "lapsed" in every.text
    soon = viewer.get("/dashboard/states/WA/certifications?expiring=true")
    assert "TXHPD0000" not in soon.text  # lapsed, not ending
    assert "ends soon" in soon.text


def test_signing_out_ends_the_session(site: str) -> None:
    viewer = sign_in(site, "wa.viewer")
    page = viewer.get("/dashboard/")
    viewer.post("/dashboard/logout", data={"csrf": csrf(page.text)})
    assert viewer.get("/dashboard/").status_code == 303
