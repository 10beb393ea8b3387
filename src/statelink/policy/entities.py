"""The Cedar entities a policy decides over, built from the directory.

Every agency becomes ``Statelink::Agency::"<ORI>"`` with its directory attributes, a
member of ``Statelink::AgencyGroup::"<group>"`` for each of its groups; every state's
datasets become ``Statelink::Dataset::"<STATE>/driver"`` and ``".../vehicle"``. The set is
parsed once per directory (by digest) and shared by every node in the process; actions
and their groups come from the schema.
"""

from __future__ import annotations

import json
import threading
from typing import TypedDict

import cedarpy

from statelink.directory import Agency, Directory
from statelink.messages.keys import DATASET_KINDS
from statelink.policy.schema import NAMESPACE, schema
from statelink.states import CODES

AGENCY = f"{NAMESPACE}::Agency"
GROUP = f"{NAMESPACE}::AgencyGroup"
DATASET = f"{NAMESPACE}::Dataset"
ACTION = f"{NAMESPACE}::Action"

_lock = threading.Lock()
_cache: dict[str, cedarpy.Entities] = {}


class EntityUid(TypedDict):
    type: str  # "Statelink::Agency"
    id: str


class EntityDocument(TypedDict):
    """One entity in Cedar's JSON entity format."""

    uid: EntityUid
    attrs: dict[str, str]
    parents: list[EntityUid]


def entity_documents(directory: Directory) -> list[EntityDocument]:
    """The Cedar JSON entity documents for a directory."""
    documents = [group_document(group) for group in directory.groups()]
    documents.extend(agency_document(agency) for agency in directory)
    documents.extend(dataset_document(state, kind) for state in CODES for kind in DATASET_KINDS)
    return documents


def group_document(group: str) -> EntityDocument:
    return {"uid": {"type": GROUP, "id": group}, "attrs": {}, "parents": []}


def dataset_document(state: str, kind: str) -> EntityDocument:
    return {
        "uid": {"type": DATASET, "id": f"{state}/{kind}"},
        "attrs": {"state": state, "kind": kind},
        "parents": [],
    }


def agency_document(agency: Agency) -> EntityDocument:
    """One agency as a Cedar entity: its attributes, and a member of each of its groups."""
    return {
        "uid": {"type": AGENCY, "id": agency.ori},
        "attrs": {
            "ori": agency.ori,
            "state": agency.state,
            "kind": agency.kind,
            "department": agency.department,
            "component": agency.component,
        },
        "parents": [{"type": GROUP, "id": group} for group in agency.groups],
    }


def entities(directory: Directory) -> cedarpy.Entities:
    """The parsed entities of this directory: built on first use, then reused."""
    with _lock:
        cached = _cache.get(directory.digest)
        if cached is None:
            text = json.dumps(entity_documents(directory))
            cached = cedarpy.Entities.from_json_str(text, schema())
            _cache.clear()  # keep only the current directory's entities
            _cache[directory.digest] = cached
        return cached
