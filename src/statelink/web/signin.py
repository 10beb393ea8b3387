"""The dashboard's one sign-in check, as FastAPI dependencies: a page that needs an
account depends on :data:`SignedIn`, a page of one state on :data:`OnState`.

Being signed in means the session cookie carries the id of a session that the
:class:`~statelink.sessions.SessionStore` still holds (one lookup by its hash, at every
request) for an account that still exists: a cookie kept after signing out, a password
change, the account's removal or the session's end opens nothing.

Someone not signed in is sent to the login page (303, and back to the page after); an
unknown state is a 404 page (on a node's dashboard, another state's too, saying which
state the node serves), a state the account does not cover a 403 page. Pages
refuse the same way, by raising :class:`~statelink.errors.PageRefused`, which
:func:`refusal` shows.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from statelink.accounts import Account
from statelink.errors import PageRefused
from statelink.web.site import Shared, Site, site_of

SESSION_ID = "session"
"""The key of the session's id in the signed cookie."""


@dataclass(frozen=True)
class Visit:
    """A signed-in account on the pages of one state it covers."""

    account: Account
    state: str  # NCIC code


def current_account(request: Request, site: Site) -> Account | None:
    """The account the cookie's session is signed in as; None (and the cookie forgets the
    id) when signed out, the session ended or expired, or the account is gone."""
    session_id = request.session.get(SESSION_ID)
    found = site.sessions.find(session_id) if isinstance(session_id, str) else None
    account = site.accounts.get(found.account) if found is not None else None
    if account is None:
        if found is not None and isinstance(session_id, str):
            site.sessions.end(session_id)  # its account is gone
        request.session.pop(SESSION_ID, None)
        request.session.pop("account", None)  # as cookies before server-side sessions had it
    return account


def sign_in(request: Request, site: Site, account: Account) -> None:
    """Begin a new session for ``account`` (never the id the request came with: an id
    planted before signing in opens nothing) with a new CSRF token."""
    earlier = request.session.get(SESSION_ID)
    if isinstance(earlier, str):
        site.sessions.end(earlier)
    request.session.clear()
    request.session.update(
        {SESSION_ID: site.sessions.start(account.name), "csrf": secrets.token_urlsafe(24)}
    )


def sign_out(request: Request, site: Site) -> None:
    """End the cookie's session in the store (a copy of the cookie opens nothing after)."""
    session_id = request.session.get(SESSION_ID)
    if isinstance(session_id, str):
        site.sessions.end(session_id)
    request.session.clear()


async def signed_in(request: Request, site: Shared) -> Account:
    account = current_account(request, site)
    if account is None:
        raise PageRefused("sign in first", 401)
    return account


SignedIn = Annotated[Account, Depends(signed_in)]


async def on_state(state: str, account: SignedIn, site: Shared) -> Visit:
    """The state of the page's path, if the signed-in account may see its pages."""
    code = state.upper()
    if code not in site.desks.states:
        raise PageRefused(site.not_served(state), 404)
    if not account.sees(code):
        raise PageRefused(f"your account does not cover {code}", 403)
    return Visit(account, code)


OnState = Annotated[Visit, Depends(on_state)]


async def refusal(request: Request, exc: Exception) -> Response:
    """The page for a :class:`PageRefused`: the login page for 401, else the error page."""
    assert isinstance(exc, PageRefused)
    if exc.http_status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/dashboard/login?next={quote(target)}", status_code=303)
    site = await site_of(request)
    account = current_account(request, site)
    return site.refused(request, account, exc.message, exc.http_status)
