"""The NIEM XML form of messages and answers: the Nlets 4.00 layout (root ``n2:NLETS``).

Public functions (the HTTP API and the CLI call these; keep the names):

- :func:`decode_xml` ``(body: bytes | str) -> Message``: a query document; total: any
  bytes or text give a Message or MessageInvalid;
- :func:`encode_xml` ``(message) -> str``: a query document;
- :func:`encode_response_xml` ``(reply: HubResponse) -> str``: the hub's merged answer, one
  document (free text and structured records);
- :func:`decode_response_xml` ``(body) -> HubResponse``: read such an answer back;
- :func:`problem_xml` ``(status, title, detail, errors) -> str``: an error answer, RFC 7807
  problem details in XML (namespace ``urn:ietf:rfc:7807``, :data:`PROBLEM_MEDIA_TYPE`).

A query::

    <n2:NLETS n2:version="4.00">
      <n2:NLETSMessageHeader>  nh2:MessageKeyCodeText, nh2:OriginatingORIID,
                               nh2:DestinationORIID (one per state, or NL),
                               nh2:DocumentControlFieldText (CDATA)
      <n2:NLETSInquiryData>    n2:ReasonCode?, then n2:Person (n2c:Driver in a KQ)
                               or nc:Vehicle, then sl:InquiryAugmentation (purpose,
                               offense, case number, operator, warrant)

The person: ``nc:PersonBirthDate/nc:Date`` (ISO 8601), ``nc:PersonName/{nc:PersonGivenName,
nc:PersonMiddleName, nc:PersonSurName}`` (or ``nc:PersonFullName``, read only),
``nc:PersonSexCode``, and the licence number in
``nc:DriverLicense/nc:DriverLicenseIdentification/nc:IdentificationID``. The vehicle:
``nc:ConveyanceRegistrationPlateIdentification/{nc:IdentificationID,
nc:IdentificationCategoryText (LIT), nc:IdentificationExpirationDate/nc:Year (LIY)}``, or
``nc:VehicleIdentification/nc:IdentificationID`` (VIN). A document without
``sl:PurposeCode`` has purpose ``U`` (unspecified); the encoder always writes it, so
``decode_xml(encode_xml(m)) == m``. Documents are checked against ``schemas/nlets.xsd``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lxml import etree
from pydantic import ValidationError

from statelink.errors import FieldError, MessageInvalid
from statelink.messages.model import Message, field_errors
from statelink.messages.niem_document import (
    MESSAGES_XSD,
    NAMESPACES,
    PROBLEM,
    PROBLEM_XSD,
    add,
    read_document,
    serialize,
    tag,
    xml_text,
)
from statelink.messages.niem_query import read as read_query
from statelink.messages.niem_query import write as write_query
from statelink.messages.niem_response import decode_response_xml, encode_response_xml

__all__ = [
    "MEDIA_TYPE",
    "MESSAGES_XSD",
    "NAMESPACES",
    "PROBLEM_MEDIA_TYPE",
    "PROBLEM_XSD",
    "decode_response_xml",
    "decode_xml",
    "encode_response_xml",
    "encode_xml",
    "problem_xml",
]

MEDIA_TYPE = "application/xml"
PROBLEM_MEDIA_TYPE = "application/problem+xml"

_XML_NAMES: dict[str, str] = {
    "mke": "nh2:MessageKeyCodeText",
    "ori": "nh2:OriginatingORIID",
    "dest": "nh2:DestinationORIID",
    "control": "nh2:DocumentControlFieldText",
    "reason": "n2:ReasonCode",
    "purpose": "sl:PurposeCode",
    "offense": "sl:OffenseCode",
    "case_number": "sl:CaseNumberText",
    "operator": "sl:OperatorName",
    "warrant": "sl:Warrant",
    "warrant.kind": "sl:WarrantKindCode",
    "warrant.id": "sl:WarrantID",
    "warrant.court": "sl:CourtName",
    "fields": "n2:NLETSInquiryData",
    "fields.OLN": "nc:DriverLicenseIdentification/nc:IdentificationID",
    "fields.NAM": "nc:PersonName",
    "fields.DOB": "nc:PersonBirthDate",
    "fields.SEX": "nc:PersonSexCode",
    "fields.LIC": "nc:ConveyanceRegistrationPlateIdentification/nc:IdentificationID",
    "fields.LIY": "nc:IdentificationExpirationDate",
    "fields.LIT": "nc:IdentificationCategoryText",
    "fields.VIN": "nc:VehicleIdentification/nc:IdentificationID",
}
"""The element that carries each field of the JSON form, for error messages."""

# --- decoding ------------------------------------------------------------------------


def decode_xml(body: bytes | str) -> Message:
    """A query in the Nlets 4.00 layout; any input gives a Message or MessageInvalid."""
    root, inquiry = read_document(body, "NLETSInquiryData")
    data = read_query(root, inquiry)
    try:  # Message.parse's validation of a mapping, without its look at the input's type
        message: Message = Message.__pydantic_validator__.validate_python(data)
    except ValidationError as e:
        errors = [
            FieldError(_XML_NAMES.get(f.field, f.field), f.expected, f.given)
            for f in field_errors(e, data)
        ]
        raise MessageInvalid(errors) from None
    return message  # the tree goes only now, after the field rules: measured faster


def encode_xml(message: Message) -> str:
    """A query as an Nlets 4.00 document (valid against ``schemas/nlets.xsd``)."""
    return write_query(message)


# --- errors --------------------------------------------------------------------------


def problem_xml(
    status: int,
    title: str,
    detail: str,
    errors: Sequence[FieldError] = (),
    *,
    code: str = "",
    members: Mapping[str, object] | None = None,
) -> str:
    """An error answer as RFC 7807 problem details in XML (``application/problem+xml``).

    ``type`` is ``urn:statelink:error:<code>`` (``about:blank`` without a code), as in the
    JSON problems; ``errors`` are the field-level errors, each an ``i`` element with
    ``field``, ``expected`` and ``given``; ``members`` adds others (``error_count``...):
    a list becomes ``i`` elements, a mapping child elements, anything else text.
    """
    root = etree.Element(tag(PROBLEM, "problem"), nsmap={None: PROBLEM})
    add(root, PROBLEM, "type", f"urn:statelink:error:{code}" if code else "about:blank")
    add(root, PROBLEM, "title", title)
    add(root, PROBLEM, "status", str(status))
    add(root, PROBLEM, "detail", detail)
    if code:
        add(root, PROBLEM, "code", code)
    if errors:
        listed = add(root, PROBLEM, "errors")
        for error in errors:
            item = add(listed, PROBLEM, "i")
            add(item, PROBLEM, "field", error.field)
            add(item, PROBLEM, "expected", error.expected)
            add(item, PROBLEM, "given", error.given)
    for name, value in (members or {}).items():
        if name not in ("type", "title", "status", "detail", "code", "errors"):
            _member(root, name, value)
    return serialize(root)


def _member(parent: etree._Element, name: str, value: object) -> None:
    element = add(parent, PROBLEM, name if _is_name(name) else "member")
    if isinstance(value, Mapping):
        for key, item in value.items():
            _member(element, str(key), item)
    elif isinstance(value, list | tuple):
        for item in value:
            _member(element, "i", item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = xml_text(str(value))


def _is_name(name: str) -> bool:
    try:
        etree.QName(PROBLEM, name)
    except ValueError:
        return False
    return True
