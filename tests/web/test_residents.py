"""A resident's access report on the dashboard, over a real server and a nation that was
sent a year of traffic: a look-up by licence number or plate lists every release the
audit log holds (as ``reports.resident`` finds them) with its legal basis; it is itself
logged first, with the official's name, and changes no report number; a viewer sees no
name; the letter comes as PDF and HTML; the number never travels in a URL."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from statelink.audit.keys import NodeKeys
from statelink.audit.log import AuditLog, Filters
from statelink.audit.lookup import ACCESS_REPORT
from statelink.audit.record import AuditRecord, Entry
from statelink.embedded import EmbeddedNetwork
from statelink.errors import AuditUnavailable
from statelink.messages.response import Receipt
from statelink.nation import Layout, open_records
from statelink.notices.names import display_name
from statelink.reports import public
from statelink.reports.resident import Access, accesses, accesses_of
from statelink.reports.sources import refreshed, state_report
from statelink.web.api import create_app
from tests.conftest import Run, copy_nation
from tests.reports import pdf_objects
from tests.reports.test_report import expected
from tests.web.conftest import serving
from tests.web.dashboard_session import add_accounts, csrf, sign_in

PAGE = "/dashboard/states/WA/residents"
LETTER = f"{PAGE}/letter"
RECORD_LINK = re.compile(r'<a href="/dashboard/states/WA/records/(\d+)">record \1</a>')


@pytest.fixture(scope="module")
def served(year: Layout, tmp_path_factory: pytest.TempPathFactory) -> Layout:
    own = copy_nation(year, tmp_path_factory.mktemp("served-residents"), logs=True)
    add_accounts(own)
    return own


@pytest.fixture(scope="module")
def network(served: Layout) -> EmbeddedNetwork:
    """The server's network (its app closes it): checkpoints every 0.2 s, so that a
    look-up is soon covered."""
    return EmbeddedNetwork.open(served, checkpoint_seconds=0.2)


@pytest.fixture(scope="module")
def base_url(network: EmbeddedNetwork) -> Iterator[str]:
    with serving(create_app(network)) as url:
        yield url


def client(base_url: str, name: str) -> httpx.Client:
    signed = sign_in(base_url, name)
    signed.timeout = httpx.Timeout(120)
    return signed


@pytest.fixture(scope="module")
def reviewer(base_url: str) -> httpx.Client:
    return client(base_url, "wa.reviewer")


@pytest.fixture(scope="module")
def viewer(base_url: str) -> httpx.Client:
    return client(base_url, "wa.viewer")


@pytest.fixture(scope="module")
def keys(served: Layout) -> NodeKeys:
    return NodeKeys.load("WA", served.keys("WA"), create=False)


@pytest.fixture(scope="module")
def someone(served: Layout, keys: NodeKeys) -> tuple[str, list[Access]]:
    """A WA driver whose records the year released at least twice, and those releases."""
    records = open_records(served, "WA")
    try:
        drivers = records.list_drivers(1000)
    finally:
        records.close()
    table = refreshed(served, "WA")
    for driver in drivers:
        found = accesses(table, keys, driver.oln)
        if len(found) >= 2:
            return driver.oln, found
    raise AssertionError("the year released no WA driver's records twice")


def look_up(who: httpx.Client, kind: str, value: str) -> httpx.Response:
    form = who.get(PAGE)
    return who.post(PAGE, data={"csrf": csrf(form.text), "kind": kind, "value": value})


def lookups(layout: Layout) -> list[AuditRecord]:
    log = AuditLog.open("WA", layout.audit_store("WA"))
    try:
        return list(log.find(Filters(status=ACCESS_REPORT)))
    finally:
        log.close()


def covered(layout: Layout, seq: int) -> None:
    """Wait until a signed checkpoint covers record ``seq``."""
    log = AuditLog.open("WA", layout.audit_store("WA"))
    try:
        deadline = time.monotonic() + 30
        while (latest := log.latest_checkpoint()) is None or latest.size <= seq:
            assert time.monotonic() < deadline, "no checkpoint covered the look-up"
            time.sleep(0.1)
    finally:
        log.close()


def test_a_look_up_lists_every_release_with_its_basis_and_is_logged_first(
    reviewer: httpx.Client, served: Layout, keys: NodeKeys, someone: tuple[str, list[Access]]
) -> None:
    oln, found = someone
    before = len(lookups(served))
    reply = look_up(reviewer, "licence", oln.lower())
    assert reply.status_code == 200, reply.text
    page = html.unescape(reply.text)
    assert reply.headers["cache-control"] == "no-store"
    assert all(oln not in str(r.url) for r in (*reply.history, reply))
    assert oln.lower() not in reply.text
    assert all(oln not in href for href in _links(reply.text))

    shown = [int(seq) for seq in RECORD_LINK.findall(reply.text)]
    assert shown == [a["seq"] for a in found]  # every release, oldest first, and only those
    assert f"{len(found)} accesses to the records of licence number {oln}" in page
    for access in found:
        assert access["ori"] in page
        assert access["agency"] in page
    assert "cj-access" in page  # the deciding policy of the year's releases, with its reason
    assert "Criminal-justice agencies may query" in page

    logged = lookups(served)
    assert len(logged) == before + 1
    record = logged[-1]
    assert record.context == {"lookup": "licence", "account": "wa.reviewer", "role": "reviewer"}
    assert "wa.reviewer (reviewer)" in record.detail
    assert record.search == keys.hash(f"driver:{oln}")  # the searched value as a keyed hash
    assert oln not in record.canonical().decode()
    assert (record.records, record.released, record.mke) == ((), 0, "")
    assert f'audit record <a href="/dashboard/states/WA/records/{record.seq}">' in reply.text


def _links(page: str) -> list[str]:
    return re.findall(r'(?:href|action)="([^"]*)"', page)


def test_a_viewer_sees_the_accesses_without_the_name_and_writes_no_letter(
    viewer: httpx.Client, served: Layout, someone: tuple[str, list[Access]]
) -> None:
    oln, found = someone
    records = open_records(served, "WA")
    try:
        (driver,) = records.find("DQ", {"OLN": oln}).drivers
    finally:
        records.close()
    reply = look_up(viewer, "licence", oln)
    assert reply.status_code == 200
    page = html.unescape(reply.text)
    assert [int(s) for s in RECORD_LINK.findall(reply.text)] == [a["seq"] for a in found]
    last, _, first = driver.name.partition(", ")
    for part in (display_name(driver.name), last, first, driver.address.street):
        assert part not in page
    assert "name and address hidden" in page
    assert 'name="token"' not in reply.text
    assert lookups(served)[-1].context["account"] == "wa.viewer"
    refused = viewer.post(LETTER, data={"csrf": csrf(reply.text), "token": "x", "format": "pdf"})
    assert refused.status_code == 403


def _token(page: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_the_letter_to_the_resident_as_pdf_and_html(
    reviewer: httpx.Client, served: Layout, someone: tuple[str, list[Access]]
) -> None:
    oln, found = someone
    reply = look_up(reviewer, "licence", oln)
    records = open_records(served, "WA")
    try:
        (driver,) = records.find("DQ", {"OLN": oln}).drivers
    finally:
        records.close()
    name = display_name(driver.name)
    assert name in html.unescape(reply.text)
    form = {"csrf": csrf(reply.text), "token": _token(reply.text)}

    letter = reviewer.post(LETTER, data={**form, "format": "html"})
    assert letter.status_code == 200
    assert letter.headers["content-type"].startswith("text/html")
    assert letter.headers["content-disposition"].startswith('attachment; filename="WA-access-')
    text = html.unescape(letter.text)
    assert f"Dear {name}," in text
    assert driver.address.street in text
    assert f"ending in {oln[-4:]}" in text
    assert oln not in text  # the whole number is not printed
    assert f"records {len(found)} releases of them" in text
    for access in found:
        assert f"agency identifier {access['ori']}" in text
    assert "Why the law allowed it: Criminal-justice agencies may query" in text

    pdf = reviewer.post(LETTER, data={**form, "format": "pdf"})
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf_objects.objects(pdf.content)[1] == b"<< /Type /Catalog /Pages 2 0 R >>"
    printed = pdf_objects.text(pdf.content)
    assert f"Dear {name}," in pdf_objects.shown(pdf.content)
    for access in found:
        assert f"(agency identifier {access['ori']})" in printed


def test_a_plate_look_up_finds_its_vehicles_releases(
    reviewer: httpx.Client, served: Layout, keys: NodeKeys
) -> None:
    records = open_records(served, "WA")
    try:
        vehicles = records.list_vehicles(1000)
    finally:
        records.close()
    table = refreshed(served, "WA")
    vehicle, found = next(
        (v, got) for v in vehicles if (got := accesses_of(table, [keys.hash(f"vehicle:{v.vin}")]))
    )
    reply = look_up(reviewer, "plate", vehicle.plate)
    assert reply.status_code == 200
    page = html.unescape(reply.text)
    assert vehicle.vin in page
    assert [int(s) for s in RECORD_LINK.findall(reply.text)] == [a["seq"] for a in found]
    assert all(a["dataset"] == "WA/vehicle" for a in found)
    assert lookups(served)[-1].context["lookup"] == "plate"
    assert lookups(served)[-1].search == keys.hash(f"plate:{vehicle.plate}")


def _numbers(made: dict[str, Any]) -> dict[str, Any]:
    """A report without the checkpoint it names (that moves on with every record)."""
    return {k: v for k, v in made.items() if k != "anchor"}


def test_look_ups_change_no_report_number_and_the_log_still_verifies(
    reviewer: httpx.Client,
    served: Layout,
    truth: dict[str, Any],
    run: Callable[..., Run],
    someone: tuple[str, list[Access]],
) -> None:
    before = state_report(served, "WA")
    look_up(reviewer, "licence", someone[0])
    look_up(reviewer, "plate", "ZZZ999")
    seq = lookups(served)[-1].seq
    covered(served, seq)
    after = state_report(served, "WA")
    assert after["anchor"] is not None
    assert after["anchor"]["size"] > seq  # the report covers the look-ups...
    assert _numbers(dict(after)) == _numbers(dict(before))  # ...and counts none of them
    assert after["totals"]["requests"] == expected(truth)["WA"]  # the ground truth still
    assert public.to_json(after)["tables"] == public.to_json(before)["tables"]
    assert reviewer.get("/dashboard/states/WA/").status_code == 200

    data = ("--state", "WA", "--data", str(served.root))
    verified = run("audit", "verify", *data)
    assert verified.code == 0, verified.out + verified.err
    shown = run("audit", "show", "--status", ACCESS_REPORT, *data)
    assert "wa.reviewer (reviewer), dashboard" in shown.out
    link = f'href="/dashboard/states/WA/records/{seq}"'
    deadline = time.monotonic() + 30  # the server's copy is checked again within a second
    while (
        link
        not in (
            drilled := reviewer.get(f"/dashboard/states/WA/records?status={ACCESS_REPORT}")
        ).text
    ):
        assert time.monotonic() < deadline, "the drill-down does not list the look-up"
        time.sleep(0.2)
    assert drilled.status_code == 200
    card = reviewer.get(f"/dashboard/states/WA/records/{seq}")
    assert card.status_code == 200
    assert "run on the dashboard by wa.reviewer (reviewer)" in html.unescape(card.text)


def test_nothing_is_looked_up_without_a_form_a_valid_value_or_the_audit_log(
    reviewer: httpx.Client,
    viewer: httpx.Client,
    network: EmbeddedNetwork,
    served: Layout,
    someone: tuple[str, list[Access]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    oln = someone[0]
    before = len(lookups(served))
    token = csrf(reviewer.get(PAGE).text)
    bad_form = reviewer.post(PAGE, data={"csrf": "forged", "kind": "licence", "value": oln})
    assert bad_form.status_code == 400
    for kind, value in (("licence", "WDL-123"), ("plate", "TOO-LONG-PLATE"), ("name", "WDL123XYZ")):
        wrong = reviewer.post(PAGE, data={"csrf": token, "kind": kind, "value": value})
        assert wrong.status_code == 400
        assert value not in wrong.text  # the value is not echoed
    assert len(lookups(served)) == before  # nothing was looked up, nothing logged

    async def unavailable(state: str, entry: Entry) -> Receipt:
        raise AuditUnavailable("the audit service stopped")

    monkeypatch.setattr(network.audit, "append", unavailable)
    failed = reviewer.post(PAGE, data={"csrf": token, "kind": "licence", "value": oln})
    assert failed.status_code == 503
    assert "not run" in failed.text
    assert RECORD_LINK.findall(failed.text) == []  # no access shown
    monkeypatch.undo()
    assert len(lookups(served)) == before

    mine = look_up(reviewer, "licence", oln)
    theirs = {"csrf": csrf(viewer.get(PAGE).text), "token": _token(mine.text), "format": "pdf"}
    assert viewer.post(LETTER, data=theirs).status_code == 403  # a viewer writes none
    other = client(str(reviewer.base_url).rstrip("/"), "or.reviewer")
    assert other.get(PAGE).status_code == 403
    again = {"csrf": csrf(mine.text), "token": _token(mine.text)}
    assert reviewer.post(LETTER, data={**again, "format": "docx"}).status_code == 400
    assert reviewer.post(LETTER, data={**again, "token": "expired"}).status_code == 410
    assert reviewer.get(f"{PAGE}?value={oln}").status_code == 200  # a URL never looks up
    assert len(lookups(served)) == before + 1


def test_a_result_is_kept_for_its_account_and_state_only() -> None:
    from statelink.web.residents import KEPT_S, Results

    now = [0.0]
    kept = Results(clock=lambda: now[0])
    report: Any = object()
    token = kept.keep("wa.reviewer", "WA", report)
    assert kept.get(token, "wa.reviewer", "WA") is report
    assert kept.get(token, "wa.admin", "WA") is None
    assert kept.get(token, "wa.reviewer", "OR") is None
    now[0] = KEPT_S + 1
    assert kept.get(token, "wa.reviewer", "WA") is None
