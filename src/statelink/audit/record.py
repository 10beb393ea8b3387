"""The audit record of contract 3: one per (message, owner state), before any answer leaves.

The leaf of the Merkle tree is the record's **canonical JSON**: keys sorted, UTF-8, no
spaces. A record holds only strings, integers, booleans, lists and objects (no floats:
latency is whole microseconds), so these are exactly the bytes of Python's
``json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()``
(written with orjson, for speed).

A record holds what is needed to replay its decision: the requester's directory
attributes and groups at that moment, the whole Cedar context (purpose, reason, warrant,
case number, offense, serious crime, certification, in-state, multi-state, review), the
deciding policies and the policy set's digest. It holds no personal data in clear: the
searched values, the released records (and vehicle owners) and the operator are keyed
hashes (HMAC-SHA-256 with the node's key, kept out of the audit store). ``records``
holds the keyed hashes of every released record (``driver:<OLN>``, ``vehicle:<VIN>``)
and of each released vehicle's owner (``driver:<OLN>``), so that a notice or a
resident's access report finds every access to a person's records.

Example (one line in the log)::

    {"context":{"case_number":"","certified":true,...,"purpose":"C",...},"control":"",
     "dataset":"WA/driver","decision":"permit","detail":"","latency_us":412,
     "message_id":"01A2...","mke":"DQ","node":"WA","operator":"","owner":"WA",
     "policies":["cj-access"],"policy_digest":"8434...","received_at":"2026-...",
     "records":["5f1c..."],"released":1,"requester":{"component":"","department":"",
     "groups":["local-law-enforcement"],"kind":"PD","ori":"NY0303000"},"search":"a9b0...",
     "seq":41,"status":"HIT","time":"2026-11-22T20:03:41.117Z","v":1}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from statelink.directory import Agency
from statelink.messages.envelope import Envelope

RECORD_VERSION = 1


def canonical(record: Mapping[str, Any]) -> bytes:
    """The bytes that are hashed into the log."""
    return orjson.dumps(record, option=orjson.OPT_SORT_KEYS)


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Entry:
    """A record waiting for its sequence number and its keyed hashes.

    ``content`` holds no personal data. The personal values (the search, the operator,
    the released records) travel beside it only as far as the audit service, which
    replaces them with keyed hashes (``search``, ``operator``, ``records``) before the
    record is written.
    """

    content: dict[str, Any]
    search: str  # "DQ:OLN=WDL..." : what was searched
    operator: str  # who typed it, "" if not given
    subjects: tuple[str, ...]  # "driver:<OLN>", "vehicle:<VIN>": everything released


def build_entry(
    *,
    node: str,
    envelope: Envelope,
    agency: Agency | None,
    dataset: str,
    context: Mapping[str, Any],
    decision: str,
    policies: Sequence[str],
    policy_digest: str,
    status: str,
    released: int,
    subjects: Sequence[str],
    search: str,
    operator: str,
    latency_ms: float,
    detail: str = "",
) -> Entry:
    """The record of one answer. ``subjects``, ``search`` and ``operator`` are personal
    values in clear: the audit service hashes them (see :class:`Entry`)."""
    message = envelope.message
    requester = {
        "ori": message.ori,
        "kind": agency.kind if agency else "",
        "department": agency.department if agency else "",
        "component": agency.component if agency else "",
        "groups": list(agency.groups) if agency else [],
    }
    content = {
        "v": RECORD_VERSION,
        "time": utc_now(),
        "received_at": envelope.received_at,
        "node": node,
        "message_id": envelope.message_id,
        "control": message.control,
        "mke": message.mke,
        "requester": requester,
        "owner": node,
        "dataset": dataset,
        "context": dict(context),
        "decision": decision,
        "policies": list(policies),
        "policy_digest": policy_digest,
        "status": status,
        "released": released,
        "latency_us": round(latency_ms * 1000),
        "detail": detail,
    }
    return Entry(content, search, operator, tuple(subjects))
