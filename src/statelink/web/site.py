"""What every dashboard page shares: templates, headers, the signed-in account, CSRF."""

from __future__ import annotations

import datetime as dt
import secrets
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from statelink.accounts import Account, Accounts
from statelink.errors import UsageError
from statelink.messages.fields import PURPOSES
from statelink.states import STATES
from statelink.web.desks import Desks

HERE = Path(str(resources.files("statelink.web")))
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class Site:
    def __init__(self, accounts: Accounts, desks: Desks) -> None:
        self.accounts = accounts
        self.desks = desks
        self.templates = Jinja2Templates(directory=HERE / "templates")
        self.templates.env.globals.update(purposes=PURPOSES, states=STATES)

    def page(self, request: Request, name: str, status_code: int = 200, **values: Any) -> Response:
        response = self.templates.TemplateResponse(
            request,
            name,
            {"account": values.pop("account", None), "csrf": csrf_token(request), **values},
            status_code=status_code,
        )
        response.headers.update(SECURITY_HEADERS)
        return response

    def signed_in(self, request: Request) -> Account | None:
        name = request.session.get("account")
        account = self.accounts.get(name) if isinstance(name, str) else None
        if account is None:
            request.session.pop("account", None)
        return account

    def to_login(self, request: Request) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/dashboard/login?next={quote(target)}", status_code=303)

    def refused(self, request: Request, account: Account, message: str, status: int) -> Response:
        return self.page(request, "error.html", status, account=account, message=message)

    def state_page(self, request: Request, state: str) -> tuple[Account, str] | Response:
        """The signed-in account and the state, if it may see that state's pages."""
        account = self.signed_in(request)
        if account is None:
            return self.to_login(request)
        code = state.upper()
        if code not in self.desks.states:
            return self.refused(request, account, f"unknown state {state!r}", 404)
        if not account.sees(code):
            return self.refused(request, account, f"your account does not cover {code}", 403)
        return account, code


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


def csrf_ok(request: Request, given: str) -> bool:
    token = request.session.get("csrf")
    return isinstance(token, str) and secrets.compare_digest(token, given)


def form_day(value: str, name: str) -> dt.datetime | None:
    """A date field of a form (YYYY-MM-DD), or None when empty."""
    if not value:
        return None
    try:
        return dt.datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise UsageError(f"{name}: expected a date as YYYY-MM-DD, given {value[:40]!r}") from None


def local(target: str) -> str:
    """Only redirect within the dashboard (never to another site)."""
    return target if target.startswith("/dashboard/") and "//" not in target else "/dashboard/"
