"""The glossary: every code the network uses is in it (made from the code's own tables),
anyone can read it, and every page links to it."""

from __future__ import annotations

import re
from html import unescape

import httpx
import pytest

from statelink.directory.agency import KINDS
from statelink.messages.fields import PURPOSES
from statelink.messages.keys import MESSAGE_KEYS
from statelink.messages.response import Status
from statelink.nation import Layout
from statelink.node.ledger import ReviewStep
from statelink.policy.engine import Outcome
from statelink.reports.table import DERIVED
from statelink.web.glossary import REQUESTER_CLASSES, anchors, directory_groups, sections
from tests.web.dashboard_session import add_accounts, sign_in

GLOSSARY = "/dashboard/glossary"


@pytest.fixture(scope="module")
def page(served: Layout, base_url: str) -> str:
    add_accounts(served)
    reply = httpx.get(base_url + GLOSSARY)  # signed out
    assert reply.status_code == 200
    assert "default-src 'none'" in reply.headers["content-security-policy"]
    return reply.text


def _entry(page: str, anchor: str) -> str:
    """The text of the entry an anchor points to (its term and its meaning)."""
    found = re.search(
        rf'<dt id="{re.escape(anchor)}">(.*?)</dt>\s*<dd>(.*?)</dd>', page, re.S
    ) or re.search(
        rf'<dt id="[^"]*"><span id="{re.escape(anchor)}">(.*?)</dt>\s*<dd>(.*?)</dd>', page, re.S
    )
    assert found is not None, f"no entry #{anchor}"
    return unescape(re.sub(r"<[^>]+>", "", found.group(1) + " " + found.group(2)))


CODES = [
    *((f"mke-{k.code}", k.code, k.title) for k in MESSAGE_KEYS.values()),
    *((f"mke-{k.response}", k.response, k.title) for k in MESSAGE_KEYS.values()),
    *((f"purpose-{code}", code, meaning) for code, meaning in PURPOSES.items()),
    *((f"status-{s}", str(s), "") for s in Status),
    *((f"status-{s}", str(s), "review step") for s in ReviewStep),
    *((f"decision-{o}", str(o), "") for o in Outcome),
    ("decision-none", "none", "no decision"),
    *((f"kind-{k}", k, meaning) for k, meaning in KINDS.items()),
]


@pytest.mark.parametrize(("anchor", "code", "meaning"), CODES, ids=[c[0] for c in CODES])
def test_every_code_is_in_the_glossary_with_its_meaning(
    page: str, anchor: str, code: str, meaning: str
) -> None:
    entry = _entry(page, anchor)
    assert code in entry
    assert meaning in entry


def test_the_requester_classes_are_those_the_reports_sort_agencies_into(page: str) -> None:
    case = DERIVED.split("AS requester_class")[0]
    classes = re.findall(r"(?:THEN|ELSE) '([^']+)'", case)
    assert sorted(classes) == sorted(REQUESTER_CLASSES)
    for name in classes:
        assert name in _entry(page, f"class-{name.replace(' ', '-')}")


def test_the_groups_are_the_seed_directory_s(page: str) -> None:
    groups = directory_groups()
    assert {"federal", "immigration-enforcement", "ice", "hsi", "cbp", "dmv"} <= set(groups)
    assert "ICE, HSI, CBP" in groups["immigration-enforcement"]
    for group, meaning in groups.items():
        assert meaning, group
        assert meaning in _entry(page, f"group-{group}")


@pytest.mark.parametrize(
    "term",
    [
        "request",
        "answer",
        "decision",
        "deciding-policy",
        "records-released",
        "audit-record",
        "ori",
        "certification",
        "notice",
        "checkpoint",
        "witness",
        "suppression",
    ],
)
def test_the_terms_of_the_reports_are_explained(page: str, term: str) -> None:
    assert len(_entry(page, f"term-{term}")) > 40


def test_every_anchor_is_on_the_page_once(page: str) -> None:
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    assert anchors(sections()) <= set(ids)


def test_the_glossary_is_linked_from_the_sign_in_page_and_from_error_pages(
    base_url: str, page: str
) -> None:
    login = httpx.get(f"{base_url}/dashboard/login").text
    assert f'<a href="{GLOSSARY}">Glossary</a>' in login  # the navigation, signed out
    assert "Sign out" not in login
    assert "Sign out" not in page  # signed out: no account's navigation
    elsewhere = sign_in(base_url, "or.reviewer")
    refused = elsewhere.get("/dashboard/states/WA/")
    assert refused.status_code == 403
    assert f'href="{GLOSSARY}"' in refused.text
    signed_in = elsewhere.get(GLOSSARY).text
    assert "or.reviewer (reviewer)" in signed_in  # signed in: the usual navigation
    for path in ("/dashboard/", "/dashboard/states/OR/", "/dashboard/states/OR/records"):
        assert f'<a href="{GLOSSARY}">Glossary</a>' in elsewhere.get(path).text, path
