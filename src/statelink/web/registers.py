"""The dashboard's registers of a state, its certifications and its notices to residents:
searched and paged by the stores (``?q=…&status=…&page=N``, 50 rows a page), and managed.

- ``GET /dashboard/states/XX/certifications``: by agency (start of the ORI or part of the
  name), status and order; ``?renew=ORI`` fills the add form with the year after the
  agency's latest certification;
- ``POST …/certifications/add`` and ``…/revoke``: as ``statelink certifications
  add|revoke`` (the same calls; the agency must also be in the directory);
- ``GET /dashboard/states/XX/notices``: by agency, or notice number, and status;
- ``POST …/notices/close``: mark the ticked notices sent, or withhold them with a reason,
  as ``statelink notices mark-sent|withhold``.

Who may act: certifications decide which agencies the state's policy lets read its
residents' data (``context.certified``), so only an admin of the state may change them,
as only an admin may apply a policy set; notices are the state's casework, which a
reviewer of the state (or an admin) closes, as a reviewer decides held messages. Others
see no forms, and a form posted anyway is refused (403). Every form carries the CSRF
token and redirects after success with a one-time message; a mistake (a bad ORI, an
unknown agency, dates out of order) shows the page again with the message and the input.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute

from statelink.directory import Directory
from statelink.errors import PageRefused, StatelinkError, UsageError
from statelink.messages import fields as rules
from statelink.notices.store import today
from statelink.policy.settings import CertificationSearch, StateSettings
from statelink.web.signin import OnState, Visit
from statelink.web.site import Shared, Site, csrf_ok, form_day, route

PAGE = 50
ENDING_DAYS = 30
MAX_SEARCH = 100
MAX_FIELDS = 2 * PAGE + 10
PAGE_NUMBER = re.compile(r"[+-]?[0-9]{1,12}")
EXPIRED = "the form expired: reload the page and try again"
CERTIFICATION_STATUSES = {
    "": "all",
    "current": "current",
    "ending": f"ending within {ENDING_DAYS} days",
    "lapsed": "lapsed",
    "revoked": "revoked",
    "future": "not yet valid",
}
CERTIFICATION_ORDERS = {"ends": "soonest last day first", "ori": "by agency (ORI)"}
NOTICE_STATUSES = {s: s for s in ("due", "overdue", "sent", "withheld", "all")}
NOTICE_ORDERS = {"": "by due date"}
ADD_FIELDS = ("ori", "valid_from", "valid_to", "document", "signer")


@dataclass(frozen=True)
class Listing:
    """What a register page lists, as its URL says: search text, status, order, page."""

    q: str = ""
    status: str = ""
    order: str = ""
    page: int = 1

    @classmethod
    def of(
        cls, params: Mapping[str, str], statuses: Mapping[str, str], orders: Mapping[str, str]
    ) -> Listing:
        """The listing ``params`` ask for (the first status and order by default; no order
        where there is no choice); a status, order or page number it cannot be is refused."""
        status = params.get("status", next(iter(statuses)))
        if params.get("expiring") == "true" and "status" not in params:
            status = "ending"  # the overview's link
        if status not in statuses:
            raise UsageError(f"show: expected one of {', '.join(statuses.values())}")
        order = (params.get("order") or next(iter(orders))) if len(orders) > 1 else ""
        if order not in orders:
            raise UsageError(f"order: expected one of {', '.join(orders)}")
        page = params.get("page", "").strip() or "1"
        if not PAGE_NUMBER.fullmatch(page):
            raise UsageError(f"page: expected a page number, given {page[:20]!r}")
        return cls(" ".join(params.get("q", "").split())[:MAX_SEARCH], status, order, int(page))

    @classmethod
    def back(
        cls, form: FormData, statuses: Mapping[str, str], orders: Mapping[str, str]
    ) -> Listing:
        """The listing a form was posted from (its ``back`` field), else the first page."""
        back = dict(parse_qsl(str(form.get("back", ""))[:400]))
        try:
            return cls.of(back, statuses, orders)
        except UsageError:
            return cls.of({}, statuses, orders)

    def query(self, **changes: Any) -> str:
        """The URL's query string for this listing with ``changes`` ("" for the first page
        of everything)."""
        wanted = replace(self, **changes)
        params = {k: v for k, v in vars(wanted).items() if v and (k != "page" or v > 1)}
        return f"?{urlencode(params)}" if params else ""


@dataclass(frozen=True)
class Pager:
    """Where a page falls in what a search found: ``page`` of ``pages``, rows ``first`` to
    ``last`` of ``total``. A page before the first is the first; one past the end the last."""

    page: int
    total: int

    @classmethod
    def at(cls, wanted: int, total: int) -> Pager:
        return cls(min(max(wanted, 1), cls(1, total).pages), total)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE))

    @property
    def offset(self) -> int:
        return (self.page - 1) * PAGE

    @property
    def first(self) -> int:
        return min(self.offset + 1, self.total)

    @property
    def last(self) -> int:
        return min(self.offset + PAGE, self.total)


def _pager_links(path: str, listing: Listing, pager: Pager) -> dict[str, str]:
    def at(page: int) -> str:
        return path + listing.query(page=page)

    here = at(pager.page)
    return {
        "prev": at(pager.page - 1) if pager.page > 1 else "",
        "next": at(pager.page + 1) if pager.page < pager.pages else "",
        "back": here.partition("?")[2],  # for a form's ``back`` field
        "renew": here + ("&" if "?" in here else "?") + "renew=",
    }


async def _posted(request: Request, allowed: bool, who: str) -> FormData:
    """The posted form, if its CSRF token is right and the account may act."""
    try:
        form = await request.form(max_files=0, max_fields=MAX_FIELDS)
    except HTTPException as e:  # too many fields, a file, a malformed body
        raise PageRefused(f"the form was refused: {e.detail}", 400) from None
    if not csrf_ok(request, str(form.get("csrf", ""))):
        raise PageRefused(EXPIRED, 400)
    if not allowed:
        raise PageRefused(f"only {who} can do that", 403)
    return form


def _text(form: FormData, name: str, label: str, most: int, *, required: bool = False) -> str:
    """A one-line text field, trimmed: at most ``most`` characters, no control characters."""
    value = str(form.get(name, "")).strip()
    if required and not value:
        raise UsageError(f"{label}: required")
    if len(value) > most:
        raise UsageError(f"{label}: at most {most} characters, given {len(value):,}")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise UsageError(f"{label}: one line of text, without control characters")
    return value


def _ori(value: str) -> str:
    try:
        return rules.ori(value.strip())
    except rules.Unexpected as e:
        raise UsageError(f"ORI: expected {e.expected}, given {value.strip()[:20]!r}") from None


def _day(value: str, label: str) -> dt.date:
    found = form_day(value.strip()[:40], label)
    if found is None:
        raise UsageError(f"{label}: required")
    return found.date()


# --- certifications ------------------------------------------------------------------------


def _search(listing: Listing, on: dt.date, directory: Directory) -> CertificationSearch:
    named = tuple(a.ori for a in directory.select(name=listing.q)) if listing.q else ()
    return CertificationSearch(
        on,
        status=listing.status or None,
        match=listing.q or None,
        oris=named,
        within_days=ENDING_DAYS,
        order=listing.order,
    )


def _renewal(settings: StateSettings, ori: str, on: dt.date) -> dict[str, str]:
    """The add form filled for the year after the agency's latest certification."""
    try:
        code = _ori(ori)
        latest = max(c.valid_to for c in settings.certifications(code))
        start = max(latest + dt.timedelta(days=1), on)
        end = dt.date(start.year + 1, start.month, min(start.day, 28 if start.month == 2 else 31))
    except (UsageError, ValueError, OverflowError):  # bad ORI, none on file, year 9999
        return {}
    end -= dt.timedelta(days=1)
    return {"ori": code, "valid_from": start.isoformat(), "valid_to": end.isoformat()}


def _certifications_page(
    request: Request,
    visit: Visit,
    site: Site,
    listing: Listing,
    status_code: int = 200,
    **shown: Any,
) -> Response:
    code, on = visit.state, today()
    directory = site.network.directory
    settings = site.desks.settings(code)
    search = _search(listing, on, directory)
    pager = Pager.at(listing.page, settings.count_certifications(search))
    rows = settings.find_certifications(search, limit=PAGE, offset=pager.offset)
    path = f"/dashboard/states/{code}/certifications"
    return site.page(
        request,
        "certifications.html",
        status_code,
        account=visit.account,
        state=code,
        rows=[(c, c.status(on, ENDING_DAYS)) for c in rows],
        names={c.ori: a.name for c in rows if (a := directory.get(c.ori)) is not None},
        listing=listing,
        pager=pager,
        links=_pager_links(path, listing, pager),
        statuses=CERTIFICATION_STATUSES,
        orders=CERTIFICATION_ORDERS,
        can_act=visit.account.administers(code),
        flash=request.session.pop("flash", ""),
        **{"error": "", "form": {}, **shown},
    )


async def certifications(request: Request, visit: OnState, site: Shared) -> Response:
    try:
        listing = Listing.of(request.query_params, CERTIFICATION_STATUSES, CERTIFICATION_ORDERS)
    except UsageError as e:
        raise PageRefused(e.message, 400) from None
    renew = request.query_params.get("renew", "")
    form: dict[str, str] = {}
    if renew and visit.account.administers(visit.state):
        form = _renewal(site.desks.settings(visit.state), renew[:20], today())
    return _certifications_page(request, visit, site, listing, form=form)


async def add_certification(request: Request, visit: OnState, site: Shared) -> Response:
    code = visit.state
    form = await _posted(request, visit.account.administers(code), f"an admin of {code}")
    listing = Listing.back(form, CERTIFICATION_STATUSES, CERTIFICATION_ORDERS)
    typed = {k: str(form.get(k, ""))[:300] for k in ADD_FIELDS}
    try:
        ori = _ori(typed["ori"])
        agency = site.network.directory.get(ori)
        if agency is None:
            raise UsageError(f"no agency with ORI {ori} in the directory")
        cert = site.desks.settings(code).add_certification(
            ori,
            _day(typed["valid_from"], "first day"),
            _day(typed["valid_to"], "last day"),
            document=_text(form, "document", "document", 200),
            signer=_text(form, "signer", "signer", 120),
        )
    except StatelinkError as e:
        return _certifications_page(
            request, visit, site, listing, e.http_status, error=e.message, form=typed
        )
    request.session["flash"] = (
        f"certification {cert.id} added for {ori} ({agency.name}), "
        f"{cert.valid_from} to {cert.valid_to}"
    )
    target = Listing(status="", order=listing.order, q=ori).query()
    return RedirectResponse(f"/dashboard/states/{code}/certifications{target}", status_code=303)


async def revoke_certifications(request: Request, visit: OnState, site: Shared) -> Response:
    code = visit.state
    form = await _posted(request, visit.account.administers(code), f"an admin of {code}")
    listing = Listing.back(form, CERTIFICATION_STATUSES, CERTIFICATION_ORDERS)
    try:
        ori = _ori(str(form.get("ori", "")))
        reason = _text(form, "reason", "reason", 200, required=True)
        count = site.desks.settings(code).revoke(ori, reason)
    except StatelinkError as e:
        return _certifications_page(request, visit, site, listing, e.http_status, error=e.message)
    request.session["flash"] = f"revoked {count} certification(s) of {ori}: {reason}"
    path = f"/dashboard/states/{code}/certifications"
    return RedirectResponse(path + listing.query(), status_code=303)


# --- notices ---------------------------------------------------------------------------------


def _notices_page(
    request: Request,
    visit: Visit,
    site: Site,
    listing: Listing,
    status_code: int = 200,
    **shown: Any,
) -> Response:
    code, on = visit.state, today()
    store = site.desks.notices(code)
    status = None if listing.status == "all" else listing.status
    pager = Pager.at(listing.page, store.count(status, on=on, match=listing.q))
    rows = store.search(status, on=on, match=listing.q, limit=PAGE, offset=pager.offset)
    path = f"/dashboard/states/{code}/notices"
    return site.page(
        request,
        "notices.html",
        status_code,
        account=visit.account,
        state=code,
        rows=rows,
        on=on,
        listing=listing,
        pager=pager,
        links=_pager_links(path, listing, pager),
        statuses=NOTICE_STATUSES,
        can_act=visit.account.reviews(code),
        flash=request.session.pop("flash", ""),
        **{"error": "", "chosen": (), "reason": "", **shown},
    )


async def notices(request: Request, visit: OnState, site: Shared) -> Response:
    try:
        listing = Listing.of(request.query_params, NOTICE_STATUSES, NOTICE_ORDERS)
    except UsageError as e:
        raise PageRefused(e.message, 400) from None
    return _notices_page(request, visit, site, listing)


def _ids(values: list[str]) -> list[int]:
    ids = []
    for value in values:
        if not (value.isascii() and value.isdigit() and len(value) <= 10):
            raise UsageError(f"notice: expected a notice number, given {value[:20]!r}")
        ids.append(int(value))
    if not ids:
        raise UsageError("tick at least one notice")
    return ids


async def close_notices(request: Request, visit: OnState, site: Shared) -> Response:
    code = visit.state
    form = await _posted(request, visit.account.reviews(code), f"a reviewer of {code}")
    listing = Listing.back(form, NOTICE_STATUSES, NOTICE_ORDERS)
    given = [str(v) for v in form.getlist("id")]
    action = str(form.get("action", ""))
    try:
        ids = _ids(given)
        db = site.desks.database(code)
        retention = db.settings.number("notice_retention_days")
        if action == "sent":
            done = db.notices.mark_sent(ids, on=today(), retention_days=retention)
        elif action == "withhold":
            reason = _text(form, "reason", "reason for withholding", 300, required=True)
            done = db.notices.withhold(ids, reason=reason, on=today(), retention_days=retention)
        else:
            raise UsageError("choose Mark sent or Withhold")
    except StatelinkError as e:
        typed = str(form.get("reason", ""))[:300]
        shown = {"error": e.message, "chosen": given, "reason": typed}
        return _notices_page(request, visit, site, listing, e.http_status, **shown)
    numbers = ", ".join(f"#{n.id}" for n in done)
    how = "marked sent" if action == "sent" else "withheld"
    request.session["flash"] = f"notice(s) {numbers} {how}; kept until {done[0].purge_on}"
    path = f"/dashboard/states/{code}/notices"
    return RedirectResponse(path + listing.query(), status_code=303)


routes: list[BaseRoute] = [
    route("/states/{state}/certifications", certifications),
    route("/states/{state}/certifications/add", add_certification, "POST"),
    route("/states/{state}/certifications/revoke", revoke_certifications, "POST"),
    route("/states/{state}/notices", notices),
    route("/states/{state}/notices/close", close_notices, "POST"),
]
