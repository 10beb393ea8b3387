"""The dashboard for state officials: reports (see :mod:`statelink.web.transparency`),
the review queue, certifications and notices (:mod:`statelink.web.registers`).

Server-rendered HTML (Jinja2), no scripts, every asset served from the package, so it
works offline. Sign-in is by account (``statelink accounts add``): a ``viewer`` sees the
states of the account, a ``reviewer`` may also approve or deny held messages in them.
Sessions are kept by the server (:mod:`statelink.sessions`), so signing out, a password
change or the account's removal ends them; the browser holds the session's id in a
signed cookie (HttpOnly, SameSite=Strict, path /dashboard, Secure whenever the request
came over TLS). Every form carries a CSRF token; repeated failed sign-ins lock the name
and the address out for a while.

The embedded demo mounts it in its app (:func:`mount`, every state); a node service
serves it as an app of its own (:func:`served_alone`) over its one-state view of
itself, at the same paths.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from statelink.accounts import session_secret
from statelink.errors import PageRefused, StatelinkError
from statelink.review.queue import ALL_STATES, ItemStatus
from statelink.sessions import SESSION_HOURS
from statelink.web import (
    glossary,
    policy_page,
    problems,
    public_page,
    registers,
    residents,
    transparency,
    whatif,
)
from statelink.web.signin import OnState, SignedIn, refusal, sign_in, sign_out
from statelink.web.site import HERE, PREFIX, Network, Shared, Site, csrf_ok, local, route

COOKIE = "statelink_session"
EXPIRED = "the form expired: reload the page and try again"


def mount(app: FastAPI, network: Network) -> None:
    """Serve the dashboard from ``app`` under ``/dashboard``, its :class:`Site` kept on
    ``app.state.site`` (the app's lifespan closes it)."""
    site = Site.open(network)
    app.state.site = site
    app.include_router(
        APIRouter(
            routes=[
                *routes,
                *registers.routes,
                *transparency.routes,
                *whatif.routes,
                *policy_page.routes,
                *public_page.routes,
                *residents.routes,
                *glossary.routes,
            ]
        )
    )
    app.mount(f"{PREFIX}/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_exception_handler(PageRefused, refusal)
    app.add_middleware(SessionCookie, secret_key=session_secret(site.layout.session_key).hex())


def served_alone(network: Network) -> FastAPI:
    """The dashboard as an app of its own, at its usual paths (``/dashboard/...``), for a
    node service to serve beside its API; its :class:`Site` on ``app.state.site``, to be
    closed by whoever serves it (a mounted app's lifespan does not run)."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    problems.install(app)
    mount(app, network)
    return app


class SessionCookie:
    """Starlette's signed session cookie (the session's id, the CSRF token, a one-time
    message), marked ``Secure`` on a response to a request that came over TLS (scheme
    ``https``: served with a certificate, or behind a proxy whose headers the server
    trusts), so a browser never sends it over plain HTTP; over plain HTTP (the demo on
    loopback) it comes without, as a client may not send a ``Secure`` cookie back there."""

    def __init__(self, app: ASGIApp, secret_key: str) -> None:
        def cookie(secure: bool) -> SessionMiddleware:
            return SessionMiddleware(
                app,
                secret_key=secret_key,
                session_cookie=COOKIE,
                max_age=SESSION_HOURS * 3600,
                same_site="strict",
                path=PREFIX,
                https_only=secure,
            )

        self.plain, self.tls = cookie(False), cookie(True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        over_tls = scope.get("scheme") in ("https", "wss")
        await (self.tls if over_tls else self.plain)(scope, receive, send)


# --- signing in and out ------------------------------------------------------------------


async def login_form(request: Request, site: Shared, next: str = "/dashboard/") -> Response:
    return site.page(request, "login.html", next=local(next))


async def login(
    request: Request,
    site: Shared,
    name: str = Form(""),
    password: str = Form(""),
    csrf: str = Form(""),
    next: str = Form("/dashboard/"),
) -> Response:
    address = request.client.host if request.client else "?"
    if not csrf_ok(request, csrf):
        return site.page(request, "login.html", 400, error="the form expired: try again", next=next)
    wait = site.throttle.wait(name, address)
    if wait:
        error = f"too many failed sign-ins: try again in {int(wait // 60) + 1} min"
        return site.page(request, "login.html", 429, error=error, next=next)
    account = site.accounts.verify(name, password)
    if account is None:
        site.throttle.failed(name, address)
        return site.page(request, "login.html", 401, error="wrong name or password", next=next)
    site.throttle.succeeded(name, address)
    sign_in(request, site, account)
    return RedirectResponse(local(next), status_code=303)


async def logout(request: Request, site: Shared, csrf: str = Form("")) -> Response:
    if csrf_ok(request, csrf):
        sign_out(request, site)
    return RedirectResponse("/dashboard/login", status_code=303)


# --- pages -------------------------------------------------------------------------------


async def overview(request: Request, account: SignedIn, site: Shared) -> Response:
    """The account's states and their national totals (:func:`transparency.overview`)."""
    return await transparency.overview(request, account, site)


async def reviews(request: Request, visit: OnState, site: Shared, status: str = "open") -> Response:
    try:
        items = site.desks.queue(visit.state).find(None if status == "all" else status)
    except StatelinkError as e:
        raise PageRefused(e.message, 400) from None
    return site.page(
        request,
        "reviews.html",
        account=visit.account,
        state=visit.state,
        items=items,
        status=status,
        choices=("open", "all", *ALL_STATES),
    )


async def review(request: Request, visit: OnState, site: Shared, message_id: str) -> Response:
    account, code = visit.account, visit.state
    try:
        item = site.desks.queue(code).get(message_id)
    except StatelinkError as e:
        raise PageRefused(e.message, 404) from None
    return site.page(
        request,
        "review.html",
        account=account,
        state=code,
        item=item,
        searched_by=item.searched_by,
        serious=site.desks.serious_label(code, item.offense),
        can_decide=account.reviews(code) and item.status is ItemStatus.PENDING,
        flash=request.session.pop("flash", ""),
    )


async def decide(
    request: Request,
    visit: OnState,
    site: Shared,
    message_id: str,
    decision: str = Form(""),
    note: str = Form(""),
    csrf: str = Form(""),
) -> Response:
    account, code = visit.account, visit.state
    if not csrf_ok(request, csrf):
        raise PageRefused(EXPIRED, 400)
    if not account.reviews(code):
        raise PageRefused(f"only a reviewer for {code} can decide", 403)
    if decision not in ("approve", "deny"):
        raise PageRefused("decide with approve or deny", 400)
    try:
        queue = site.desks.queue(code)
        item = queue.decide(
            message_id, approve=decision == "approve", reviewer=account.name, note=note
        )
        await site.network.nodes[code].reviews.carry_out()
        item = queue.get(item.message_id)
    except StatelinkError as e:
        raise PageRefused(e.message, 409) from None
    done = "approved" if decision == "approve" else "denied"
    request.session["flash"] = f"{done}: the item is now {item.status}"
    return RedirectResponse(f"/dashboard/states/{code}/reviews/{item.message_id}", status_code=303)


async def bare() -> Response:
    return RedirectResponse("/dashboard/", status_code=307)


routes: list[BaseRoute] = [
    route("/login", login_form),
    route("/login", login, "POST"),
    route("/logout", logout, "POST"),
    route("/", overview),
    route("/states/{state}/reviews", reviews),
    route("/states/{state}/reviews/{message_id}", review),
    route("/states/{state}/reviews/{message_id}", decide, "POST"),
    route("", bare),
]
