"""Responses: the records a state releases, each state's answer, and the hub's merged reply.

Response keys follow the query: DQ→DR, DNQ→DNR, KQ→KR, RQ→RR, RNQ→RNR, RPQ→RPR.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Status(StrEnum):
    """What one destination state did with a message."""

    HIT = "HIT"  # records released
    NO_HIT = "NO_HIT"  # searched, nothing found
    DENIED = "DENIED"  # the state's policy refused; reasons say why
    HELD = "HELD"  # refused for now, waiting for case-by-case review
    UNAVAILABLE = "UNAVAILABLE"  # timeout, node down, or its audit could not be written
    REJECTED = "REJECTED"  # invalid for that state


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Address(_Frozen):
    street: str
    city: str
    state: str  # USPS code
    zip: str


class DriverEvent(_Frozen):
    date: str  # ISO date
    kind: str  # ISSUED RENEWED CONVICTION SUSPENSION REINSTATEMENT ACCIDENT ...
    code: str = ""
    description: str = ""


class DriverRecord(_Frozen):
    """One licensed driver: DR, DNR; with ``history`` filled for KR."""

    state: str
    oln: str
    name: str  # LAST, FIRST MIDDLE
    dob: str  # CCYYMMDD
    sex: str
    address: Address
    height_in: int
    eyes: str
    license_class: str
    status: str  # VALID SUSPENDED REVOKED EXPIRED CANCELLED
    restrictions: str
    issued: str  # ISO date
    expires: str  # ISO date
    history: list[DriverEvent] = Field(default_factory=list)


class VehicleRecord(_Frozen):
    """One registered vehicle: RR, RNR, RPR."""

    state: str
    plate: str
    plate_year: int
    plate_type: str
    vin: str
    make: str
    model: str
    year: int
    color: str
    owner_name: str
    owner_address: Address


class PolicyReason(_Frozen):
    """A deciding policy, shown to the requester for a DENIED or HELD answer."""

    id: str
    reason: str = ""
    law: str = ""


class Receipt(_Frozen):
    """Proof that a state logged its part of an answer: with it, an agency can later get
    an inclusion proof of its query in the state's signed audit log."""

    log: str  # the log's origin (its checkpoint key name)
    seq: int  # the record's sequence number (leaf index)
    leaf_hash: str  # hex SHA-256 of 0x00 || the record's canonical JSON


class StateAnswer(_Frozen):
    """One destination state's answer to one message."""

    state: str
    status: Status
    drivers: list[DriverRecord] = Field(default_factory=list)
    vehicles: list[VehicleRecord] = Field(default_factory=list)
    reasons: list[PolicyReason] = Field(default_factory=list)
    detail: str = ""  # why, for REJECTED and UNAVAILABLE
    elapsed_ms: float = 0.0
    receipt: Receipt | None = None  # every answer a node gives is logged first

    @property
    def record_count(self) -> int:
        return len(self.drivers) + len(self.vehicles)


class HubResponse(_Frozen):
    """The hub's merged reply to one message.

    ``answers`` holds every destination's answer, except that an ``NL`` reply drops
    the NO_HIT ones; ``summary`` always has every destination's status.
    """

    message_id: str
    mke: str  # the response key: DR, DNR, KR, RR, RNR or RPR
    ori: str
    control: str = ""
    destinations: list[str]
    answers: list[StateAnswer]
    summary: dict[str, Status]
    elapsed_ms: float

    def counts(self) -> dict[str, int]:
        """How many destinations ended in each status, in Status order, zeros left out."""
        values = list(self.summary.values())
        return {s.value: values.count(s) for s in Status if s in values}
