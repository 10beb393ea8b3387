"""A resident's access report on the dashboard: an official looks a resident up, by
licence number or by plate, and gets every access to their records with its legal basis,
and a letter to send them.

- ``GET /dashboard/states/XX/residents``: the form;
- ``POST /dashboard/states/XX/residents``: the look-up (CSRF-checked). It is first
  written to the state's audit log, with who ran it (:mod:`statelink.audit.lookup`:
  the account and its role in clear, the looked-up value as a keyed hash); if that
  fails, nothing is looked up or shown. Then the accesses are found by keyed hash
  (:mod:`statelink.reports.resident`) in the copy of the log checked against its latest
  signed checkpoint, each with its legal basis;
- ``POST /dashboard/states/XX/residents/letter``: the letter to the resident, as PDF or
  HTML, for the result a short-lived token names.

The licence number or plate travels only in a POST body: never in a URL (so never in an
address bar, a history, a proxy's or the server's access log) and never in the
application log. The result (with the resident's name and address) is kept in the
server's memory for :data:`KEPT_S` seconds, for its letter, under a random token bound to
the account and the state; nothing of it is written anywhere.

Who sees names: a ``reviewer`` or an ``admin`` of the state, who handle residents'
letters already (notices), see the resident's name and address and may write the letter;
a ``viewer`` sees the accesses with the name masked, and no letter.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute

from statelink.audit.keys import NodeKeys
from statelink.audit.lookup import LookupKind, Official, lookup_entry
from statelink.errors import PageRefused, StatelinkError, UsageError
from statelink.hub.message_id import new_message_id
from statelink.messages import fields
from statelink.notices.names import display_name
from statelink.notices.store import today
from statelink.reports import resident
from statelink.reports.anchor import read_checked, statement
from statelink.web.public_page import FILE_HEADERS
from statelink.web.signin import OnState, Visit
from statelink.web.site import Shared, Site, csrf_ok, route

log = structlog.get_logger(__name__)

KEPT_S = 15 * 60
"""How long a look-up's result is kept for its letter."""
MAX_KEPT = 200
EXPIRED = "the form expired: reload the page and try again"
NOT_LOGGED = (
    "the look-up could not be written to the audit log, so it was not run and nothing is "
    "shown; try again later"
)


@dataclass(frozen=True)
class _Kept:
    account: str
    state: str
    until: float
    report: resident.ResidentReport


class Results:
    """Look-ups' results, in memory, by token, for :data:`KEPT_S` seconds at most."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._kept: dict[str, _Kept] = {}
        self._lock = threading.Lock()

    def keep(self, account: str, state: str, report: resident.ResidentReport) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._forget_old()
            while len(self._kept) >= MAX_KEPT:
                self._kept.pop(next(iter(self._kept)))
            self._kept[token] = _Kept(account, state, self._clock() + KEPT_S, report)
        return token

    def get(self, token: str, account: str, state: str) -> resident.ResidentReport | None:
        """The result ``token`` names, if this account made it for this state and it is
        still kept."""
        with self._lock:
            self._forget_old()
            kept = self._kept.get(token)
        if kept is None or (kept.account, kept.state) != (account, state):
            return None
        return kept.report

    def _forget_old(self) -> None:
        now = self._clock()
        for token in [t for t, k in self._kept.items() if k.until <= now]:
            del self._kept[token]


def results_of(request: Request) -> Results:
    """The app's kept results (made with the first look-up)."""
    state = request.app.state
    found = getattr(state, "resident_results", None)
    if not isinstance(found, Results):
        found = state.resident_results = Results()
    return found


def sees_names(visit: Visit) -> bool:
    """Whether the account may see residents' names (and write their letters)."""
    return visit.account.reviews(visit.state)


async def _posted(request: Request) -> FormData:
    try:
        form = await request.form(max_files=0, max_fields=10)
    except HTTPException as e:
        raise PageRefused(f"the form was refused: {e.detail}", 400) from None
    if not csrf_ok(request, str(form.get("csrf", ""))):
        raise PageRefused(EXPIRED, 400)
    return form


def _page(
    request: Request, visit: Visit, site: Site, status: int = 200, **shown: object
) -> Response:
    response = site.page(
        request,
        "residents.html",
        status,
        account=visit.account,
        state=visit.state,
        names=sees_names(visit),
        display_name=display_name,
        kinds=list(LookupKind),
        **{"error": "", "kind": LookupKind.LICENCE.value, "result": None, "token": "", **shown},
    )
    response.headers["Cache-Control"] = "no-store"
    return response


async def form_page(request: Request, visit: OnState, site: Shared) -> Response:
    return _page(request, visit, site)


def _wanted(form: FormData) -> tuple[LookupKind, str]:
    """What to look up: the kind and the value, checked (the value is never echoed)."""
    try:
        kind = LookupKind(str(form.get("kind", "")))
    except ValueError:
        raise UsageError("look up by: choose licence number or plate") from None
    check = fields.oln if kind is LookupKind.LICENCE else fields.plate
    try:
        return kind, check(str(form.get("value", ""))[:40])
    except fields.Unexpected as e:
        raise UsageError(f"{kind.words}: expected {e.expected}") from None


async def look_up(request: Request, visit: OnState, site: Shared) -> Response:
    form = await _posted(request)
    try:
        kind, value = _wanted(form)
    except UsageError as e:
        return _page(request, visit, site, 400, error=e.message, kind=str(form.get("kind", "")))
    official = Official(visit.account.name, visit.account.role)
    entry = lookup_entry(visit.state, official, kind, value, new_message_id())
    try:
        receipt = await site.network.audit.append(visit.state, entry)
    except StatelinkError as e:
        log.error("lookup_not_logged", state=visit.state, account=official.account, error=e.message)
        return _page(request, visit, site, 503, error=NOT_LOGGED, kind=kind.value)
    try:
        made = await asyncio.to_thread(_report, site, visit.state, kind, value, receipt.seq)
    except StatelinkError as e:
        raise PageRefused(e.message, e.http_status) from None
    token = results_of(request).keep(visit.account.name, visit.state, made)
    return _page(
        request,
        visit,
        site,
        result=made,
        token=token,
        kind=kind.value,
        covers=statement(made.anchor, visit.state),
        contact_set=site.desks.settings(visit.state).contact() is not None,
    )


def _report(
    site: Site, state: str, kind: LookupKind, value: str, lookup_seq: int
) -> resident.ResidentReport:
    """The look-up's result (after it was logged): whom the state's records name, then
    every access to them in the checked copy of the audit log, with its legal basis."""
    keys = NodeKeys.load(state, site.layout.keys(state), create=False)
    found = resident.subject(site.network.nodes[state].records, keys, kind, value)
    rows, anchor = read_checked(
        lambda: site.reports.anchored(state),
        lambda copy: (
            resident.accesses_of(copy.table, found.hashes, agencies=site.reports.names()),
            copy.anchor.as_json() if copy.anchor else None,
        ),
    )
    return resident.ResidentReport(
        state=state,
        kind=kind,
        value=value,
        subject=found,
        lines=resident.lines(site.layout, state, rows),
        anchor=anchor,
        lookup_seq=lookup_seq,
        made_on=today(),
    )


async def letter(request: Request, visit: OnState, site: Shared) -> Response:
    """The letter for a kept result, as PDF or HTML, to download."""
    form = await _posted(request)
    if not sees_names(visit):
        raise PageRefused(
            f"only a reviewer or an admin of {visit.state} sees residents' names and writes "
            "their letters",
            403,
        )
    made = results_of(request).get(str(form.get("token", "")), visit.account.name, visit.state)
    if made is None:
        raise PageRefused(
            f"this result is no longer kept (results are kept {KEPT_S // 60} minutes): look "
            "the resident up again",
            410,
        )
    fmt = str(form.get("format", ""))
    if fmt not in ("pdf", "html"):
        raise PageRefused("format: expected pdf or html", 400)
    try:
        written = resident.letter(made, site.desks.settings(visit.state).contact())
    except UsageError as e:
        raise PageRefused(e.message, 409) from None
    if fmt == "pdf":
        body, media = await asyncio.to_thread(resident.letter_pdf, written), "application/pdf"
    else:
        page = site.templates.get_template("resident_letter.html").render(letter=written)
        body, media = page.encode("utf-8"), "text/html; charset=utf-8"
    name = f"{visit.state}-access-report-{made.made_on.isoformat()}.{fmt}"
    headers = {**FILE_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type=media, headers=headers)


routes: list[BaseRoute] = [
    route("/states/{state}/residents", form_page),
    route("/states/{state}/residents", look_up, "POST"),
    route("/states/{state}/residents/letter", letter, "POST"),
]
