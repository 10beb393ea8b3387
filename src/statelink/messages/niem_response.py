"""The hub's merged answer in the Nlets 4.00 layout, both directions (see niem.py).

One ``n2:NLETS`` document per reply: the header (the response key, from the state that
answered or ``NL`` for several, to the requesting ORI, the control field, and the hub's
receive date and time when the message id carries them), then ``n2:NLETSResponseData``
holding the answer twice, as Nlets does: ``n2:ResponseText``, free text for people (CDATA),
and the structured answer: ``sl:ResponseAugmentation`` (message id, destinations, every
destination's status, elapsed time) and one ``sl:StateAnswer`` per answer (status, detail,
receipt, deciding policies, ``sl:Driver`` and ``sl:Vehicle`` records). Reading one back
(:func:`decode_response_xml`) uses the structured part only, so
``decode_response_xml(encode_response_xml(r)) == r``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from lxml import etree
from pydantic import ValidationError

import statelink.messages.fields as rules
from statelink.errors import MessageInvalid
from statelink.messages.model import field_errors
from statelink.messages.niem_document import (
    N2,
    NAMESPACES,
    NC,
    NH2,
    SL,
    add,
    cdata,
    header,
    nlets_root,
    read_document,
    serialize,
    text,
)
from statelink.messages.response import (
    Address,
    DriverRecord,
    HubResponse,
    StateAnswer,
    VehicleRecord,
)

NETWORK = "NL"
"""The origin of an answer from several states: the network, as a query to all is sent to NL."""

_HUB_ID = re.compile(r"[0-9A-F]{32}")
"""A hub message id: 12 hex digits of milliseconds since 1970 (UTC), then 20 random ones."""


def encode_response_xml(reply: HubResponse) -> str:
    """The hub's reply as one Nlets 4.00 document (valid against ``schemas/nlets.xsd``)."""
    root = nlets_root(("n2", "nh2", "nc", "sl"))
    origin = reply.destinations[0] if len(reply.destinations) == 1 else NETWORK
    head = header(root, reply.mke, origin, [reply.ori], reply.control)
    received = _received(reply.message_id)
    if received is not None:
        add(head, NH2, "MessageReceiveDate", received.strftime("%m/%d/%Y"))
        add(head, NH2, "MessageReceiveTime", received.strftime("%H:%M"))
    data = add(root, N2, "NLETSResponseData")
    cdata(data, N2, "ResponseText", response_text(reply))
    augmentation = add(data, SL, "ResponseAugmentation")
    add(augmentation, SL, "MessageID", reply.message_id)
    for state in reply.destinations:
        add(augmentation, SL, "DestinationStateCode", state)
    for state, status in reply.summary.items():
        pair = add(augmentation, SL, "StateStatus")
        add(pair, SL, "StateCode", state)
        add(pair, SL, "StatusCode", status.value)
    add(augmentation, SL, "ElapsedMillisecondsNumeric", repr(reply.elapsed_ms))
    for answer in reply.answers:
        _answer(add(data, SL, "StateAnswer"), answer)
    return serialize(root)


def _received(message_id: str) -> dt.datetime | None:
    """When the hub received the message, from its id, if it is a hub message id."""
    if not _HUB_ID.fullmatch(message_id):
        return None
    try:
        return dt.datetime.fromtimestamp(int(message_id[:12], 16) / 1000, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _answer(element: etree._Element, answer: StateAnswer) -> None:
    add(element, SL, "StateCode", answer.state)
    add(element, SL, "StatusCode", answer.status.value)
    add(element, SL, "ElapsedMillisecondsNumeric", repr(answer.elapsed_ms))
    if answer.detail:
        add(element, SL, "DetailText", answer.detail)
    if answer.receipt is not None:
        receipt = add(element, SL, "Receipt")
        add(receipt, SL, "LogOriginText", answer.receipt.log)
        add(receipt, SL, "SequenceNumeric", str(answer.receipt.seq))
        add(receipt, SL, "LeafHashText", answer.receipt.leaf_hash)
    for policy in answer.reasons:
        reason = add(element, SL, "PolicyReason")
        add(reason, SL, "PolicyID", policy.id)
        add(reason, SL, "ReasonText", policy.reason)
        add(reason, SL, "LawText", policy.law)
    for driver in answer.drivers:
        _driver(add(element, SL, "Driver"), driver)
    for vehicle in answer.vehicles:
        _vehicle(add(element, SL, "Vehicle"), vehicle)


def _date(parent: etree._Element, name: str, iso: str) -> None:
    add(add(parent, NC, name), NC, "Date", iso)


def _full_name(parent: etree._Element, name: str) -> None:
    add(add(parent, NC, "PersonName"), NC, "PersonFullName", name)


def _address(parent: etree._Element, address: Address) -> None:
    element = add(parent, NC, "StructuredAddress")
    add(add(element, NC, "LocationStreet"), NC, "StreetFullText", address.street)
    add(element, NC, "LocationCityName", address.city)
    add(element, NC, "LocationStateUSPostalServiceCode", address.state)
    add(element, NC, "LocationPostalCode", address.zip)


def _driver(element: etree._Element, driver: DriverRecord) -> None:
    _date(element, "PersonBirthDate", rules.iso_date(driver.dob))
    _full_name(element, driver.name)
    add(element, NC, "PersonSexCode", driver.sex)
    add(element, SL, "HeightInchesNumeric", str(driver.height_in))
    add(element, NC, "PersonEyeColorCode", driver.eyes)
    _address(element, driver.address)
    licence = add(add(element, NC, "DriverLicense"), NC, "DriverLicenseIdentification")
    add(licence, NC, "IdentificationID", driver.oln)
    _date(licence, "IdentificationEffectiveDate", driver.issued)
    _date(licence, "IdentificationExpirationDate", driver.expires)
    add(licence, NC, "IdentificationJurisdictionText", driver.state)
    add(element, SL, "LicenseClassCode", driver.license_class)
    add(element, SL, "LicenseStatusCode", driver.status)
    add(element, SL, "LicenseRestrictionText", driver.restrictions)
    for event in driver.history:
        item = add(element, SL, "HistoryEvent")
        _date(item, "ActivityDate", event.date)
        add(item, SL, "EventKindCode", event.kind)
        add(item, SL, "EventCode", event.code)
        add(item, SL, "EventDescriptionText", event.description)


def _vehicle(element: etree._Element, vehicle: VehicleRecord) -> None:
    conveyance = add(element, NC, "Vehicle")
    add(conveyance, NC, "ItemMakeName", vehicle.make)
    add(conveyance, NC, "ItemModelName", vehicle.model)
    add(conveyance, NC, "ItemModelYearDate", f"{vehicle.year:04d}")
    plate = add(conveyance, NC, "ConveyanceRegistrationPlateIdentification")
    add(plate, NC, "IdentificationID", vehicle.plate)
    add(plate, NC, "IdentificationCategoryText", vehicle.plate_type)
    add(add(plate, NC, "IdentificationExpirationDate"), NC, "Year", f"{vehicle.plate_year:04d}")
    add(plate, NC, "IdentificationJurisdictionText", vehicle.state)
    add(conveyance, NC, "VehicleColorPrimaryCode", vehicle.color)
    add(add(conveyance, NC, "VehicleIdentification"), NC, "IdentificationID", vehicle.vin)
    owner = add(element, SL, "Owner")
    _full_name(owner, vehicle.owner_name)
    _address(owner, vehicle.owner_address)


# --- free text ------------------------------------------------------------------------


def response_text(reply: HubResponse) -> str:
    """The reply as a person reads it on a terminal: one block per answering state."""
    control = f" *{reply.control}" if reply.control else ""
    lines = [f"{reply.mke} TO {reply.ori}{control} MESSAGE {reply.message_id}"]
    for answer in reply.answers:
        lines.append(f"{answer.state} {answer.status.value.replace('_', ' ')}{_why(answer)}")
        lines.extend(f"  {line}" for driver in answer.drivers for line in _driver_text(driver))
        lines.extend(f"  {line}" for v in answer.vehicles for line in _vehicle_text(v))
    summary = ", ".join(f"{s} {status.value}" for s, status in reply.summary.items())
    lines.append(f"SUMMARY {summary or 'NO DESTINATION'}")
    return "\n".join(lines)


def _why(answer: StateAnswer) -> str:
    parts = [answer.detail] if answer.detail else []
    for policy in answer.reasons:
        why = " ".join(p for p in (policy.reason, f"({policy.law})" if policy.law else "") if p)
        parts.append(f"{policy.id}: {why}" if why else policy.id)
    count = answer.record_count
    if count:
        parts.append(f"{count} RECORD{'S' if count > 1 else ''}")
    return ": " + "; ".join(parts) if parts else ""


def _address_text(address: Address) -> str:
    return f"{address.street}, {address.city}, {address.state} {address.zip}"


def _driver_text(d: DriverRecord) -> list[str]:
    lines = [
        f"NAM/{d.name}. DOB/{d.dob}. SEX/{d.sex}. OLN/{d.oln}. OLS/{d.state}.",
        f"HGT/{d.height_in // 12}'{d.height_in % 12:02d}\". EYE/{d.eyes}. "
        f"CLASS/{d.license_class}. STATUS/{d.status}. REST/{d.restrictions or 'NONE'}.",
        f"ISSUED/{d.issued}. EXPIRES/{d.expires}.",
        f"ADR/{_address_text(d.address)}.",
    ]
    lines.extend(f"  {e.date} {e.kind} {e.code} {e.description}".rstrip() for e in d.history)
    return lines


def _vehicle_text(v: VehicleRecord) -> list[str]:
    return [
        f"LIC/{v.plate}. LIS/{v.state}. LIY/{v.plate_year}. LIT/{v.plate_type}. VIN/{v.vin}.",
        f"VYR/{v.year}. VMA/{v.make}. VMO/{v.model}. VCO/{v.color}.",
        f"OWNER/{v.owner_name}. ADR/{_address_text(v.owner_address)}.",
    ]


# --- decoding ------------------------------------------------------------------------


def decode_response_xml(body: bytes | str) -> HubResponse:
    """Read a reply written by :func:`encode_response_xml`; anything else: MessageInvalid."""
    root, data = read_document(body, "NLETSResponseData")
    head = root.find("n2:NLETSMessageHeader", NAMESPACES)
    augmentation = data.find("sl:ResponseAugmentation", NAMESPACES)
    reply: dict[str, Any] = {
        "message_id": text(augmentation, "sl:MessageID"),
        "mke": text(head, "nh2:MessageKeyCodeText"),
        "ori": text(head, "nh2:DestinationORIID"),
        "control": (text(head, "nh2:DocumentControlFieldText") or "").strip(rules.ASCII_SPACE),
        "destinations": _texts(augmentation, "sl:DestinationStateCode"),
        "summary": {
            text(pair, "sl:StateCode"): text(pair, "sl:StatusCode")
            for pair in _all(augmentation, "sl:StateStatus")
        },
        "elapsed_ms": text(augmentation, "sl:ElapsedMillisecondsNumeric"),
        "answers": [_read_answer(a) for a in _all(data, "sl:StateAnswer")],
    }
    try:
        return HubResponse.model_validate(reply)
    except ValidationError as e:
        raise MessageInvalid(field_errors(e, reply)) from None


def _all(element: etree._Element | None, path: str) -> list[etree._Element]:
    return [] if element is None else list(element.iterfind(path, NAMESPACES))


def _texts(element: etree._Element | None, path: str) -> list[str]:
    return [e.text or "" for e in _all(element, path)]


def _read_answer(element: etree._Element) -> dict[str, Any]:
    receipt = element.find("sl:Receipt", NAMESPACES)
    answer: dict[str, Any] = {
        "state": text(element, "sl:StateCode"),
        "status": text(element, "sl:StatusCode"),
        "elapsed_ms": text(element, "sl:ElapsedMillisecondsNumeric"),
        "detail": text(element, "sl:DetailText") or "",
        "reasons": [
            {
                "id": text(r, "sl:PolicyID"),
                "reason": text(r, "sl:ReasonText"),
                "law": text(r, "sl:LawText"),
            }
            for r in _all(element, "sl:PolicyReason")
        ],
        "drivers": [_read_driver(d) for d in _all(element, "sl:Driver")],
        "vehicles": [_read_vehicle(v) for v in _all(element, "sl:Vehicle")],
    }
    if receipt is not None:
        answer["receipt"] = {
            "log": text(receipt, "sl:LogOriginText"),
            "seq": text(receipt, "sl:SequenceNumeric"),
            "leaf_hash": text(receipt, "sl:LeafHashText"),
        }
    return answer


def _read_address(element: etree._Element | None) -> dict[str, Any]:
    return {
        "street": text(element, "nc:LocationStreet/nc:StreetFullText"),
        "city": text(element, "nc:LocationCityName"),
        "state": text(element, "nc:LocationStateUSPostalServiceCode"),
        "zip": text(element, "nc:LocationPostalCode"),
    }


def _internal_date(iso: str | None) -> str | None:
    return None if iso is None else iso.replace("-", "")


def _read_driver(element: etree._Element) -> dict[str, Any]:
    licence = element.find("nc:DriverLicense/nc:DriverLicenseIdentification", NAMESPACES)
    return {
        "state": text(licence, "nc:IdentificationJurisdictionText"),
        "oln": text(licence, "nc:IdentificationID"),
        "name": text(element, "nc:PersonName/nc:PersonFullName"),
        "dob": _internal_date(text(element, "nc:PersonBirthDate/nc:Date")),
        "sex": text(element, "nc:PersonSexCode"),
        "address": _read_address(element.find("nc:StructuredAddress", NAMESPACES)),
        "height_in": text(element, "sl:HeightInchesNumeric"),
        "eyes": text(element, "nc:PersonEyeColorCode"),
        "license_class": text(element, "sl:LicenseClassCode"),
        "status": text(element, "sl:LicenseStatusCode"),
        "restrictions": text(element, "sl:LicenseRestrictionText"),
        "issued": text(licence, "nc:IdentificationEffectiveDate/nc:Date"),
        "expires": text(licence, "nc:IdentificationExpirationDate/nc:Date"),
        "history": [
            {
                "date": text(e, "nc:ActivityDate/nc:Date"),
                "kind": text(e, "sl:EventKindCode"),
                "code": text(e, "sl:EventCode"),
                "description": text(e, "sl:EventDescriptionText"),
            }
            for e in _all(element, "sl:HistoryEvent")
        ],
    }


def _read_vehicle(element: etree._Element) -> dict[str, Any]:
    conveyance = element.find("nc:Vehicle", NAMESPACES)
    plate = "nc:ConveyanceRegistrationPlateIdentification"
    return {
        "state": text(conveyance, f"{plate}/nc:IdentificationJurisdictionText"),
        "plate": text(conveyance, f"{plate}/nc:IdentificationID"),
        "plate_year": text(conveyance, f"{plate}/nc:IdentificationExpirationDate/nc:Year"),
        "plate_type": text(conveyance, f"{plate}/nc:IdentificationCategoryText"),
        "vin": text(conveyance, "nc:VehicleIdentification/nc:IdentificationID"),
        "make": text(conveyance, "nc:ItemMakeName"),
        "model": text(conveyance, "nc:ItemModelName"),
        "year": text(conveyance, "nc:ItemModelYearDate"),
        "color": text(conveyance, "nc:VehicleColorPrimaryCode"),
        "owner_name": text(element, "sl:Owner/nc:PersonName/nc:PersonFullName"),
        "owner_address": _read_address(element.find("sl:Owner/nc:StructuredAddress", NAMESPACES)),
    }
