"""The certifications and notices pages over a real server: search and paging done by the
stores, adding and revoking certifications (an admin), marking notices sent and
withholding them (a reviewer), and every refusal a readable page: a viewer, a missing
token, hostile input in every field."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable, Mapping
from urllib.parse import quote

import httpx
import pytest
from fastapi.routing import APIRoute

from statelink.accounts import Accounts
from statelink.directory import Directory
from statelink.nation import Layout, open_records
from statelink.notices.store import today
from statelink.policy.settings import CertificationSearch, StateSettings
from statelink.web import registers
from tests.conftest import Run
from tests.web.dashboard_session import PASSWORD, add_accounts, csrf, sign_in

CERTS = "/dashboard/states/WA/certifications"
NOTICES = "/dashboard/states/WA/notices"
SCRIPT = "<script>alert(1)</script>"
WARRANT = r"WKD/judicial.WID/2:25-mj-00123.WCT/W\.D\. Wash\.."
ROW = re.compile(r'<td class="lead" data-label="Agency"><code>([A-Z0-9]{9})</code>')
NOTICE = re.compile(r'<td class="lead" data-label="Notice">(\d+)</td>')


@pytest.fixture(scope="module")
def site(served: Layout, base_url: str) -> str:
    add_accounts(served)
    accounts = Accounts(served.accounts)
    accounts.add("wa.admin", "admin", ["WA"], PASSWORD)
    accounts.add("or.admin", "admin", ["OR"], PASSWORD)
    return base_url


@pytest.fixture(scope="module")
def directory(served: Layout) -> Directory:
    return Directory.read(served.directory)


@pytest.fixture(scope="module")
def clients(site: str) -> dict[str, httpx.Client]:
    return {name: sign_in(site, name) for name in ("wa.admin", "wa.reviewer", "wa.viewer")}


@pytest.fixture(scope="module")
def total(served: Layout) -> int:
    """How many certifications WA has on file before the tests change any."""
    settings = StateSettings.open("WA", served.node_store("WA"))
    try:
        return settings.count_certifications(CertificationSearch(today()))
    finally:
        settings.close()


@pytest.fixture(scope="module")
def notices(site: str, served: Layout) -> list[int]:
    """Five notices WA owes: ICE read five residents' records with a judicial warrant."""
    records = open_records(served, "WA")
    try:
        olns = [d.oln for d in records.list_drivers(10)[5:10]]
    finally:
        records.close()
    for oln in olns:
        reply = httpx.post(
            f"{site}/v1/messages",
            content=f"DQ.WAICE0100.WA.OLN/{oln}.PUR/I.{WARRANT}",
            headers={"content-type": "text/plain"},
        ).json()
        assert reply["summary"] == {"WA": "HIT"}, reply
    page = sign_in(site, "wa.viewer").get(NOTICES, params={"q": "WAICE0100"})
    ids = [int(i) for i in NOTICE.findall(page.text)]
    assert len(ids) == 5, page.text
    return ids


def post(client: httpx.Client, page: str, action: str, data: Mapping[str, str]) -> httpx.Response:
    """Post a form of ``page`` (with its CSRF token) to ``action``."""
    token = csrf(client.get(page).text)
    return client.post(action, data={"csrf": token, **data})


def alert(html: str) -> str:
    """The error message a page shows ("" if none)."""
    found = re.search(r'<p class="error" role="alert">([^<]*)</p>', html)
    return found.group(1) if found else ""


def counted(html: str) -> str:
    found = re.search(r'<span class="count">([^<]+)</span>', html)
    assert found is not None, "no count on the page"
    return found.group(1)


# --- signing in, roles, tokens -------------------------------------------------------------


def test_every_register_page_is_behind_the_one_sign_in_check(site: str) -> None:
    checked = 0
    for page in registers.routes:
        assert isinstance(page, APIRoute)
        path = page.path.format(state="WA")
        for method in page.methods or ():
            reply = httpx.request(method, site + path, params={"q": "x"})
            assert reply.status_code == 303, (method, path)
            assert reply.headers["location"] == f"/dashboard/login?next={quote(path + '?q=x')}"
            checked += 1
    assert checked == 5


def test_viewers_see_the_registers_without_forms(clients: dict[str, httpx.Client]) -> None:
    viewer = clients["wa.viewer"]
    certs = viewer.get(CERTS).text
    assert "/certifications/add" not in certs
    assert "/certifications/revoke" not in certs
    assert "Only an admin of WA can add or revoke certifications" in certs
    shown = viewer.get(NOTICES).text
    assert "/notices/close" not in shown
    assert "Only a reviewer of WA can mark notices sent" in shown
    reviewer = clients["wa.reviewer"].get(CERTS).text
    assert "/certifications/add" not in reviewer  # certifications are an admin's
    assert 'action="/dashboard/states/WA/certifications/add"' in clients["wa.admin"].get(CERTS).text


ACTIONS = {
    "add": (
        CERTS,
        f"{CERTS}/add",
        {"ori": "WA0020000", "valid_from": "2026-01-01", "valid_to": "2026-12-31"},
    ),
    "revoke": (CERTS, f"{CERTS}/revoke", {"ori": "NY0303000", "reason": "test"}),
    "close": (NOTICES, f"{NOTICES}/close", {"id": "1", "action": "sent"}),
}


@pytest.mark.parametrize(
    ("who", "action", "status", "message"),
    [
        ("wa.viewer", "add", 403, "only an admin of WA can do that"),
        ("wa.viewer", "revoke", 403, "only an admin of WA can do that"),
        ("wa.reviewer", "add", 403, "only an admin of WA can do that"),
        ("wa.reviewer", "revoke", 403, "only an admin of WA can do that"),
        ("wa.viewer", "close", 403, "only a reviewer of WA can do that"),
        ("or.admin", "add", 403, "your account does not cover WA"),
        ("or.reviewer", "close", 403, "your account does not cover WA"),
    ],
)
def test_only_accounts_that_may_change_the_state_act(
    site: str, who: str, action: str, status: int, message: str
) -> None:
    client = sign_in(site, who)
    _, target, data = ACTIONS[action]
    token = csrf(client.get("/dashboard/").text)
    refused = client.post(target, data={"csrf": token, **data})
    assert refused.status_code == status
    assert refused.headers["content-type"].startswith("text/html")
    assert message in refused.text


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_a_form_without_its_token_is_refused(
    clients: dict[str, httpx.Client], action: str, token: str | None
) -> None:
    _, target, data = ACTIONS[action]
    sent = dict(data) if token is None else {"csrf": token, **data}
    refused = clients["wa.admin"].post(target, data=sent)
    assert refused.status_code == 400
    assert "the form expired: reload the page and try again" in refused.text


def test_a_form_with_too_many_fields_or_a_file_is_refused(clients: dict[str, httpx.Client]) -> None:
    admin = clients["wa.admin"]
    token = csrf(admin.get(NOTICES).text)
    many = admin.post(f"{NOTICES}/close", data={"csrf": token, "id": [str(i) for i in range(500)]})
    assert many.status_code == 400
    assert "the form was refused: Too many fields" in many.text
    upload = admin.post(f"{CERTS}/add", data={"csrf": token}, files={"document": ("a.txt", b"x")})
    assert upload.status_code == 400
    assert "the form was refused" in upload.text


# --- search and paging ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ({"q": "TXHPD0000"}, ["TXHPD0000", "Houston Police Department", "lapsed"], ["NY0303000"]),
        ({"q": "txhpd"}, ["TXHPD0000"], ["NY0303000"]),  # an ORI's start, any case
        ({"q": "  houston   police "}, ["TXHPD0000"], ["NY0303000"]),  # part of the name
        ({"q": "New York City Police"}, ["NY0303000"], ["TXHPD0000"]),
        ({"status": "lapsed"}, ["TXHPD0000"], ["ends soon"]),
        ({"status": "ending"}, ["ends soon"], ["TXHPD0000", "lapsed</span>"]),
        ({"expiring": "true"}, ["ends soon"], ["TXHPD0000"]),  # the overview's link
        ({"q": "TX", "order": "ori"}, ["TX"], ["NY0303000"]),
        ({"q": "TXHPD0000", "order": "", "status": ""}, ["TXHPD0000"], []),  # the defaults
        ({"q": "nosuchagency"}, ["None for “nosuchagency”", "None found"], ['data-label="Agency"']),
        ({"q": "%"}, ["None found"], ['data-label="Agency"']),  # a wildcard is matched literally
        ({"q": "WA_"}, ["None found"], ['data-label="Agency"']),
    ],
)
def test_certifications_are_searched_by_agency_and_status(
    clients: dict[str, httpx.Client], query: dict[str, str], shown: list[str], hidden: list[str]
) -> None:
    page = clients["wa.viewer"].get(CERTS, params=query)
    assert page.status_code == 200
    for text in shown:
        assert text in page.text, text
    for text in hidden:
        assert text not in page.text, text


def test_the_certifications_page_begins_with_those_that_end_first(
    clients: dict[str, httpx.Client],
) -> None:
    first = ROW.findall(clients["wa.viewer"].get(CERTS).text)
    assert first[0] == "TXHPD0000"  # lapsed yesterday: the first to look at
    by_ori = ROW.findall(clients["wa.viewer"].get(CERTS, params={"order": "ori"}).text)
    assert by_ori == sorted(by_ori)


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("", 1),
        ("2", 2),
        ("+2", 2),
        ("0", 1),  # before the first page: the first
        ("-4", 1),
        ("last", -1),
        ("999999", -1),  # past the end: the last
        ("999999999999", -1),
    ],
)
def test_certifications_come_fifty_a_page(
    clients: dict[str, httpx.Client], total: int, given: str, shown: int
) -> None:
    pages = -(-total // 50)
    page = pages if shown == -1 else shown
    asked = str(pages) if given == "last" else given
    reply = clients["wa.viewer"].get(CERTS, params={"page": asked} if asked else {})
    assert reply.status_code == 200
    first, last = (page - 1) * 50 + 1, min(page * 50, total)
    assert counted(reply.text) == f"{first:,}–{last:,} of {total:,}"
    assert len(ROW.findall(reply.text)) == last - first + 1
    assert f"page {page} of {pages}" in reply.text
    assert ('rel="prev"' in reply.text) is (page > 1)
    assert ('rel="next"' in reply.text) is (page < pages)


def test_pages_do_not_overlap_and_keep_the_search(clients: dict[str, httpx.Client]) -> None:
    viewer = clients["wa.viewer"]
    one = viewer.get(CERTS, params={"q": "police", "order": "ori"}).text
    following = re.search(r'href="([^"]+)" rel="next"', one)
    assert following is not None
    link = following.group(1).replace("&amp;", "&")
    assert "q=police" in link
    assert "order=ori" in link
    two = viewer.get(link).text
    assert set(ROW.findall(one)).isdisjoint(ROW.findall(two))
    assert counted(two).startswith("51–100 of ")


@pytest.mark.parametrize(
    ("path", "query", "message"),
    [
        (CERTS, {"page": "abc"}, "page: expected a page number, given &#39;abc&#39;"),
        (CERTS, {"page": "9" * 5000}, "page: expected a page number"),
        (CERTS, {"page": "--3"}, "page: expected a page number"),
        (CERTS, {"page": "١"}, "page: expected a page number"),  # an Arabic-Indic one
        (CERTS, {"status": SCRIPT}, "show: expected one of all, current"),
        (CERTS, {"order": SCRIPT}, "order: expected one of ends, ori"),
        (NOTICES, {"page": "1.5"}, "page: expected a page number"),
        (NOTICES, {"status": "nosuch"}, "show: expected one of due, overdue, sent"),
    ],
)
def test_a_page_or_filter_it_cannot_show_is_a_readable_refusal(
    clients: dict[str, httpx.Client], path: str, query: dict[str, str], message: str
) -> None:
    refused = clients["wa.viewer"].get(path, params=query)
    assert refused.status_code == 400
    assert refused.headers["content-type"].startswith("text/html")
    assert message in refused.text
    assert SCRIPT not in refused.text


@pytest.mark.parametrize("path", [CERTS, NOTICES])
@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        (SCRIPT, "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("x" * 10_000, "x" * 100),  # cut to 100 characters
        ("\"'><b>&amp;", "&#34;&#39;&gt;&lt;b&gt;&amp;amp;"),
        ("١٢", "١٢"),  # digits, but not a notice number
        ("12345678901234567890", "12345678901234567890"),
    ],
)
def test_hostile_search_text_is_shown_escaped(
    clients: dict[str, httpx.Client], path: str, typed: str, kept: str
) -> None:
    page = clients["wa.viewer"].get(path, params={"q": typed})
    assert page.status_code == 200
    assert f'name="q" value="{kept}"' in page.text
    assert "<script>alert" not in page.text
    assert "x" * 101 not in page.text
    assert counted(page.text) == "None found"


# --- adding, renewing and revoking certifications -----------------------------------------------


def test_an_admin_adds_a_certification_that_the_cli_lists(
    clients: dict[str, httpx.Client], directory: Directory, run: Callable[..., Run], served: Layout
) -> None:
    admin = clients["wa.admin"]
    agency = directory.require("WA0030000")  # an in-state agency: none on file yet
    assert "None found" in admin.get(CERTS, params={"q": agency.ori}).text
    added = post(
        admin,
        CERTS,
        f"{CERTS}/add",
        {
            "ori": " wa0030000 ",
            "valid_from": "2026-01-01",
            "valid_to": "2026-12-31",
            "document": f"WA-DSA-2026-{SCRIPT}",
            "signer": "Sheriff",
            "back": "q=ignored&page=3",
        },
    )
    assert added.status_code == 303
    assert added.headers["location"] == f"{CERTS}?q=WA0030000&order=ends"
    shown = admin.get(added.headers["location"]).text
    name = re.escape(agency.name.replace("'", "&#39;"))
    assert re.search(
        rf"certification \d+ added for WA0030000 \({name}\), 2026-01-01 to 2026-12-31", shown
    )
    assert "WA-DSA-2026-&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert SCRIPT not in shown
    listed = run(
        "certifications",
        "list",
        "--state",
        "WA",
        "--ori",
        "WA0030000",
        "--json",
        "--data",
        str(served.root),
    )
    (row,) = json.loads(listed.out)
    assert (row["valid_from"], row["valid_to"], row["signer"]) == (
        "2026-01-01",
        "2026-12-31",
        "Sheriff",
    )


WELL = {"ori": "WA0030100", "valid_from": "2026-01-01", "valid_to": "2026-12-31"}


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ({"ori": "12345"}, "ORI: expected a 9-character ORI: a state code then 7 letters"),
        ({"ori": "12345"}, "given &#39;12345&#39;"),
        ({"ori": "W" * 10_000}, f"given &#39;{'W' * 20}&#39;"),
        ({"ori": SCRIPT}, "given &#39;&lt;script&gt;alert(1)&lt;/sc&#39;"),
        ({"ori": "ZZ0000000"}, "ORI: expected an ORI that begins with a state code (ZZ is not"),
        ({"ori": "WAZZZ9999"}, "no agency with ORI WAZZZ9999 in the directory"),
        (
            {"valid_to": "2025-12-31"},
            "a certification ends after it starts: 2026-01-01 to 2025-12-31",
        ),
        (
            {"valid_from": "2026-13-01"},
            "first day: expected a date as YYYY-MM-DD, given &#39;2026-13",
        ),
        ({"valid_from": SCRIPT}, "first day: expected a date as YYYY-MM-DD, given &#39;&lt;script"),
        ({"valid_to": ""}, "last day: required"),
        ({"document": "D" * 201}, "document: at most 200 characters, given 201"),
        ({"signer": "S" * 10_000}, "signer: at most 120 characters, given 10,000"),
        ({"signer": "Chief\r\nSet-Cookie: x"}, "signer: one line of text, without control"),
    ],
)
def test_a_certification_it_cannot_add_is_shown_with_what_was_typed(
    clients: dict[str, httpx.Client], typed: dict[str, str], message: str
) -> None:
    admin = clients["wa.admin"]
    refused = post(admin, CERTS, f"{CERTS}/add", {**WELL, **typed})
    assert refused.status_code == 400
    assert message in alert(refused.text)
    assert SCRIPT not in refused.text
    assert '<details class="panel" id="add" open>' in refused.text  # the form, filled again
    if typed.get("ori") == SCRIPT:
        assert 'name="ori" value="&lt;script&gt;alert(1)&lt;/script&gt;"' in refused.text
    assert counted(admin.get(CERTS, params={"q": "WA0030100"}).text) == "None found"


def test_renew_fills_the_form_with_the_following_year(clients: dict[str, httpx.Client]) -> None:
    admin = clients["wa.admin"]
    listed = admin.get(CERTS, params={"q": "TXHPD0000"}).text
    link = re.search(r'href="([^"]+renew=TXHPD0000)#add">Renew</a>', listed)
    assert link is not None
    form = admin.get(link.group(1).replace("&amp;", "&")).text
    start = today()  # lapsed yesterday: renewed from today for a year
    end = dt.date(start.year + 1, start.month, min(start.day, 28)) if start.month == 2 else None
    end = (end or start.replace(year=start.year + 1)) - dt.timedelta(days=1)
    assert '<details class="panel" id="add" open>' in form
    assert 'name="ori" value="TXHPD0000"' in form
    assert f'name="valid_from" value="{start}"' in form
    assert f'name="valid_to" value="{end}"' in form
    viewer = clients["wa.viewer"].get(CERTS, params={"renew": "TXHPD0000"}).text
    assert "Renew</a>" not in viewer
    assert 'value="TXHPD0000"' not in viewer


def _decision(site: str, ori: str, oln: str) -> str:
    reply = httpx.post(
        f"{site}/v1/messages",
        content=f"DQ.{ori}.WA.OLN/{oln}.PUR/C.",
        headers={"content-type": "text/plain"},
    ).json()
    return str(reply["summary"]["WA"])


def _until(check: Callable[[], str], wanted: str) -> str:
    """``check()`` once it gives ``wanted`` (a node reads its settings again within a
    second of a change), else its last answer."""
    deadline = time.monotonic() + 10
    while (found := check()) != wanted and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def test_an_admin_revokes_and_the_node_refuses_then_a_new_certification_permits(
    site: str, clients: dict[str, httpx.Client], served: Layout
) -> None:
    admin = clients["wa.admin"]
    records = open_records(served, "WA")
    try:
        oln = records.list_drivers(1)[0].oln
    finally:
        records.close()
    assert _decision(site, "NY0303000", oln) == "HIT"
    revoked = post(
        admin,
        CERTS,
        f"{CERTS}/revoke",
        {"ori": "ny0303000", "reason": f"agreement violated {SCRIPT}", "back": "q=NY03&page=1"},
    )
    assert revoked.status_code == 303
    assert revoked.headers["location"] == f"{CERTS}?q=NY03&order=ends"
    shown = admin.get(revoked.headers["location"]).text
    assert "revoked 1 certification(s) of NY0303000: agreement violated &lt;script&gt;" in shown
    assert '<span class="status denied">revoked</span>' in shown
    assert SCRIPT not in shown
    assert _until(lambda: _decision(site, "NY0303000", oln), "DENIED") == "DENIED"

    start, end = today(), today() + dt.timedelta(days=365)
    renewed = post(
        admin,
        CERTS,
        f"{CERTS}/add",
        {"ori": "NY0303000", "valid_from": start.isoformat(), "valid_to": end.isoformat()},
    )
    assert renewed.status_code == 303
    assert _until(lambda: _decision(site, "NY0303000", oln), "HIT") == "HIT"


@pytest.mark.parametrize(
    ("ori", "reason", "status", "message"),
    [
        ("NY0303001", "", 400, "reason: required"),
        ("NY0303001", "R" * 201, 400, "reason: at most 200 characters, given 201"),
        ("NY0303001", "a\x00b", 400, "reason: one line of text, without control characters"),
        (SCRIPT, "x", 400, "ORI: expected a 9-character ORI"),
        ("WA0099999", "x", 404, "WA has no unrevoked certification for WA0099999"),
    ],
)
def test_a_revocation_it_cannot_do_is_a_readable_message(
    clients: dict[str, httpx.Client], ori: str, reason: str, status: int, message: str
) -> None:
    refused = post(clients["wa.admin"], CERTS, f"{CERTS}/revoke", {"ori": ori, "reason": reason})
    assert refused.status_code == status
    assert message in alert(refused.text)
    assert SCRIPT not in refused.text


# --- notices ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ({"q": "WAICE", "status": "all"}, 5),  # an ORI's start
        ({"q": "ero seattle", "status": "all"}, 5),  # part of the agency's name, any case
        ({"q": "WAICE0100", "status": "overdue"}, 0),  # due in three business days
        ({"q": "Seattle%", "status": "all"}, 0),
        ({"q": "WAHSI", "status": "all"}, 0),
    ],
)
def test_notices_are_searched_by_agency_and_status(
    clients: dict[str, httpx.Client], notices: list[int], query: dict[str, str], found: int
) -> None:
    page = clients["wa.viewer"].get(NOTICES, params=query)
    assert page.status_code == 200
    assert counted(page.text) == (f"1–{found} of {found}" if found else "None found")


def test_a_notice_is_found_by_its_number(
    clients: dict[str, httpx.Client], notices: list[int]
) -> None:
    page = clients["wa.viewer"].get(NOTICES, params={"q": str(notices[0]), "status": "all"}).text
    assert NOTICE.findall(page) == [str(notices[0])]


def test_a_reviewer_marks_a_notice_sent_and_withholds_another(
    clients: dict[str, httpx.Client], notices: list[int]
) -> None:
    reviewer = clients["wa.reviewer"]
    first, second = notices[:2]
    page = reviewer.get(NOTICES, params={"q": "WAICE0100"}).text
    assert f'name="id" value="{first}" aria-label="Notice {first}"' in page
    sent = post(
        reviewer,
        NOTICES,
        f"{NOTICES}/close",
        {"id": str(first), "action": "sent", "back": "q=WAICE0100"},
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == f"{NOTICES}?q=WAICE0100&status=due"
    after = reviewer.get(sent.headers["location"]).text
    purge = today() + dt.timedelta(days=30)
    assert f"notice(s) #{first} marked sent; kept until {purge}" in after
    assert f'value="{first}"' not in after  # no longer due
    withheld = post(
        reviewer,
        NOTICES,
        f"{NOTICES}/close",
        {"id": str(second), "action": "withhold", "reason": f"investigation 26-0042 {SCRIPT}"},
    )
    assert withheld.status_code == 303
    closed = reviewer.get(NOTICES, params={"status": "all", "q": "WAICE0100"}).text
    assert '<span class="status sent">sent</span>' in closed
    assert '<span class="status withheld">withheld</span>' in closed
    assert "investigation 26-0042 &lt;script&gt;" in closed
    assert SCRIPT not in closed
    assert f'value="{first}"' not in closed  # a closed notice has nothing to tick


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        ({"action": "sent"}, 400, "tick at least one notice"),
        ({"id": "abc", "action": "sent"}, 400, "notice: expected a notice number, given &#39;abc"),
        ({"id": "9" * 400, "action": "sent"}, 400, "notice: expected a notice number"),
        ({"id": "999999", "action": "sent"}, 404, "WA has no notice 999999"),
        ({"id": "{due}", "action": "withhold"}, 400, "reason for withholding: required"),
        ({"id": "{due}", "action": "withhold", "reason": "R" * 301}, 400, "at most 300 characters"),
        ({"id": "{due}", "action": SCRIPT}, 400, "choose Mark sent or Withhold"),
        ({"id": "{closed}", "action": "sent"}, 400, "only due notices can be marked sent or"),
    ],
)
def test_a_notice_it_cannot_close_is_a_readable_message(
    clients: dict[str, httpx.Client],
    notices: list[int],
    form: dict[str, str],
    status: int,
    message: str,
) -> None:
    closed, due = notices[3:]  # the one is closed here, the other stays due
    reviewer = clients["wa.reviewer"]
    post(reviewer, NOTICES, f"{NOTICES}/close", {"id": str(closed), "action": "sent"})
    data = {k: v.format(closed=closed, due=due) for k, v in form.items()}
    refused = post(reviewer, NOTICES, f"{NOTICES}/close", data)
    assert refused.status_code == status
    assert message in alert(refused.text)
    assert SCRIPT not in refused.text
    if data.get("id") == str(due):
        assert f'value="{due}" aria-label="Notice {due}" checked' in refused.text  # kept ticked
