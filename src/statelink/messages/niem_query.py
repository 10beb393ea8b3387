"""A query in the Nlets 4.00 layout, both directions (the layout is described in niem.py).

Reading walks the document once, after the schema has checked its structure: it takes
what the schema fixes by position and looks only optional elements up by name. Writing
puts the document together as text, in f-strings, in the layout the schema describes,
free text escaped (the property tests check each document written against the schema and
read it back). Together they cost less than the field rules that JSON and XML share; the
rest of an XML query's cost is libxml2's parse and schema check (see
benchmarks/message_codecs.py).
"""

from __future__ import annotations

from typing import Any

from lxml import etree

import statelink.messages.fields as rules
from statelink.errors import FieldError, MessageInvalid
from statelink.messages.keys import MESSAGE_KEYS
from statelink.messages.model import Message, Warrant
from statelink.messages.niem_document import N2, N2C, NC, NH2, SL, VERSION, tag

UNSPECIFIED = "U"
"""The purpose of a query without ``sl:PurposeCode``: today's Nlets traffic has none."""


# --- reading ---------------------------------------------------------------------------
#
# The reader trusts what the schema has checked: the order and number of elements. The
# validating parser keeps no comments and no processing instructions (their text around
# them joins in one text node), so an element's children are exactly the elements the
# schema allows, in its order: a header starts with the key and the ORI, a licence with
# its identification, an identification with its number, a warrant with its kind and id.
# Only what is optional is looked up by name.

_DESTINATION = tag(NH2, "DestinationORIID")
_CONTROL = tag(NH2, "DocumentControlFieldText")
_REASON = tag(N2, "ReasonCode")
_VEHICLE = tag(NC, "Vehicle")
_AUGMENTATION = tag(SL, "InquiryAugmentation")
_BIRTH_DATE = tag(NC, "PersonBirthDate")
_NAME = tag(NC, "PersonName")
_SEX = tag(NC, "PersonSexCode")
_PLATE = tag(NC, "ConveyanceRegistrationPlateIdentification")
_VIN = tag(NC, "VehicleIdentification")
_PLATE_TYPE = tag(NC, "IdentificationCategoryText")
_EXPIRATION = tag(NC, "IdentificationExpirationDate")
_WARRANT = tag(SL, "Warrant")

_NAME_PARTS: dict[object, str] = {
    tag(NC, "PersonGivenName"): "given",
    tag(NC, "PersonMiddleName"): "middle",
    tag(NC, "PersonSurName"): "surname",
    tag(NC, "PersonFullName"): "full",
}
_AUGMENTATION_MEMBERS: dict[object, str] = {
    tag(SL, "PurposeCode"): "purpose",
    tag(SL, "OffenseCode"): "offense",
    tag(SL, "CaseNumberText"): "case_number",
    tag(SL, "OperatorName"): "operator",
}


def read(root: etree._Element, inquiry: etree._Element) -> dict[str, Any]:
    """The JSON form of a query document that the schema has accepted, read by the
    validating parser (no comments, no processing instructions), in one pass: its root
    and its ``n2:NLETSInquiryData``."""
    mke, ori, *more = root[0][:]  # the header; a list at once is cheaper than iterating
    fields: dict[str, str] = {}
    dest: list[str] = []
    data: dict[str, Any] = {
        "mke": mke.text or "",
        "ori": ori.text or "",
        "dest": dest,
        "fields": fields,
        "purpose": UNSPECIFIED,
    }
    for element in more:  # destinations, the control field, dates and numbers (not read)
        name = element.tag
        if name == _DESTINATION:
            dest.append(element.text or "")
        elif name == _CONTROL:
            data["control"] = element.text or ""
    for element in inquiry[:]:
        name = element.tag
        if name == _REASON:
            data["reason"] = element.text or ""
        elif name == _AUGMENTATION:
            _read_augmentation(element, data)
        elif name == _VEHICLE:
            _read_vehicle(element, fields)
        else:  # n2:Person, n2c:Driver
            _read_person(element, fields)
    data["purpose"] = data["purpose"] or UNSPECIFIED
    return data


def _read_person(person: etree._Element, fields: dict[str, str]) -> None:
    parts: dict[str, str] = {}
    for element in person[:]:
        name = element.tag
        if name == _NAME:
            parts = {_NAME_PARTS[part.tag]: (part.text or "").strip() for part in element[:]}
        elif name == _BIRTH_DATE:
            fields["DOB"] = element[0].text or ""  # nc:Date (or nc:Year)
        elif name == _SEX:
            fields["SEX"] = element.text or ""
        else:  # nc:DriverLicense/nc:DriverLicenseIdentification
            _read_identification(element[0], "OLN", fields)
    if parts:  # the name after the other fields: errors list them in this order
        fields["NAM"] = _name(parts)


def _read_vehicle(vehicle: etree._Element, fields: dict[str, str]) -> None:
    for element in vehicle[:]:
        name = element.tag
        if name == _PLATE:
            _read_identification(element, "LIC", fields)
        elif name == _VIN:
            _read_identification(element, "VIN", fields)
        else:  # a make, a model, a model year, a colour
            raise _record_only(element)


def _read_identification(
    identification: etree._Element, field: str, fields: dict[str, str]
) -> None:
    """An ``nc:IdentificationType``: its number, then a type, an expiration year (what
    only a record has is refused)."""
    number, *more = identification[:]
    fields[field] = number.text or ""
    for element in more:
        name = element.tag
        if name == _PLATE_TYPE:
            fields["LIT"] = element.text or ""
        elif name == _EXPIRATION:
            fields["LIY"] = (element[0].text or "")[:4]  # nc:Year, or the year of nc:Date
        else:  # an effective date, a jurisdiction
            raise _record_only(element)


def _read_augmentation(augmentation: etree._Element, data: dict[str, Any]) -> None:
    for element in augmentation[:]:
        name = element.tag
        if name == _WARRANT:
            kind, number, *court = element[:]
            warrant = {"kind": kind.text or "", "id": number.text or ""}
            if court:
                warrant["court"] = court[0].text or ""
            data["warrant"] = warrant
        else:
            data[_AUGMENTATION_MEMBERS[name]] = element.text or ""


def _name(parts: dict[str, str]) -> str:
    """``LAST, FIRST MIDDLE`` from the name's parts, or the full name when it has no parts."""
    if "given" not in parts and "surname" not in parts:
        return parts.get("full", "")
    name = f"{parts.get('surname', '')}, {parts.get('given', '')}"
    return f"{name} {parts['middle']}" if parts.get("middle") else name


def _record_only(element: etree._Element) -> MessageInvalid:
    name = f"nc:{etree.QName(element).localname}"
    return MessageInvalid(
        [
            FieldError(
                name,
                "only what a query searches by: a plate (its number, type and year) or a VIN, "
                "a licence number, a name, a date of birth, a sex",
                f"{name} (a detail of a record)",
            )
        ]
    )


# --- writing ---------------------------------------------------------------------------

_START = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<n2:NLETS xmlns:n2="{}" xmlns:nh2="{}" xmlns:nc="{}"'
)
_ROOT = f'{_START.format(N2, NH2, NC)} xmlns:sl="{SL}" n2:version="{VERSION}">\n'
_ROOT_KQ = (
    f'{_START.format(N2, NH2, NC)} xmlns:n2c="{N2C}" xmlns:sl="{SL}" n2:version="{VERSION}">\n'
)
"""The declaration and the root element; a KQ also declares ``n2c`` (for ``n2c:Driver``)."""

_PERSON_KEYS = frozenset(
    code for code, key in MESSAGE_KEYS.items() if key.dataset == "driver" or code == "RNQ"
)
"""The queries about a person (an RNQ, about a vehicle, asks by its owner's name)."""

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _x(value: str) -> str:
    """Free text (a reason, a case number, an operator, a warrant's id and court) as
    element text, escaped; a valid message's values are printable, and XML 1.0 carries
    every printable character. Codes and names are written as they are: their rules let
    through letters, digits, spaces and ``-',*?`` only (the property tests write every
    kind of valid message and read it back)."""
    if "&" in value or "<" in value or ">" in value:
        return value.translate(_ESCAPES)
    return value


def write(message: Message) -> str:
    """A query as an Nlets 4.00 document."""
    mke = message.mke
    kq = mke == "KQ"
    reason = f"    <n2:ReasonCode>{_x(message.reason)}</n2:ReasonCode>\n" if message.reason else ""
    if mke in _PERSON_KEYS:
        person = "n2c:Driver" if kq else "n2:Person"
        search = f"    <{person}>\n{_person(message.fields)}    </{person}>\n"
    else:
        search = f"    <nc:Vehicle>\n{_vehicle(message.fields)}    </nc:Vehicle>\n"
    return (
        f"{_ROOT_KQ if kq else _ROOT}{_header(message)}  <n2:NLETSInquiryData>\n{reason}"
        f"{search}{_augmentation(message)}  </n2:NLETSInquiryData>\n</n2:NLETS>\n"
    )


def _header(message: Message) -> str:
    dest = "".join(
        [f"    <nh2:DestinationORIID>{d}</nh2:DestinationORIID>\n" for d in message.dest]
    )
    control = (
        f"    <nh2:DocumentControlFieldText><![CDATA[{message.control}]]>"
        "</nh2:DocumentControlFieldText>\n"
        if message.control  # letters and digits only
        else ""
    )
    return (
        "  <n2:NLETSMessageHeader>\n"
        f"    <nh2:MessageKeyCodeText>{message.mke}</nh2:MessageKeyCodeText>\n"
        f"    <nh2:OriginatingORIID>{message.ori}</nh2:OriginatingORIID>\n"
        f"{dest}{control}  </n2:NLETSMessageHeader>\n"
    )


def _person(fields: dict[str, str]) -> str:
    birth = name = sex = licence = ""
    if "DOB" in fields:
        birth = (
            "      <nc:PersonBirthDate>\n"
            f"        <nc:Date>{rules.iso_date(fields['DOB'])}</nc:Date>\n"
            "      </nc:PersonBirthDate>\n"
        )
    if "NAM" in fields:
        last, first, middle = rules.split_name(fields["NAM"])
        if middle:
            middle = f"        <nc:PersonMiddleName>{middle}</nc:PersonMiddleName>\n"
        name = (
            "      <nc:PersonName>\n"
            f"        <nc:PersonGivenName>{first}</nc:PersonGivenName>\n{middle}"
            f"        <nc:PersonSurName>{last}</nc:PersonSurName>\n"
            "      </nc:PersonName>\n"
        )
    if "SEX" in fields:
        sex = f"      <nc:PersonSexCode>{fields['SEX']}</nc:PersonSexCode>\n"
    if "OLN" in fields:
        licence = (
            "      <nc:DriverLicense>\n        <nc:DriverLicenseIdentification>\n"
            f"          <nc:IdentificationID>{fields['OLN']}</nc:IdentificationID>\n"
            "        </nc:DriverLicenseIdentification>\n      </nc:DriverLicense>\n"
        )
    return f"{birth}{name}{sex}{licence}"


def _vehicle(fields: dict[str, str]) -> str:
    plate = vin = ""
    if "LIC" in fields:
        kind = year = ""
        if "LIT" in fields:
            kind = (
                "        <nc:IdentificationCategoryText>"
                f"{fields['LIT']}</nc:IdentificationCategoryText>\n"
            )
        if "LIY" in fields:
            year = (
                "        <nc:IdentificationExpirationDate>\n"
                f"          <nc:Year>{fields['LIY']}</nc:Year>\n"
                "        </nc:IdentificationExpirationDate>\n"
            )
        plate = (
            "      <nc:ConveyanceRegistrationPlateIdentification>\n"
            f"        <nc:IdentificationID>{fields['LIC']}</nc:IdentificationID>\n{kind}{year}"
            "      </nc:ConveyanceRegistrationPlateIdentification>\n"
        )
    if "VIN" in fields:
        vin = (
            "      <nc:VehicleIdentification>\n"
            f"        <nc:IdentificationID>{fields['VIN']}</nc:IdentificationID>\n"
            "      </nc:VehicleIdentification>\n"
        )
    return f"{plate}{vin}"


def _augmentation(message: Message) -> str:
    """statelink's fields; the purpose always, so that ``U`` survives a round trip."""
    offense = case = operator = warrant = ""
    if message.offense:
        offense = f"      <sl:OffenseCode>{message.offense}</sl:OffenseCode>\n"
    if message.case_number:
        case = f"      <sl:CaseNumberText>{_x(message.case_number)}</sl:CaseNumberText>\n"
    if message.operator:
        operator = f"      <sl:OperatorName>{_x(message.operator)}</sl:OperatorName>\n"
    if message.warrant is not None:
        warrant = _warrant(message.warrant)
    return (
        f"    <sl:InquiryAugmentation>\n      <sl:PurposeCode>{message.purpose}</sl:PurposeCode>\n"
        f"{offense}{case}{operator}{warrant}    </sl:InquiryAugmentation>\n"
    )


def _warrant(warrant: Warrant) -> str:
    court = f"        <sl:CourtName>{_x(warrant.court)}</sl:CourtName>\n" if warrant.court else ""
    return (
        "      <sl:Warrant>\n"
        f"        <sl:WarrantKindCode>{warrant.kind}</sl:WarrantKindCode>\n"
        f"        <sl:WarrantID>{_x(warrant.id)}</sl:WarrantID>\n"
        f"{court}      </sl:Warrant>\n"
    )
