"""The What-if page over a real server on a nation with a year of traffic: a viewer runs
it, uploads a folder, cannot apply; an admin applies through the validated apply. The
browser test drives it end to end in Debian's chromium and keeps a screenshot."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from statelink.accounts import Accounts
from statelink.nation import Layout, open_policy_store
from statelink.policy.templates import POLICY_FILE, render
from tests.conftest import copy_nation
from tests.web.dashboard_session import PASSWORD, add_accounts, csrf, sign_in

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


@pytest.fixture(scope="module")
def served(year: Layout, tmp_path_factory: pytest.TempPathFactory) -> Layout:
    """The year's nation, with its audit logs (the server owns this copy)."""
    own = copy_nation(year, tmp_path_factory.mktemp("whatif"), logs=True)
    add_accounts(own)
    Accounts(own.accounts).add("wa.admin", "admin", ["WA"], PASSWORD)
    return own


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """NY's template for WA, split in two files, with a README beside them."""
    text = render("ny", "WA")[POLICY_FILE]
    head, _, tail = text.partition('@id("no-immigration-agencies")')
    out = tmp_path / "proposal"
    out.mkdir()
    (out / "access.cedar").write_text(head)
    (out / "limits.cedar").write_text('@id("no-immigration-agencies")' + tail)
    (out / "README.md").write_text("not a policy")
    return out


def test_a_viewer_runs_it_but_cannot_apply(served: Layout, base_url: str) -> None:
    client = sign_in(base_url, "wa.viewer")
    page = client.get("/dashboard/states/WA/what-if", params={"set": "template:ny"})
    assert page.status_code == 200, page.text
    assert 'data-key="fidelity"' in page.text
    assert 'data-key="verdict">incomparable<' in page.text
    assert "Only an admin of WA can apply" in page.text
    assert "<script" not in page.text
    before = open_policy_store(served, "WA").applied()
    refused = client.post(
        "/dashboard/states/WA/what-if/apply", data={"csrf": csrf(page.text), "set": "template:ny"}
    )
    assert refused.status_code == 403
    assert open_policy_store(served, "WA").applied() == before


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"set": "nonsense"}, "choose a template"),
        ({"set": "template:nope"}, "unknown template"),
        ({"set": "upload:1234"}, "no policy set with digest"),
        ({"set": "template:ny", "since": "yesterday"}, "expected a date"),
    ],
)
def test_bad_choices_are_explained(base_url: str, params: dict[str, str], says: str) -> None:
    reply = sign_in(base_url, "wa.viewer").get("/dashboard/states/WA/what-if", params=params)
    assert reply.status_code == 400
    assert says in reply.text


def test_uploads_are_checked(base_url: str) -> None:
    client = sign_in(base_url, "wa.viewer")
    token = csrf(client.get("/dashboard/states/WA/what-if").text)
    url = "/dashboard/states/WA/what-if/upload"
    invalid = client.post(
        url,
        data={"csrf": token},
        files=[
            (
                "files",
                (
                    "bad.cedar",
                    b'@id("x") permit (principal, action, resource) when { context.nope };',
                ),
            )
        ],
    )
    assert invalid.status_code == 400
    assert "The set is refused" in invalid.text
    assert "nope" in invalid.text
    named = client.post(url, data={"csrf": token}, files=[("files", ("a;b.cedar", b"x"))])
    assert named.status_code == 400
    twice = [("files", ("a/x.cedar", b"x")), ("files", ("b/x.cedar", b"x"))]
    assert client.post(url, data={"csrf": token}, files=twice).status_code == 400
    empty = client.post(url, data={"csrf": token}, files=[("files", ("notes.txt", b"x"))])
    assert empty.status_code == 400
    forged = client.post(url, data={"csrf": "forged"}, files=[("files", ("a.cedar", b"x"))])
    assert forged.status_code == 400
    many = [("files", (f"f{n}.cedar", b"x")) for n in range(60)]
    too_many = client.post(url, data={"csrf": token}, files=many)
    assert too_many.status_code == 400
    assert "Too many files" in too_many.text
    big = client.post(url, data={"csrf": token}, files=[("files", ("big.cedar", b"/" * 300_000))])
    assert big.status_code == 400
    assert "at most 256 KiB" in big.text


def test_another_state_s_page_is_refused(base_url: str) -> None:
    reply = sign_in(base_url, "or.reviewer").get("/dashboard/states/WA/what-if")
    assert reply.status_code == 403


def test_the_what_if_page_in_the_browser(
    browser: Browser, served: Layout, base_url: str, folder: Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base_url}/dashboard/login")
    page.get_by_label("Account").fill("wa.viewer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{base_url}/dashboard/states/WA/")
    page.get_by_role("link", name="What if").click()
    expect(
        page.get_by_role("heading", name="Washington: what would a policy set change?")
    ).to_be_visible()

    page.get_by_label("Policy set").select_option("template:ny")
    page.get_by_role("button", name="Show what it would change").click()
    expect(page.get_by_role("heading", name="Replay of the audit log")).to_be_visible()
    fidelity = page.locator('[data-key="fidelity"]')
    expect(fidelity).to_contain_text("Fidelity:")
    text = fidelity.inner_text()
    shown = [
        int(n.replace(",", ""))
        for n in text.split("Fidelity: ")[1].split(" requests")[0].split(" of ")
    ]
    assert shown[0] == shown[1] > 0
    expect(page.locator('[data-key="verdict"]')).to_have_text("incomparable")
    expect(page.get_by_role("heading", name="Who could still obtain WA data")).to_be_visible()
    expect(page.locator("#coverage")).to_contain_text("immigration-enforcement")
    expect(page.get_by_role("button", name="Apply this set to Washington")).to_have_count(0)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "what-if.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000

    example = page.locator("#replay table a").first
    seq = example.inner_text().lstrip("#")
    example.click()
    expect(page.locator("pre.record")).to_contain_text(f'"seq": {seq}')
    page.go_back()

    page.get_by_label("Or upload a policy folder (its .cedar files)").set_input_files(
        [str(p) for p in sorted(folder.iterdir())]
    )
    page.get_by_role("button", name="Upload and show").click()
    expect(page.locator("#replay")).to_contain_text("upload:")
    expect(page.locator('[data-key="verdict"]')).to_have_text("incomparable")
    uploaded = page.url
    page.close()

    admin = browser.new_page(viewport={"width": 1280, "height": 900})
    admin.goto(f"{base_url}/dashboard/login")
    admin.get_by_label("Account").fill("wa.admin")
    admin.get_by_label("Password").fill(PASSWORD)
    admin.get_by_role("button", name="Sign in").click()
    admin.goto(uploaded)
    admin.get_by_role("button", name="Apply this set to Washington").click()
    expect(admin.get_by_role("status")).to_contain_text("is active (applied by wa.admin)")
    expect(admin.locator('[data-key="verdict"]')).to_have_text("equivalent")
    admin.screenshot(path=str(SCREENSHOTS / "what-if-applied.png"), full_page=True)
    admin.close()

    store = open_policy_store(served, "WA")
    applied = store.applied()
    assert applied is not None
    assert applied.source.startswith("dashboard:wa.admin:upload:")
    assert sorted(store.active().files) == ["access.cedar", "limits.cedar"]
    reply = httpx.post(
        f"{base_url}/v1/messages",
        content="DQ.NY0303000.WA.OLN/A1234567.PUR/A.",
        headers={"content-type": "text/plain"},
    ).json()
    assert reply["summary"]["WA"] in ("HIT", "NO_HIT")  # NY's law permits licensing purposes
