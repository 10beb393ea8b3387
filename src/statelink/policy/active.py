"""A state's applied policy sets on disk, and which one is active.

Layout under the state's folder::

    policies/<digest>/*.cedar    every set ever applied, by content (never changed)
    policy.json                  the active set: digest, when, from where (swapped atomically)
    policy-history.jsonl         one line per apply

Applying validates the whole set first; an invalid set never becomes active. Because a
set's folder is named by its digest, an audit record's digest always finds the exact
policies that decided it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from statelink.errors import NotFound, PolicyInvalid, PolicyProblem
from statelink.policy.policies import Policies

POINTER = "policy.json"
HISTORY = "policy-history.jsonl"
SETS = "policies"


@dataclass(frozen=True)
class Applied:
    digest: str
    applied_at: str
    source: str
    files: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "digest": self.digest,
            "applied_at": self.applied_at,
            "source": self.source,
            "files": list(self.files),
        }


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
        return Applied(data["digest"], data["applied_at"], data["source"], tuple(data["files"]))

    def active(self) -> Policies:
        """The active set, checked against its digest; raises if none or if tampered with."""
        applied = self.applied()
        if applied is None:
            raise NotFound(f"no policy set has been applied for {self.state}")
        return self.load(applied.digest)

    def load(self, digest: str) -> Policies:
        """A set applied at some time, by digest."""
        folder = self.root / SETS / digest
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

    def apply(self, source: Path) -> Policies:
        return self.apply_files(Policies.load(source).files, str(source))

    def apply_files(self, files: dict[str, str], source: str) -> Policies:
        """Validate a set, keep it by digest and make it active in one atomic step."""
        policies = Policies.from_files(files)
        folder = self.root / SETS / policies.digest
        if not folder.is_dir():
            folder.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".staging-"))
            for name, text in policies.files.items():
                (staging / name).write_text(text, encoding="utf-8")
            try:
                staging.rename(folder)
            except OSError:  # another apply of the same set won the race
                shutil.rmtree(staging, ignore_errors=True)
        applied = Applied(
            policies.digest,
            dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            source,
            tuple(policies.files),
        )
        self._write_pointer(applied)
        with (self.root / HISTORY).open("a", encoding="utf-8") as history:
            history.write(json.dumps(applied.as_dict()) + "\n")
        return policies

    def history(self) -> list[Applied]:
        try:
            lines = (self.root / HISTORY).read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        return [
            Applied(d["digest"], d["applied_at"], d["source"], tuple(d["files"]))
            for d in map(json.loads, lines)
        ]

    def _write_pointer(self, applied: Applied) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".policy-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(applied.as_dict(), f, indent=2)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.pointer_path)
