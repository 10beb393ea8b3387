"""A query in the Nlets 4.00 layout, both directions (the layout is described in niem.py).

Reading walks the document once, by element name, after the schema has checked its
structure; writing puts the document together as text, every value escaped, in the
layout the schema describes (the property tests check each document written against the
schema and read it back). Both are about as fast as the JSON form's pydantic code.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

import statelink.messages.fields as rules
from statelink.errors import FieldError, MessageInvalid
from statelink.messages.model import Message
from statelink.messages.niem_document import N2, N2C, NC, NH2, SL, VERSION, tag

UNSPECIFIED = "U"
"""The purpose of a query without ``sl:PurposeCode``: today's Nlets traffic has none."""


def leaf(element: etree._Element) -> str:
    """An element's text, whole even where comments split it."""
    if len(element) == 0:
        return element.text or ""
    return "".join(element.itertext())


# --- reading ---------------------------------------------------------------------------

_LEAVES: dict[object, str] = {
    tag(NH2, "MessageKeyCodeText"): "mke",
    tag(NH2, "OriginatingORIID"): "ori",
    tag(NH2, "DocumentControlFieldText"): "control",
    tag(NH2, "DestinationORIID"): "dest",
    tag(N2, "ReasonCode"): "reason",
    tag(NC, "PersonGivenName"): "given",
    tag(NC, "PersonMiddleName"): "middle",
    tag(NC, "PersonSurName"): "surname",
    tag(NC, "PersonFullName"): "full",
    tag(NC, "PersonSexCode"): "SEX",
    tag(NC, "IdentificationCategoryText"): "LIT",
    tag(NC, "IdentificationID"): "id",
    tag(NC, "Date"): "date",
    tag(NC, "Year"): "date",
    tag(SL, "PurposeCode"): "purpose",
    tag(SL, "OffenseCode"): "offense",
    tag(SL, "CaseNumberText"): "case_number",
    tag(SL, "OperatorName"): "operator",
    tag(SL, "WarrantKindCode"): "kind",
    tag(SL, "WarrantID"): "id",
    tag(SL, "CourtName"): "court",
}
"""Every element of a query that holds a value, by what it holds."""

_CONTEXTS: dict[object, str] = {
    tag(NC, "PersonBirthDate"): "DOB",
    tag(NC, "DriverLicenseIdentification"): "OLN",
    tag(NC, "ConveyanceRegistrationPlateIdentification"): "LIC",
    tag(NC, "IdentificationExpirationDate"): "LIY",
    tag(NC, "VehicleIdentification"): "VIN",
    tag(SL, "Warrant"): "warrant",
}
"""The elements that say what the ``nc:IdentificationID`` or ``nc:Date`` after them is
(the schema fixes the order, so the last one seen is the one around)."""

_RECORD_ONLY = frozenset(
    tag(NC, name)
    for name in (
        "ItemMakeName",
        "ItemModelName",
        "ItemModelYearDate",
        "VehicleColorPrimaryCode",
        "IdentificationEffectiveDate",
        "IdentificationJurisdictionText",
    )
)
"""What only a record has: no query searches by it."""


def read(root: etree._Element) -> dict[str, Any]:
    """The JSON form of a query document that the schema has accepted, in one pass."""
    data: dict[str, Any] = {"dest": [], "fields": {}, "purpose": UNSPECIFIED}
    fields: dict[str, str] = data["fields"]
    name: dict[str, str] = {}
    context = ""
    for element in root.iter(etree.Element):
        key = _LEAVES.get(element.tag)
        if key is None:
            if element.tag in _CONTEXTS:
                context = _CONTEXTS[element.tag]
                if context == "warrant":
                    data["warrant"] = {}
            elif element.tag in _RECORD_ONLY:
                raise _record_only(element)
            continue
        value = leaf(element)
        if key == "dest":
            data["dest"].append(value)
        elif key in ("given", "middle", "surname", "full"):
            name[key] = value.strip()
        elif key in ("id", "date"):
            if context == "warrant":
                data["warrant"][key] = value
            else:
                fields[context] = value[:4] if context == "LIY" else value
        elif key in ("kind", "court"):
            data["warrant"][key] = value
        elif key in ("SEX", "LIT"):
            fields[key] = value
        else:
            data[key] = value
    if name:
        fields["NAM"] = _name(name)
    data["purpose"] = data["purpose"] or UNSPECIFIED
    return data


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

_NAMESPACES = (
    f'xmlns:n2="{N2}" xmlns:nh2="{NH2}" xmlns:nc="{NC}"',
    f'xmlns:n2c="{N2C}"',
    f'xmlns:sl="{SL}" n2:version="{VERSION}"',
)
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _line(depth: int, name: str, value: str) -> str:
    """One element with text, escaped (a valid message's values are printable: XML 1.0
    carries every printable character)."""
    return f"{'  ' * depth}<{name}>{value.translate(_ESCAPES)}</{name}>\n"


def write(message: Message) -> str:
    """A query as an Nlets 4.00 document."""
    kq = message.mke == "KQ"
    namespaces = " ".join(_NAMESPACES if kq else (_NAMESPACES[0], _NAMESPACES[2]))
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f"<n2:NLETS {namespaces}>\n",
        "  <n2:NLETSMessageHeader>\n",
        _line(2, "nh2:MessageKeyCodeText", message.mke),
        _line(2, "nh2:OriginatingORIID", message.ori),
        *(_line(2, "nh2:DestinationORIID", d) for d in message.dest),
    ]
    if message.control:  # letters and digits only
        out.append(
            f"    <nh2:DocumentControlFieldText><![CDATA[{message.control}]]>"
            "</nh2:DocumentControlFieldText>\n"
        )
    out.append("  </n2:NLETSMessageHeader>\n  <n2:NLETSInquiryData>\n")
    if message.reason:
        out.append(_line(2, "n2:ReasonCode", message.reason))
    if message.key.dataset == "driver" or message.mke == "RNQ":
        person = "n2c:Driver" if kq else "n2:Person"
        out += [f"    <{person}>\n", *_person_lines(message.fields), f"    </{person}>\n"]
    else:
        out += ["    <nc:Vehicle>\n", *_vehicle_lines(message.fields), "    </nc:Vehicle>\n"]
    out += _augmentation_lines(message)
    out.append("  </n2:NLETSInquiryData>\n</n2:NLETS>\n")
    return "".join(out)


def _person_lines(fields: dict[str, str]) -> list[str]:
    lines = []
    if "DOB" in fields:
        lines += [
            "      <nc:PersonBirthDate>\n",
            _line(4, "nc:Date", rules.iso_date(fields["DOB"])),
            "      </nc:PersonBirthDate>\n",
        ]
    if "NAM" in fields:
        last, first, middle = rules.split_name(fields["NAM"])
        lines += ["      <nc:PersonName>\n", _line(4, "nc:PersonGivenName", first)]
        if middle:
            lines.append(_line(4, "nc:PersonMiddleName", middle))
        lines += [_line(4, "nc:PersonSurName", last), "      </nc:PersonName>\n"]
    if "SEX" in fields:
        lines.append(_line(3, "nc:PersonSexCode", fields["SEX"]))
    if "OLN" in fields:
        lines += [
            "      <nc:DriverLicense>\n        <nc:DriverLicenseIdentification>\n",
            _line(5, "nc:IdentificationID", fields["OLN"]),
            "        </nc:DriverLicenseIdentification>\n      </nc:DriverLicense>\n",
        ]
    return lines


def _vehicle_lines(fields: dict[str, str]) -> list[str]:
    lines = []
    if "LIC" in fields:
        lines += [
            "      <nc:ConveyanceRegistrationPlateIdentification>\n",
            _line(4, "nc:IdentificationID", fields["LIC"]),
        ]
        if "LIT" in fields:
            lines.append(_line(4, "nc:IdentificationCategoryText", fields["LIT"]))
        if "LIY" in fields:
            lines += [
                "        <nc:IdentificationExpirationDate>\n",
                _line(5, "nc:Year", fields["LIY"]),
                "        </nc:IdentificationExpirationDate>\n",
            ]
        lines.append("      </nc:ConveyanceRegistrationPlateIdentification>\n")
    if "VIN" in fields:
        lines += [
            "      <nc:VehicleIdentification>\n",
            _line(4, "nc:IdentificationID", fields["VIN"]),
            "      </nc:VehicleIdentification>\n",
        ]
    return lines


def _augmentation_lines(message: Message) -> list[str]:
    """statelink's fields; the purpose always, so that ``U`` survives a round trip."""
    lines = ["    <sl:InquiryAugmentation>\n"]
    for name, value in (
        ("sl:PurposeCode", message.purpose),
        ("sl:OffenseCode", message.offense),
        ("sl:CaseNumberText", message.case_number),
        ("sl:OperatorName", message.operator),
    ):
        if value:
            lines.append(_line(3, name, value))
    if message.warrant is not None:
        lines += [
            "      <sl:Warrant>\n",
            _line(4, "sl:WarrantKindCode", message.warrant.kind),
            _line(4, "sl:WarrantID", message.warrant.id),
        ]
        if message.warrant.court:
            lines.append(_line(4, "sl:CourtName", message.warrant.court))
        lines.append("      </sl:Warrant>\n")
    lines.append("    </sl:InquiryAugmentation>\n")
    return lines
