"""The audit record of a look-up: an official of a state ran a resident's access report.

Who looked at whose access history is itself something the state must be able to show,
so a look-up is written to the state's audit log like an answer, before its result is
shown, as an :class:`~statelink.audit.record.AuditRecord` of the same shape (so that
``audit verify``, ``audit show``, exports, the report copy and the record card handle it
as any other record) and of a status of its own, :data:`ACCESS_REPORT`:

- ``context`` holds who ran it, in clear (an official is accountable, not protected):
  ``{"lookup": "licence" | "plate", "account": <name>, "role": <role>}``, and
  ``detail`` says it in a sentence;
- ``search`` is the keyed hash of what was looked up, as the audit service hashes every
  searched value: ``driver:<OLN>`` (the very hash the records of that licence's releases
  hold, so the look-ups of a person can be found like their accesses) or
  ``plate:<PLATE>``; nothing in clear;
- no message key, requester, decision or policy, nothing released (``records`` empty):
  reports count the answers to messages (statuses ``HIT``, ``DENIED``...), never a
  look-up, and a resident's access report never lists one as an access.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from statelink.audit.record import AuditRecord, Entry, Requester, utc_now

ACCESS_REPORT = "ACCESS_REPORT"
"""The status of a look-up's record (not an answer: no report counts it as a request)."""


class LookupKind(StrEnum):
    """What an official looked a resident up by."""

    LICENCE = "licence"
    PLATE = "plate"

    @property
    def words(self) -> str:
        return "licence number" if self is LookupKind.LICENCE else "plate"

    @property
    def dataset(self) -> str:
        return "driver" if self is LookupKind.LICENCE else "vehicle"

    def searched(self, value: str) -> str:
        """The value as the audit service hashes it (``driver:<OLN>``, ``plate:<PLATE>``)."""
        return f"{'driver' if self is LookupKind.LICENCE else 'plate'}:{value}"


@dataclass(frozen=True)
class Official:
    """Who ran a look-up: a dashboard account and its role."""

    account: str
    role: str


def lookup_entry(
    state: str, official: Official, kind: LookupKind, value: str, lookup_id: str
) -> Entry:
    """The record of a look-up of ``value`` (in clear: the audit service keeps only its
    keyed hash), numbered ``lookup_id`` (a message id's form)."""
    now = utc_now()
    record = AuditRecord(
        time=now,
        received_at=now,
        node=state,
        message_id=lookup_id,
        control="",
        mke="",
        requester=Requester(""),
        owner=state,
        dataset=f"{state}/{kind.dataset}",
        context={"lookup": str(kind), "account": official.account, "role": official.role},
        decision="",
        policies=(),
        policy_digest="",
        status=ACCESS_REPORT,
        released=0,
        latency_us=0,
        detail=(
            f"a resident's access report by {kind.words}, run on the dashboard by "
            f"{official.account} ({official.role})"
        ),
    )
    return Entry(record, search=kind.searched(value), operator="")


def official_of(record: AuditRecord) -> Official | None:
    """Who ran the look-up a record logs (None: the record is not a look-up's)."""
    if record.status != ACCESS_REPORT:
        return None
    return Official(str(record.context.get("account", "")), str(record.context.get("role", "")))
