"""Signing in to the dashboard over plain HTTP, for the tests."""

from __future__ import annotations

import base64
import json
import re

import httpx

from statelink.accounts import Accounts
from statelink.nation import Layout

PASSWORD = "correct horse battery"
ACCOUNTS = (
    ("wa.reviewer", "reviewer", ["WA"]),
    ("wa.viewer", "viewer", ["WA"]),
    ("or.reviewer", "reviewer", ["OR"]),
    ("locked.out", "viewer", ["WA"]),
)


def add_accounts(layout: Layout) -> None:
    accounts = Accounts(layout.accounts)
    for name, role, states in ACCOUNTS:
        accounts.add(name, role, states, PASSWORD)


def csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, "no CSRF token in the page"
    return found.group(1)


def sign_in(base_url: str, name: str, password: str = PASSWORD) -> httpx.Client:
    client = httpx.Client(base_url=base_url)
    form = client.get("/dashboard/login")
    reply = client.post(
        "/dashboard/login",
        data={"name": name, "password": password, "csrf": csrf(form.text), "next": "/dashboard/"},
    )
    assert reply.status_code == 303, reply.text
    return client


COOKIE = "statelink_session"


def session_id(cookie: str) -> str:
    """The server-side session's id that a signed session cookie carries ("" if none)."""
    payload = cookie.split(".")[0]
    data = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))
    return str(data.get("session", ""))


def sign_out(client: httpx.Client) -> None:
    page = client.get("/dashboard/")
    reply = client.post("/dashboard/logout", data={"csrf": csrf(page.text)})
    assert reply.status_code == 303
    assert reply.headers["location"] == "/dashboard/login"


def hold(base_url: str, oln: str, case: str = "26-0042") -> str:
    """Send an HSI human-trafficking query to WA (held for review); return its message id."""
    reply = httpx.post(
        f"{base_url}/v1/messages",
        content=f"DQ.WAHSI0100.WA.OLN/{oln}.PUR/C.OFF/6499.CAS/{case}.",
        headers={"content-type": "text/plain"},
    ).json()
    assert reply["summary"] == {"WA": "HELD"}
    return str(reply["message_id"])
