"""The dashboard's What-if page: what a proposed policy set would change, before a state
adopts it.

- ``GET /dashboard/states/XX/what-if``: pick a template, a set from the state's history,
  or upload a policy folder; with ``?set=...`` the page shows the replay of the state's
  audit log under that set (a before → after flow, the matrix, the serious-crime and
  immigration lines, example records linked to the audit log), the exact difference
  from the set in force, and who could still obtain the state's data;
- ``POST .../what-if/upload``: the ``.cedar`` files of a folder, validated and kept by
  digest (not applied), then shown as ``?set=upload:DIGEST``;
- ``POST .../what-if/apply``: a state admin makes the set active, through the same
  validated, atomic apply as ``statelink policy apply``.

Every viewer of the state may run it. The work runs in a worker thread, so the switch
keeps answering meanwhile; results are kept until the log, the set in force or the
period changes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections import OrderedDict
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from starlette.datastructures import UploadFile

from statelink.errors import PolicyInvalid, StatelinkError, UsageError
from statelink.impact import Candidate, Coverage, Diff, Replay, WhatIf, Who, resolve
from statelink.nation import Layout, open_policy_store
from statelink.policy.templates import TEMPLATES
from statelink.reports import charts
from statelink.reports.report import Period
from statelink.reports.table import AuditTable
from statelink.web.site import Site, csrf_ok

UPLOAD = "upload:"
MAX_FILES = 50
MAX_FILE_BYTES = 256 * 1024
KEPT = 8
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,113}\.cedar")


class Studies:
    """Each state's what-if results, kept while nothing they depend on changes."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self._whatif: WhatIf | None = None
        self._kept: OrderedDict[tuple[Any, ...], tuple[Replay, Diff, Coverage]] = OrderedDict()

    @property
    def whatif(self) -> WhatIf:
        if self._whatif is None:
            self._whatif = WhatIf(self.layout)
        return self._whatif

    def candidate(self, state: str, spec: str) -> Candidate:
        if spec.startswith(UPLOAD):
            policies = open_policy_store(self.layout, state).proposed(spec[len(UPLOAD) :])
            return Candidate(policies, f"{UPLOAD}{policies.digest[:12]}")
        if not spec.startswith(("template:", "history:")):
            raise UsageError(f"choose a template, a set from the history or an upload: {spec!r}")
        return resolve(spec, state=state, layout=self.layout)

    def study(
        self, state: str, candidate: Candidate, period: Period
    ) -> tuple[Replay, Diff, Coverage]:
        active = resolve("active", state=state, layout=self.layout)
        size = AuditTable(self.layout.analytics(state)).size()
        key = (state, candidate.policies.digest, active.policies.digest, size, period)
        found = self._kept.get(key)
        if found is None:
            whatif = self.whatif
            found = (
                whatif.simulate(state, candidate, period),
                whatif.diff(state, active, candidate),
                whatif.coverage(state, candidate, Who()),
            )
            self._kept[key] = found
            if len(self._kept) > KEPT:
                self._kept.popitem(last=False)
        return found


def _day(value: str, name: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise UsageError(f"{name}: expected a date as YYYY-MM-DD, given {value[:40]!r}") from None


async def _files(request: Request) -> dict[str, str]:
    """The uploaded ``.cedar`` files by name (other files of the folder are left out)."""
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
        if not _NAME.fullmatch(name):
            raise UsageError(f"{name[:80]!r}: name .cedar files with letters, digits, . _ -")
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


def install(router: APIRouter, site: Site, layout: Layout) -> Studies:
    studies = Studies(layout)

    @router.get("/states/{state}/what-if")
    async def what_if(request: Request, state: str) -> Response:
        who = site.state_page(request, state)
        if isinstance(who, Response):
            return who
        account, code = who
        params = {k: request.query_params.get(k, "")[:200] for k in ("set", "since", "until")}
        store = open_policy_store(layout, code)
        values: dict[str, Any] = {
            "account": account,
            "state": code,
            "templates": TEMPLATES,
            "history": list(reversed(store.history())),
            "applied": store.applied(),
            "chosen": params,
            "can_apply": account.administers(code),
            "flash": request.session.pop("flash", ""),
        }
        if not params["set"]:
            return site.page(request, "whatif.html", **values)
        try:
            candidate = studies.candidate(code, params["set"])
            period = Period(_day(params["since"], "since"), _day(params["until"], "until"))
            replay, diff, coverage = await asyncio.to_thread(studies.study, code, candidate, period)
        except PolicyInvalid as e:
            return site.page(request, "whatif.html", 400, problems=e.problems, **values)
        except StatelinkError as e:
            return site.page(request, "whatif.html", 400, error=e.message, **values)
        made = replay.as_dict(studies.whatif.names(), 10)
        return site.page(
            request,
            "whatif.html",
            candidate=candidate,
            replay=made,
            diff=diff,
            coverage=coverage,
            flow=Markup(_flow(made["outcomes"], code)),
            **values,
        )

    @router.post("/states/{state}/what-if/upload")
    async def upload(request: Request, state: str) -> Response:
        who = site.state_page(request, state)
        if isinstance(who, Response):
            return who
        account, code = who
        try:
            policies = open_policy_store(layout, code).propose(await _files(request))
        except PolicyInvalid as e:
            return site.page(
                request,
                "whatif.html",
                400,
                account=account,
                state=code,
                templates=TEMPLATES,
                history=[],
                chosen={},
                problems=e.problems,
            )
        except StatelinkError as e:
            return site.refused(request, account, e.message, 400)
        target = urlencode({"set": f"{UPLOAD}{policies.digest}"})
        return RedirectResponse(f"/dashboard/states/{code}/what-if?{target}", status_code=303)

    @router.post("/states/{state}/what-if/apply")
    async def apply(request: Request, state: str) -> Response:
        who = site.state_page(request, state)
        if isinstance(who, Response):
            return who
        account, code = who
        form = await request.form(max_files=0, max_fields=5)
        if not csrf_ok(request, str(form.get("csrf", ""))):
            return site.refused(
                request, account, "the form expired: reload the page and try again", 400
            )
        if not account.administers(code):
            return site.refused(request, account, f"only an admin of {code} can apply a set", 403)
        spec = str(form.get("set", ""))[:200]
        try:
            candidate = studies.candidate(code, spec)
            store = open_policy_store(layout, code)
            policies = store.apply_files(
                candidate.policies.files, f"dashboard:{account.name}:{candidate.label}"
            )
        except StatelinkError as e:
            return site.refused(request, account, e.message, 400)
        request.session["flash"] = (
            f"{code}: policy set {policies.digest[:12]} is active (applied by {account.name})"
        )
        target = urlencode({"set": spec})
        return RedirectResponse(f"/dashboard/states/{code}/what-if?{target}", status_code=303)

    return studies


def _flow(outcomes: dict[str, int], state: str) -> str:
    rows = [
        {"before": f"{before} (logged)", "after": f"{after} (candidate)", "n": n}
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
