"""The public report on the dashboard, over a real server and a nation that was sent a
year of traffic: the page shows the very tables ``statelink report --public`` prints
(same counts, same suppression), says which counts are hidden and which checkpoint the
numbers are anchored to, and its PDF, CSV and HTML files are byte for byte what the
command writes for the same period."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from statelink.nation import Layout
from statelink.reports import public
from statelink.reports.report import Period
from statelink.reports.sources import state_report
from statelink.web.public_page import moment
from tests.conftest import Run, copy_nation
from tests.reports.pdf_objects import objects
from tests.web.dashboard_session import add_accounts, sign_in

PAGE = "/dashboard/states/WA/public"
PERIOD = {"since": "2026-02-01", "until": "2026-08-15T12:00:00"}


@pytest.fixture(scope="module")
def served(year: Layout, tmp_path_factory: pytest.TempPathFactory) -> Layout:
    """This module's server runs a nation that has had its year of traffic."""
    own = copy_nation(year, tmp_path_factory.mktemp("served-public"), logs=True)
    add_accounts(own)
    return own


@pytest.fixture(scope="module")
def viewer(base_url: str) -> httpx.Client:
    client = sign_in(base_url, "wa.viewer")
    client.timeout = httpx.Timeout(120)
    return client


def _cells(page: str) -> dict[tuple[str, str], str]:
    """Each table's printed counts on the page: (table, row) → what is printed."""
    found: dict[tuple[str, str], str] = {}
    for section in re.findall(
        r'<section class="card">\s*<h2>(.*?)</h2>(.*?)</section>', page, re.S
    ):
        title, body = section
        for row, shown in re.findall(
            r'<th scope="row">(.*?)</th><td class="num[^"]*">(.*?)</td>', body
        ):
            found[html.unescape(title), html.unescape(row)] = shown
    return found


def _expected(made: public.Published) -> dict[tuple[str, str], str]:
    return {
        (t.title, c.label if c is not t.whole else "Total"): c.shown
        for t in made.tables
        for c in (*t.cells, t.whole)
    }


@pytest.mark.parametrize("period", [{}, PERIOD], ids=["all time", "a period"])
def test_the_page_shows_what_the_public_report_prints(
    viewer: httpx.Client, served: Layout, period: dict[str, str]
) -> None:
    reply = viewer.get(PAGE, params=period)
    assert reply.status_code == 200, reply.text
    page = reply.text
    since, until = (
        moment(period.get("since", ""), "since"),
        moment(period.get("until", ""), "until"),
    )
    made = state_report(served, "WA", Period(since, until))
    shown = public.published(made)
    assert _cells(page) == _expected(shown)
    assert any(c.suppressed for t in shown.tables for c in t.cells), "the year hides some counts"
    text = html.unescape(page)
    for title, labels in shown.hidden:
        assert f"{title}: {', '.join(labels)}" in text
    hidden = sum(len(labels) for _, labels in shown.hidden)
    assert f"{hidden} of {shown.counts} counts are hidden" in text
    assert shown.note in text
    assert "never 0" in text
    anchor = made["anchor"]
    assert anchor is not None
    assert anchor["root"] in page
    assert f"size {anchor['size']:,}" in text


@pytest.mark.parametrize("fmt", ["pdf", "csv", "html"])
@pytest.mark.parametrize("period", [{}, PERIOD], ids=["all time", "a period"])
def test_each_file_is_what_the_command_writes(
    viewer: httpx.Client,
    served: Layout,
    run: Callable[..., Run],
    tmp_path: Path,
    fmt: str,
    period: dict[str, str],
) -> None:
    out = tmp_path / f"public.{fmt}"
    flags = [part for k, v in period.items() for part in (f"--{k}", v)]
    done = run(
        "report", "--state", "WA", "--public", "--format", fmt, *flags,
        "--out", str(out), "--data", str(served.root),
    )  # fmt: skip
    assert done.code == 0, done.err
    downloaded = viewer.get(f"{PAGE}.{fmt}", params=period)
    assert downloaded.status_code == 200
    assert downloaded.content == out.read_bytes()
    assert downloaded.headers["content-disposition"].startswith("attachment; filename=")
    assert downloaded.headers["content-disposition"].endswith(f'.{fmt}"')
    assert viewer.get(PAGE, params={**period, "format": fmt}).content == out.read_bytes()


def test_the_pdf_holds_the_tables(viewer: httpx.Client, served: Layout) -> None:
    pdf = viewer.get(f"{PAGE}.pdf").content
    assert pdf.startswith(b"%PDF-1.4")
    found = objects(pdf)  # every object where the cross-reference table says
    assert b"/Type /Catalog" in found[1]
    made = public.published(state_report(served, "WA"))
    streams = b"".join(found.values())
    for t in made.tables:
        assert f"({t.title}) Tj".encode() in streams
        for c in t.cells:
            assert f"({c.shown}) Tj".encode() in streams


def test_the_page_refuses_what_it_cannot_show(viewer: httpx.Client, base_url: str) -> None:
    assert viewer.get(PAGE, params={"since": "2026-13-01"}).status_code == 400
    later_first = {"since": "2026-06-01", "until": "2026-05-01"}
    assert viewer.get(PAGE, params=later_first).status_code == 400
    assert viewer.get(f"{PAGE}.docx").status_code == 404
    assert viewer.get(PAGE, params={"format": "xml"}).status_code == 404
    other = sign_in(base_url, "or.reviewer")
    assert other.get(PAGE).status_code == 403
    assert other.get(f"{PAGE}.csv").status_code == 403
    anonymous = httpx.get(f"{base_url}{PAGE}.csv", timeout=30)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/dashboard/login")
