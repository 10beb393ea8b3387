"""A state's applied policy sets on disk, and which one is active.

Layout under the state's folder::

    policies/<digest>/*.cedar    every set ever applied, by content (never changed)
    proposed/<digest>/*.cedar    sets proposed on the dashboard to see what they would do
    policy.json                  the active set: digest, when, from where, by whom
                                 (swapped atomically)
    policy-history.jsonl         one line per apply, the same facts

Applying validates the whole set first; an invalid set never becomes active. Because a
set's folder is named by its digest, an audit record's digest always finds the exact
policies that decided it. Who applied a set (``applied_by``: the operator's account on
the machine, or the dashboard account) is kept with it; lines written before it was
recorded read as ``""`` (not recorded).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from statelink.errors import NotFound, PolicyInvalid, PolicyProblem
from statelink.policy.policies import Policies

POINTER = "policy.json"
HISTORY = "policy-history.jsonl"
SETS = "policies"
PROPOSED = "proposed"
KEEP_PROPOSED = 100
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,113}\.cedar")


@dataclass(frozen=True)
class Applied:
    digest: str
    applied_at: str
    source: str
    files: tuple[str, ...]
    applied_by: str = ""  # who applied it ("" where it was not recorded)

    def as_dict(self) -> dict[str, object]:
        return {
            "digest": self.digest,
            "applied_at": self.applied_at,
            "source": self.source,
            "files": list(self.files),
            "applied_by": self.applied_by,
        }

    @classmethod
    def of(cls, data: dict[str, Any]) -> Applied:
        """From :meth:`as_dict`'s JSON (a line written before ``applied_by`` lacks it)."""
        return cls(
            data["digest"],
            data["applied_at"],
            data["source"],
            tuple(data["files"]),
            str(data.get("applied_by", "")),
        )


class PolicyStore:
    def __init__(self, state: str, root: Path) -> None:
        self.state = state
        self.root = root

    @property
    def pointer_path(self) -> Path:
        return self.root / POINTER

    def applied(self) -> Applied | None:
        try:
            data = json.loads(self.pointer_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        return Applied.of(data)

    def active(self) -> Policies:
        """The active set, checked against its digest; raises if none or if tampered with."""
        applied = self.applied()
        if applied is None:
            raise NotFound(f"no policy set has been applied for {self.state}")
        return self.load(applied.digest)

    def load(self, digest: str) -> Policies:
        """A set applied at some time, by digest."""
        return self._load(SETS, digest)

    def proposed(self, digest: str) -> Policies:
        """A set proposed (not applied), by digest."""
        return self._load(PROPOSED, digest)

    def _load(self, kind: str, digest: str) -> Policies:
        folder = self.root / kind / digest
        if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
            raise NotFound(f"{self.state} has no policy set with digest {digest[:80]!r}")
        if not folder.is_dir():
            raise NotFound(f"{self.state} has no policy set with digest {digest}")
        policies = Policies.load(folder)
        if policies.digest != digest:
            raise PolicyInvalid(
                [
                    PolicyProblem(
                        str(folder),
                        "",
                        "the files no longer match their digest: they were changed after apply",
                    )
                ]
            )
        return policies

    def apply(self, source: Path, *, by: str = "") -> Policies:
        return self.apply_files(Policies.load(source).files, str(source), by=by)

    def propose(self, files: dict[str, str], *, keep: int = KEEP_PROPOSED) -> Policies:
        """Validate a set and keep it by digest, without making it active; only the
        ``keep`` most recent proposals are kept."""
        policies = self._keep(files, PROPOSED)
        folder = self.root / PROPOSED
        os.utime(folder / policies.digest)  # the newest, even if proposed before
        kept = sorted(
            (p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for old in kept[keep:]:
            shutil.rmtree(old, ignore_errors=True)
        return policies

    def apply_files(self, files: dict[str, str], source: str, *, by: str = "") -> Policies:
        """Validate a set, keep it by digest and make it active in one atomic step;
        ``by``: who applies it (recorded with it)."""
        policies = self._keep(files, SETS)
        applied = Applied(
            policies.digest,
            dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            source,
            tuple(policies.files),
            by.strip()[:120],
        )
        self._write_pointer(applied)
        with (self.root / HISTORY).open("a", encoding="utf-8") as history:
            history.write(json.dumps(applied.as_dict()) + "\n")
        return policies

    def _keep(self, files: dict[str, str], kind: str) -> Policies:
        """Validate a set and write it under ``kind/<digest>`` (once: it never changes)."""
        bad = [name for name in files if not FILE_NAME.fullmatch(name)]
        if bad:
            raise PolicyInvalid(
                [
                    PolicyProblem(
                        name[:80], "", "a file name of 1-120 letters, digits, . _ - ending .cedar"
                    )
                    for name in bad
                ]
            )
        # as Policies.load reads files back (universal newlines), so the digest holds
        files = {n: t.replace("\r\n", "\n").replace("\r", "\n") for n, t in files.items()}
        policies = Policies.from_files(files)
        folder = self.root / kind / policies.digest
        if not folder.is_dir():
            folder.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".staging-"))
            for name, text in policies.files.items():
                (staging / name).write_text(text, encoding="utf-8")
            try:
                staging.rename(folder)
            except OSError:  # another apply of the same set won the race
                shutil.rmtree(staging, ignore_errors=True)
        return policies

    def history(self) -> list[Applied]:
        try:
            lines = (self.root / HISTORY).read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        return [Applied.of(json.loads(line)) for line in lines]

    def _write_pointer(self, applied: Applied) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".policy-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(applied.as_dict(), f, indent=2)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.pointer_path)
