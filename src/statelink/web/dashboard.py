"""The dashboard for state officials: reports (see :mod:`statelink.web.transparency`),
review queue, certifications, notices.

Server-rendered HTML (Jinja2), no scripts, every asset served from the package, so it
works offline. Sign-in is by account (``statelink accounts add``): a ``viewer`` sees the
states of the account, a ``reviewer`` may also approve or deny held messages in them.
Sessions are signed cookies (HttpOnly, SameSite=Strict); every form carries a CSRF token;
repeated failed sign-ins lock the name and the address out for a while.
"""

from __future__ import annotations

import datetime as dt
import secrets

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from statelink.accounts import Accounts, session_secret
from statelink.embedded import EmbeddedNetwork
from statelink.errors import StatelinkError
from statelink.nation import Layout
from statelink.notices.store import today
from statelink.review import queue as q
from statelink.states import STATES
from statelink.web import transparency, whatif
from statelink.web.desks import Desks
from statelink.web.site import HERE, Site, csrf_ok, local
from statelink.web.throttle import LoginThrottle

SESSION_HOURS = 8
EXPIRING_DAYS = 30


def install(app: FastAPI, network: EmbeddedNetwork) -> Desks:
    """Mount the dashboard on ``app`` under ``/dashboard``; return its stores (to close)."""
    layout: Layout = network.layout
    accounts = Accounts(layout.accounts)
    desks = Desks(layout, list(network.nodes))
    throttle = LoginThrottle()
    site = Site(accounts, desks)
    page, refused, state_page = site.page, site.refused, site.state_page
    signed_in, to_login = site.signed_in, site.to_login
    router = APIRouter(prefix="/dashboard", include_in_schema=False)

    # --- signing in and out ----------------------------------------------------------------

    @router.get("/login")
    async def login_form(request: Request, next: str = "/dashboard/") -> Response:
        return page(request, "login.html", next=local(next))

    @router.post("/login")
    async def login(
        request: Request,
        name: str = Form(""),
        password: str = Form(""),
        csrf: str = Form(""),
        next: str = Form("/dashboard/"),
    ) -> Response:
        address = request.client.host if request.client else "?"
        if not csrf_ok(request, csrf):
            return page(request, "login.html", 400, error="the form expired: try again", next=next)
        wait = throttle.wait(name, address)
        if wait:
            return page(
                request,
                "login.html",
                429,
                error=f"too many failed sign-ins: try again in {int(wait // 60) + 1} min",
                next=next,
            )
        account = accounts.verify(name, password)
        if account is None:
            throttle.failed(name, address)
            return page(request, "login.html", 401, error="wrong name or password", next=next)
        throttle.succeeded(name, address)
        request.session.clear()
        request.session.update(account=account.name, csrf=secrets.token_urlsafe(24))
        return RedirectResponse(local(next), status_code=303)

    @router.post("/logout")
    async def logout(request: Request, csrf: str = Form("")) -> Response:
        if csrf_ok(request, csrf):
            request.session.clear()
        return RedirectResponse("/dashboard/login", status_code=303)

    # --- pages ---------------------------------------------------------------------------

    @router.get("/")
    async def overview(request: Request) -> Response:
        account = signed_in(request)
        if account is None:
            return to_login(request)
        rows = sorted(
            (desks.summary(s) for s in account.visible(desks.states)),
            key=lambda r: (-(r.pending_reviews + r.notices_overdue), STATES[r.state].name),
        )
        return page(request, "overview.html", account=account, rows=rows)

    @router.get("/states/{state}/reviews")
    async def reviews(request: Request, state: str, status: str = "open") -> Response:
        who = state_page(request, state)
        if isinstance(who, Response):
            return who
        account, code = who
        try:
            items = desks.queue(code).find(None if status == "all" else status)
        except StatelinkError as e:
            return refused(request, account, e.message, 400)
        return page(
            request,
            "reviews.html",
            account=account,
            state=code,
            items=items,
            status=status,
            choices=("open", "all", *q.ALL_STATES),
        )

    @router.get("/states/{state}/reviews/{message_id}")
    async def review(request: Request, state: str, message_id: str) -> Response:
        who = state_page(request, state)
        if isinstance(who, Response):
            return who
        account, code = who
        try:
            item = desks.queue(code).get(message_id)
        except StatelinkError as e:
            return refused(request, account, e.message, 404)
        return page(
            request,
            "review.html",
            account=account,
            state=code,
            item=item,
            searched_by=sorted((item.message or {}).get("fields", {})),
            serious=desks.serious_label(code, item.offense),
            can_decide=account.reviews(code) and item.status == q.PENDING,
            flash=request.session.pop("flash", ""),
        )

    @router.post("/states/{state}/reviews/{message_id}")
    async def decide(
        request: Request,
        state: str,
        message_id: str,
        decision: str = Form(""),
        note: str = Form(""),
        csrf: str = Form(""),
    ) -> Response:
        who = state_page(request, state)
        if isinstance(who, Response):
            return who
        account, code = who
        if not csrf_ok(request, csrf):
            return refused(request, account, "the form expired: reload the page and try again", 400)
        if not account.reviews(code):
            return refused(request, account, f"only a reviewer for {code} can decide", 403)
        if decision not in ("approve", "deny"):
            return refused(request, account, "decide with approve or deny", 400)
        try:
            item = desks.queue(code).decide(
                message_id, approve=decision == "approve", reviewer=account.name, note=note
            )
            await network.nodes[code].reviews.carry_out()
            item = desks.queue(code).get(item.message_id)
        except StatelinkError as e:
            return refused(request, account, e.message, 409)
        done = "approved" if decision == "approve" else "denied"
        request.session["flash"] = f"{done}: the item is now {item.status}"
        return RedirectResponse(
            f"/dashboard/states/{code}/reviews/{item.message_id}", status_code=303
        )

    @router.get("/states/{state}/certifications")
    async def certifications(request: Request, state: str, expiring: bool = False) -> Response:
        who = state_page(request, state)
        if isinstance(who, Response):
            return who
        account, code = who
        on = today()
        settings = desks.settings(code)
        rows = settings.expiring(on, EXPIRING_DAYS) if expiring else settings.certifications()
        return page(
            request,
            "certifications.html",
            account=account,
            state=code,
            rows=rows,
            on=on,
            expiring=expiring,
            soon=on + dt.timedelta(days=EXPIRING_DAYS),
            days=EXPIRING_DAYS,
        )

    @router.get("/states/{state}/notices")
    async def notices(request: Request, state: str, status: str = "due") -> Response:
        who = state_page(request, state)
        if isinstance(who, Response):
            return who
        account, code = who
        try:
            rows = desks.notices(code).find(None if status == "all" else status)
        except StatelinkError as e:
            return refused(request, account, e.message, 400)
        return page(
            request,
            "notices.html",
            account=account,
            state=code,
            rows=rows,
            on=today(),
            status=status,
            choices=("due", "overdue", "sent", "withheld", "all"),
        )

    @router.get("", include_in_schema=False)
    async def bare() -> Response:
        return RedirectResponse("/dashboard/", status_code=307)

    transparency.install(router, site, layout)
    whatif.install(router, site, layout)
    app.include_router(router)
    app.mount("/dashboard/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(layout.session_key).hex(),
        session_cookie="statelink_session",
        max_age=SESSION_HOURS * 3600,
        same_site="strict",
        path="/dashboard",
    )
    return desks
