"""A state's policy set: a folder of ``.cedar`` files, validated whole or not loaded at all.

Every policy must carry an ``@id`` unique in the set; ``@reason`` and ``@law`` are shown
to requesters and officials. Each file is parsed and validated against the contract
schema on its own, so a refusal names the file, the policy's ``@id`` and the problem.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NotRequired, TypedDict

import cedarpy

from statelink.errors import PolicyInvalid, PolicyProblem, UsageError
from statelink.policy.entities import EntityUid
from statelink.policy.schema import schema

POLICY_SUFFIX = ".cedar"
_POSITIONAL = re.compile(r"`?(policy\d+)`?")
_PREFIX = re.compile(r"^for policy `[^`]*`, ")
_PER_ACTION = re.compile(r' for Statelink::Action::"[A-Z]+"')


class ScopeIn(TypedDict):
    entity: EntityUid


Scope = TypedDict(
    "Scope",
    {
        "op": str,  # "All", "==", "in", "is"
        "entity": EntityUid,
        "entities": list[EntityUid],
        "entity_type": str,
        "in": ScopeIn,
    },
    total=False,
)


class Condition(TypedDict):
    kind: str  # "when" | "unless"
    body: object  # an expression, a tree of JSON objects


class Est(TypedDict):
    """One policy in Cedar's JSON policy format (as cedarpy gives it)."""

    effect: str
    principal: Scope
    action: Scope
    resource: Scope
    conditions: list[Condition]
    annotations: NotRequired[dict[str, str]]


@dataclass(frozen=True, slots=True)
class PolicyInfo:
    id: str
    effect: str  # "permit" | "forbid"
    reason: str
    law: str
    file: str


@dataclass(frozen=True)
class Policies:
    """A valid policy set: its files, digest, per-policy facts and the parsed Cedar handle."""

    files: dict[str, str]  # file name -> Cedar text
    digest: str
    infos: dict[str, PolicyInfo]  # by @id
    handle: cedarpy.PolicySet
    est: dict[str, Est]  # Cedar's JSON form of every policy, by @id

    @classmethod
    def load(cls, path: Path) -> Policies:
        """A folder of ``.cedar`` files, or one file."""
        if path.is_dir():
            files = {
                p.name: p.read_text(encoding="utf-8")
                for p in sorted(path.glob(f"*{POLICY_SUFFIX}"))
            }
            if not files:
                raise PolicyInvalid([PolicyProblem(str(path), "", "no .cedar files in the folder")])
        elif path.is_file():
            files = {path.name: path.read_text(encoding="utf-8")}
        else:
            raise UsageError(f"no policy file or folder at {path}")
        return cls.from_files(files)

    @classmethod
    def from_files(cls, files: dict[str, str]) -> Policies:
        problems: list[PolicyProblem] = []
        infos: dict[str, PolicyInfo] = {}
        est: dict[str, Est] = {}
        for name in sorted(files):
            found = _check_file(name, files[name], problems)
            for policy_id, (info, tree) in found.items():
                if policy_id in infos:
                    problems.append(
                        PolicyProblem(
                            name, policy_id, f"this @id is already used in {infos[policy_id].file}"
                        )
                    )
                infos[policy_id] = info
                est[policy_id] = tree
        if not problems and not infos:
            problems.append(
                PolicyProblem("", "", "the set has no policies: it would deny everything")
            )
        if problems:
            raise PolicyInvalid(problems)
        text = "\n".join(files[name] for name in sorted(files))
        return cls(
            files=dict(sorted(files.items())),
            digest=digest(files),
            infos=infos,
            handle=cedarpy.PolicySet.from_str(text),
            est=est,
        )

    def text(self) -> str:
        return "\n".join(self.files.values())


def digest(files: dict[str, str]) -> str:
    """SHA-256 over the sorted file names and contents: the set's identity in audit records."""
    canonical = json.dumps(sorted(files.items()), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _check_file(
    name: str, text: str, problems: list[PolicyProblem]
) -> dict[str, tuple[PolicyInfo, Est]]:
    """Parse and validate one file; add its problems; return its policies by @id."""
    try:
        parsed = json.loads(cedarpy.policies_to_json_str(text))
    except ValueError as e:
        problems.append(PolicyProblem(name, "", f"does not parse: {_one_line(str(e))}"))
        return {}
    if parsed.get("templates"):
        problems.append(
            PolicyProblem(
                name,
                "",
                "policy templates (?principal slots) are not allowed; write concrete policies",
            )
        )
    by_position: dict[str, str] = {}
    found: dict[str, tuple[PolicyInfo, Est]] = {}
    for position, tree in parsed.get("staticPolicies", {}).items():
        notes = tree.get("annotations", {})
        policy_id = (notes.get("id") or "").strip()
        if not policy_id:
            problems.append(PolicyProblem(name, position, "has no @id annotation"))
            continue
        by_position[position] = policy_id
        if policy_id in found:
            problems.append(PolicyProblem(name, policy_id, "this @id is used twice in the file"))
        info = PolicyInfo(
            policy_id, tree["effect"], notes.get("reason", ""), notes.get("law", ""), name
        )
        found[policy_id] = (info, tree)
    result = cedarpy.validate_policies(text, schema())
    seen: set[tuple[str, str]] = set()
    for error in result.errors:
        policy_id = by_position.get(error.policy_id, error.policy_id)
        message = _PREFIX.sub("", _one_line(error.error))
        message = _POSITIONAL.sub(
            lambda m: f"`{by_position.get(m.group(1), m.group(1))}`", _PER_ACTION.sub("", message)
        )
        if (policy_id, message) not in seen:
            seen.add((policy_id, message))
            problems.append(PolicyProblem(name, policy_id, message))
    return found


def _one_line(text: str) -> str:
    return " ".join(text.split())
