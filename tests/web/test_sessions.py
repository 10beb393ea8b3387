"""Dashboard sessions over a real server: a copy of the cookie opens nothing once the
session ends (signing out, a password change or removal by the CLI, expiry); every
sign-in is a new session; the cookie is Secure over TLS only."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import itsdangerous
import pytest
from fastapi import FastAPI

from statelink.accounts import Accounts, session_secret
from statelink.embedded import EmbeddedNetwork
from statelink.nation import Layout
from statelink.sessions import SESSION_HOURS, SessionStore
from statelink.web.api import create_app
from statelink.web.site import Site
from tests.conftest import Run
from tests.web.conftest import serving
from tests.web.dashboard_session import (
    COOKIE,
    PASSWORD,
    add_accounts,
    csrf,
    session_id,
    sign_in,
    sign_out,
)

SIGN_IN_AGAIN = f"/dashboard/login?next={quote('/dashboard/')}"


@pytest.fixture(scope="module")
def app(served: Layout) -> FastAPI:
    add_accounts(served)
    return create_app(EmbeddedNetwork.open(served))


@pytest.fixture(scope="module")
def url(app: FastAPI) -> Iterator[str]:
    with serving(app) as base:
        yield base


@dataclass
class Clock:
    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock(app: FastAPI) -> Iterator[Clock]:
    """The clock of the running dashboard's session store, for the test to move."""
    site: Site = app.state.site
    moved = Clock(dt.datetime.now(dt.UTC))
    store = SessionStore.open(site.layout.sessions, clock=moved)
    app.state.site = dataclasses.replace(site, sessions=store)
    try:
        yield moved
    finally:
        app.state.site = site
        store.close()


def stored(layout: Layout, session: str) -> bool:
    """Whether the sessions file holds the session (by its id's hash)."""
    key = hashlib.sha256(session.encode()).hexdigest()
    with sqlite3.connect(layout.sessions) as conn:
        query = "SELECT count(*) FROM dashboard_session WHERE id_sha256 = ?"
        return bool(conn.execute(query, (key,)).fetchone()[0])


def replay(url: str, cookie: str) -> httpx.Response:
    """The overview page asked for with a copy of a session cookie, from another client."""
    return httpx.get(f"{url}/dashboard/", cookies={COOKIE: cookie})


@dataclass(frozen=True)
class Visit:
    """A signed-in browser and what a test may do to end its session."""

    client: httpx.Client
    name: str
    layout: Layout
    clock: Clock
    run: Callable[..., Run]
    tmp_path: Path

    def cli(self, *args: str) -> None:
        done = self.run("accounts", *args, "--data", str(self.layout.root))
        assert done.code == 0, done.err


def signing_out(visit: Visit) -> None:
    sign_out(visit.client)


def changing_the_password(visit: Visit) -> None:
    new = visit.tmp_path / "new-password"
    new.write_text("a new password, long\n")
    visit.cli("passwd", visit.name, "--password-file", str(new))


def removing_the_account(visit: Visit) -> None:
    visit.cli("remove", visit.name)


def expiring(visit: Visit) -> None:
    visit.clock.now += dt.timedelta(hours=SESSION_HOURS)


@pytest.mark.parametrize(
    "end", [signing_out, changing_the_password, removing_the_account, expiring]
)
def test_a_copied_cookie_opens_nothing_once_its_session_ends(
    app: FastAPI,
    url: str,
    served: Layout,
    clock: Clock,
    run: Callable[..., Run],
    tmp_path: Path,
    end: Callable[[Visit], None],
) -> None:
    name = "gone." + end.__name__.replace("_", "-")
    Accounts(served.accounts).add(name, "viewer", ["WA"], PASSWORD)
    client = sign_in(url, name)
    copied = client.cookies[COOKIE]
    assert replay(url, copied).status_code == 200  # the copy works while the session lives
    assert stored(served, session_id(copied))

    end(Visit(client, name, served, clock, run, tmp_path))

    refused = replay(url, copied)
    assert refused.status_code == 303
    assert refused.headers["location"] == SIGN_IN_AGAIN
    assert not stored(served, session_id(copied))


def test_every_sign_in_is_a_new_session_and_ends_the_one_before(url: str, served: Layout) -> None:
    client = httpx.Client(base_url=url)
    form = client.get("/dashboard/login")
    assert session_id(client.cookies[COOKIE]) == ""  # before signing in: a CSRF token only
    cookies = []
    for _ in range(2):  # the same browser signs in twice (or with a cookie planted on it)
        reply = client.post(
            "/dashboard/login",
            data={"name": "wa.viewer", "password": PASSWORD, "csrf": csrf(form.text)},
        )
        assert reply.status_code == 303
        cookies.append(client.cookies[COOKIE])
        form = client.get("/dashboard/login")
    first, second = (session_id(cookie) for cookie in cookies)
    assert "" not in (first, second)
    assert first != second
    assert replay(url, cookies[0]).headers["location"] == SIGN_IN_AGAIN
    assert not stored(served, first)
    assert replay(url, cookies[1]).status_code == 200


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"account": "wa.viewer"}, 303),  # how cookies named the account before
        ({"session": "made-up-id"}, 303),
        ({}, 303),
        (None, 200),  # the id a sign-in gave: the check can tell them apart
    ],
)
def test_only_a_live_session_s_id_opens_pages(
    url: str, served: Layout, data: dict[str, str] | None, status: int
) -> None:
    if data is None:
        data = {"session": session_id(sign_in(url, "wa.viewer").cookies[COOKIE])}
    signer = itsdangerous.TimestampSigner(session_secret(served.session_key).hex())
    cookie = signer.sign(base64.b64encode(json.dumps(data).encode())).decode()
    assert replay(url, cookie).status_code == status


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("base", "secure"), [("https://dashboard.example", True), ("http://dashboard.example", False)]
)
async def test_the_cookie_is_secure_over_tls_only(app: FastAPI, base: str, secure: bool) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=base) as browser:
        form = await browser.get("/dashboard/login")
        signed_in = await browser.post(
            "/dashboard/login",
            data={"name": "wa.reviewer", "password": PASSWORD, "csrf": csrf(form.text)},
        )
        page = await browser.get("/dashboard/")
        assert page.status_code == 200  # the browser sent the cookie back
        signed_out = await browser.post("/dashboard/logout", data={"csrf": csrf(page.text)})
        assert "null" in signed_out.headers["set-cookie"]  # the cookie is cleared
    for reply in (form, signed_in, signed_out):
        name, *flags = (part.strip().lower() for part in reply.headers["set-cookie"].split(";"))
        assert name.startswith(COOKIE + "=")
        assert {"httponly", "samesite=strict", "path=/dashboard"} <= set(flags)
        assert ("secure" in flags) is secure
