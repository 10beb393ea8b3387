"""The dashboard's one sign-in check, as FastAPI dependencies: a page that needs an
account depends on :data:`SignedIn`, a page of one state on :data:`OnState`.

Someone not signed in is sent to the login page (303, and back to the page after); an
unknown state is a 404 page, a state the account does not cover a 403 page. Pages
refuse the same way, by raising :class:`~statelink.errors.PageRefused`, which
:func:`refusal` shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from statelink.accounts import Account, Accounts
from statelink.errors import PageRefused
from statelink.web.site import Shared, site_of


@dataclass(frozen=True)
class Visit:
    """A signed-in account on the pages of one state it covers."""

    account: Account
    state: str  # NCIC code


def current_account(request: Request, accounts: Accounts) -> Account | None:
    """The account the session is signed in as (None: signed out, or the account is gone)."""
    name = request.session.get("account")
    account = accounts.get(name) if isinstance(name, str) else None
    if account is None:
        request.session.pop("account", None)
    return account


async def signed_in(request: Request, site: Shared) -> Account:
    account = current_account(request, site.accounts)
    if account is None:
        raise PageRefused("sign in first", 401)
    return account


SignedIn = Annotated[Account, Depends(signed_in)]


async def on_state(state: str, account: SignedIn, site: Shared) -> Visit:
    """The state of the page's path, if the signed-in account may see its pages."""
    code = state.upper()
    if code not in site.desks.states:
        raise PageRefused(f"unknown state {state!r}", 404)
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
    account = current_account(request, site.accounts)
    return site.refused(request, account, exc.message, exc.http_status)
