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
are kept until the log, the set in force, the directory or the period changes.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from starlette.datastructures import UploadFile

from statelink.accounts import Account
from statelink.errors import PolicyInvalid, StatelinkError, UsageError
from statelink.impact import Candidate, Coverage, Diff, WhatIf, Who, resolve
from statelink.nation import Layout, open_policy_store
from statelink.policy.active import FILE_NAME
from statelink.policy.templates import TEMPLATES
from statelink.reports import charts
from statelink.reports.report import Period
from statelink.reports.sources import refreshed
from statelink.web.site import Site, csrf_ok, form_day

UPLOAD = "upload:"
MAX_FILES = 50
MAX_FILE_BYTES = 256 * 1024
MAX_UPLOAD = MAX_FILES * MAX_FILE_BYTES + 64 * 1024
KEPT = 8


@dataclass(frozen=True)
class Study:
    candidate: Candidate
    replay: dict[str, Any]
    diff: Diff
    coverage: Coverage


class Studies:
    """Each state's what-if results, kept while nothing they depend on changes."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self._kept: OrderedDict[tuple[Any, ...], Study] = OrderedDict()
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def candidate(self, state: str, spec: str) -> Candidate:
        if spec.startswith(UPLOAD):
            policies = open_policy_store(self.layout, state).proposed(spec[len(UPLOAD) :])
            return Candidate(policies, f"{UPLOAD}{policies.digest[:12]}")
        if not spec.startswith(("template:", "history:")):
            raise UsageError(f"choose a template, a set from the history or an upload: {spec!r}")
        return resolve(spec, state=state, layout=self.layout)

    def study(self, state: str, spec: str, period: Period) -> Study:
        """The replay, diff and coverage of a set (in a worker thread, one per state)."""
        with self._guard:
            lock = self._locks.setdefault(state, threading.Lock())
        with lock:
            candidate = self.candidate(state, spec)
            whatif = WhatIf(self.layout)  # today's directory
            active = resolve("active", state=state, layout=self.layout)
            size = refreshed(self.layout, state).size()
            key = (
                state,
                candidate.policies.digest,
                active.policies.digest,
                whatif.directory.digest,
                size,
                period,
            )
            found = self._kept.get(key)
            if found is None:
                replay = whatif.simulate(state, candidate, period)
                found = Study(
                    candidate,
                    replay.as_dict(whatif.names()),
                    whatif.diff(state, active, candidate),
                    whatif.coverage(state, candidate, Who()),
                )
                self._kept[key] = found
                if len(self._kept) > KEPT:
                    self._kept.popitem(last=False)
            return found

    def apply(self, state: str, spec: str, account: Account) -> str:
        candidate = self.candidate(state, spec)
        policies = open_policy_store(self.layout, state).apply_files(
            candidate.policies.files, f"dashboard:{account.name}:{candidate.label}"
        )
        return policies.digest


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


class WhatIfPages:
    """The page and its two forms."""

    def __init__(self, site: Site, layout: Layout) -> None:
        self.site = site
        self.layout = layout
        self.studies = Studies(layout)

    def _form(self, account: Account, code: str, chosen: dict[str, str]) -> dict[str, Any]:
        store = open_policy_store(self.layout, code)
        return {
            "account": account,
            "state": code,
            "templates": TEMPLATES,
            "history": list(reversed(store.history())),
            "applied": store.applied(),
            "chosen": chosen,
            "can_apply": account.administers(code),
        }

    async def page(self, request: Request, state: str) -> Response:
        who = self.site.state_page(request, state)
        if isinstance(who, Response):
            return who
        account, code = who
        chosen = {k: request.query_params.get(k, "")[:200] for k in ("set", "since", "until")}
        values = self._form(account, code, chosen)
        values["flash"] = request.session.pop("flash", "")
        if not chosen["set"]:
            return self.site.page(request, "whatif.html", **values)
        try:
            period = Period(form_day(chosen["since"], "since"), form_day(chosen["until"], "until"))
            study = await asyncio.to_thread(self.studies.study, code, chosen["set"], period)
        except PolicyInvalid as e:
            return self.site.page(request, "whatif.html", 400, problems=e.problems, **values)
        except StatelinkError as e:
            return self.site.page(request, "whatif.html", 400, error=e.message, **values)
        return self.site.page(
            request,
            "whatif.html",
            candidate=study.candidate,
            replay=study.replay,
            diff=study.diff,
            coverage=study.coverage,
            flow=Markup(_flow(study.replay["outcomes"], code)),
            **values,
        )

    async def upload(self, request: Request, state: str) -> Response:
        who = self.site.state_page(request, state)
        if isinstance(who, Response):
            return who
        account, code = who
        try:
            files = await _files(request)
            store = open_policy_store(self.layout, code)
            policies = await asyncio.to_thread(store.propose, files)
        except PolicyInvalid as e:
            values = self._form(account, code, {})
            return self.site.page(request, "whatif.html", 400, problems=e.problems, **values)
        except StatelinkError as e:
            return self.site.refused(request, account, e.message, 400)
        target = urlencode({"set": f"{UPLOAD}{policies.digest}"})
        return RedirectResponse(f"/dashboard/states/{code}/what-if?{target}", status_code=303)

    async def apply(self, request: Request, state: str) -> Response:
        who = self.site.state_page(request, state)
        if isinstance(who, Response):
            return who
        account, code = who
        form = await request.form(max_files=0, max_fields=5)
        if not csrf_ok(request, str(form.get("csrf", ""))):
            message = "the form expired: reload the page and try again"
            return self.site.refused(request, account, message, 400)
        if not account.administers(code):
            return self.site.refused(
                request, account, f"only an admin of {code} can apply a set", 403
            )
        spec = str(form.get("set", ""))[:200]
        try:
            digest = await asyncio.to_thread(self.studies.apply, code, spec, account)
        except StatelinkError as e:
            return self.site.refused(request, account, e.message, 400)
        request.session["flash"] = (
            f"{code}: policy set {digest[:12]} is active (applied by {account.name})"
        )
        target = urlencode({"set": spec})
        return RedirectResponse(f"/dashboard/states/{code}/what-if?{target}", status_code=303)


def install(router: APIRouter, site: Site, layout: Layout) -> Studies:
    pages = WhatIfPages(site, layout)
    router.add_api_route("/states/{state}/what-if", pages.page, methods=["GET"])
    router.add_api_route("/states/{state}/what-if/upload", pages.upload, methods=["POST"])
    router.add_api_route("/states/{state}/what-if/apply", pages.apply, methods=["POST"])
    return pages.studies


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
