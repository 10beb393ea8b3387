"""The dashboard's What-if page: what a proposed policy set would change, before a state
adopts it.

- ``GET /dashboard/states/XX/what-if``: pick a template, a set from the state's history,
  or upload a policy folder; with ``?set=...`` the page shows the replay of the state's
  audit log under that set (a before → after flow, the matrix, the serious-crime and
  immigration lines, example records linked to the audit log), the exact difference
  from the set in force, and who could still obtain the state's data;
- ``POST .../what-if/upload``: the ``.cedar`` files of a folder, validated and kept by
  digest (not applied; the newest 100 proposals are kept), then shown as
  ``?set=upload:DIGEST``;
- ``POST .../what-if/apply``: a state admin makes the set active, through the same
  validated, atomic apply as ``statelink policy apply``.

Every viewer of the state may run it. Validation and the work itself run in a worker
thread, one study per state at a time, so the switch keeps answering meanwhile; results
are kept (:class:`~statelink.web.studies.Studies`) until the log, the set in force, the
directory or the period changes.
"""

from __future__ import annotations

import asyncio
from typing import TypedDict
from urllib.parse import urlencode

from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from starlette.datastructures import UploadFile
from starlette.routing import BaseRoute

from statelink.accounts import Account
from statelink.errors import PageRefused, PolicyInvalid, StatelinkError, UsageError
from statelink.nation import open_policy_store
from statelink.policy.active import FILE_NAME, Applied
from statelink.policy.templates import TEMPLATES, Template
from statelink.reports import charts
from statelink.reports.anchor import statement
from statelink.reports.report import Period
from statelink.web.signin import OnState
from statelink.web.site import Shared, Site, csrf_ok, form_day, route
from statelink.web.studies import UPLOAD

MAX_FILES = 50
MAX_FILE_BYTES = 256 * 1024
MAX_UPLOAD = MAX_FILES * MAX_FILE_BYTES + 64 * 1024


async def _files(request: Request) -> dict[str, str]:
    """The uploaded ``.cedar`` files by name (other files of the folder are left out)."""
    length = request.headers.get("content-length", "")
    if not length.isdigit() or int(length) > MAX_UPLOAD:
        raise UsageError(f"an upload may be at most {MAX_UPLOAD // (1024 * 1024)} MiB")
    try:
        form = await request.form(max_files=MAX_FILES, max_fields=10)
    except HTTPException as e:  # too many files or fields, a malformed body
        raise UsageError(f"the upload was refused: {e.detail}") from None
    if not csrf_ok(request, str(form.get("csrf", ""))):
        raise UsageError("the form expired: reload the page and try again")
    files: dict[str, str] = {}
    for item in form.getlist("files"):
        if not isinstance(item, UploadFile) or not item.filename:
            continue
        name = item.filename.replace("\\", "/").rsplit("/", 1)[-1]
        if not name.endswith(".cedar"):
            continue
        if not FILE_NAME.fullmatch(name) or name in files:
            raise UsageError(
                f"{name[:80]!r}: name each .cedar file once, with letters, digits, . _ -"
            )
        body = await item.read(MAX_FILE_BYTES + 1)
        if len(body) > MAX_FILE_BYTES:
            raise UsageError(f"{name}: a policy file may be at most {MAX_FILE_BYTES // 1024} KiB")
        try:
            files[name] = body.decode("utf-8")
        except UnicodeDecodeError:
            raise UsageError(f"{name}: not UTF-8 text") from None
    if not files:
        raise UsageError("choose a folder (or files) with at least one .cedar file")
    return files


class _Form(TypedDict):
    """What the page shows whatever was chosen: the templates, the history, the forms."""

    account: Account
    state: str
    templates: dict[str, Template]
    history: list[Applied]
    applied: Applied | None
    chosen: dict[str, str]
    can_apply: bool
    flash: str


def _form(site: Site, account: Account, code: str, chosen: dict[str, str]) -> _Form:
    store = open_policy_store(site.layout, code)
    return _Form(
        account=account,
        state=code,
        templates=TEMPLATES,
        history=list(reversed(store.history())),
        applied=store.applied(),
        chosen=chosen,
        can_apply=account.administers(code),
        flash="",
    )


async def what_if(request: Request, visit: OnState, site: Shared) -> Response:
    code = visit.state
    chosen = {k: request.query_params.get(k, "")[:200] for k in ("set", "since", "until")}
    values = _form(site, visit.account, code, chosen)
    values["flash"] = request.session.pop("flash", "")
    if not chosen["set"]:
        return site.page(request, "whatif.html", **values)
    try:
        period = Period(form_day(chosen["since"], "since"), form_day(chosen["until"], "until"))
        study = await asyncio.to_thread(site.studies.study, code, chosen["set"], period)
    except PolicyInvalid as e:
        return site.page(request, "whatif.html", 400, problems=e.problems, **values)
    except StatelinkError as e:
        return site.page(request, "whatif.html", 400, error=e.message, **values)
    return site.page(
        request,
        "whatif.html",
        candidate=study.candidate,
        replay=study.replay,
        diff=study.diff,
        coverage=study.coverage,
        flow=Markup(_flow(study.replay["outcomes"], code)),
        covers=statement(study.replay["anchor"], code),
        **values,
    )


async def upload(request: Request, visit: OnState, site: Shared) -> Response:
    code = visit.state
    try:
        files = await _files(request)
        store = open_policy_store(site.layout, code)
        policies = await asyncio.to_thread(store.propose, files)
    except PolicyInvalid as e:
        values = _form(site, visit.account, code, {})
        return site.page(request, "whatif.html", 400, problems=e.problems, **values)
    except StatelinkError as e:
        raise PageRefused(e.message, 400) from None
    target = urlencode({"set": f"{UPLOAD}{policies.digest}"})
    return RedirectResponse(f"/dashboard/states/{code}/what-if?{target}", status_code=303)


async def apply(request: Request, visit: OnState, site: Shared) -> Response:
    account, code = visit.account, visit.state
    form = await request.form(max_files=0, max_fields=5)
    if not csrf_ok(request, str(form.get("csrf", ""))):
        raise PageRefused("the form expired: reload the page and try again", 400)
    if not account.administers(code):
        raise PageRefused(f"only an admin of {code} can apply a set", 403)
    spec = str(form.get("set", ""))[:200]
    try:
        digest = await asyncio.to_thread(site.studies.apply, code, spec, account)
    except StatelinkError as e:
        raise PageRefused(e.message, 400) from None
    request.session["flash"] = (
        f"{code}: policy set {digest[:12]} is active (applied by {account.name})"
    )
    target = urlencode({"set": spec})
    return RedirectResponse(f"/dashboard/states/{code}/what-if?{target}", status_code=303)


routes: list[BaseRoute] = [
    route("/states/{state}/what-if", what_if),
    route("/states/{state}/what-if/upload", upload, "POST"),
    route("/states/{state}/what-if/apply", apply, "POST"),
]


def _flow(outcomes: dict[str, int], state: str) -> str:
    rows = [
        charts.Path((f"{before} (logged)", f"{after} (candidate)"), n)
        for key, n in outcomes.items()
        if n
        for before, after in [key.split("->")]
    ]

    def link(filters: dict[str, str]) -> str:
        before = filters.get("before", "")
        if not before or "after" in filters:
            return ""
        return f"/dashboard/states/{state}/records?decision={before.split(' ')[0]}"

    return charts.flow(
        rows,
        link,
        height=260,
        columns=("before", "after"),
        colored=("before", "after"),
        label="Decisions as logged, and under the candidate set",
    )
