"""The Nlets 4.00 XML form of a query: Nlets' published examples, layout, errors, problems.

The round trip and totality properties are in test_properties.py; the safety of the parser
(DOCTYPEs, entities, sizes, encodings) in test_niem_document.py; answers in
test_niem_response.py.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import pytest
import xmlschema
from lxml import etree

from statelink.errors import FieldError, MessageInvalid
from statelink.messages import Message, decode, encode, niem_document, parse_any
from statelink.messages.niem import (
    PROBLEM_XSD,
    decode_xml,
    encode_xml,
    problem_xml,
)
from statelink.messages.niem_document import MESSAGES_XSD, SCHEMAS

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "nlets"


@functools.cache
def independent_schema(name: str = MESSAGES_XSD) -> xmlschema.XMLSchema10:
    """The published schema read by a second validator (xmlschema, pure Python)."""
    return xmlschema.XMLSchema10(str(SCHEMAS / name))


def assert_valid(document: str, name: str = MESSAGES_XSD) -> None:
    """A document valid against a published schema, for libxml2 and for xmlschema."""
    root = etree.fromstring(document.encode())
    checker = etree.XMLSchema(etree.parse(str(SCHEMAS / name)))
    assert checker.validate(root), checker.error_log
    independent_schema(name).validate(document)


# --- Nlets' published examples, with demo ORIs and states ----------------------------

PUBLISHED: list[tuple[str, dict[str, Any]]] = [
    (
        "dq-name-dob.xml",
        {
            "mke": "DQ",
            "ori": "NY0303000",
            "dest": ["WA"],
            "control": "A1B2C3",
            "purpose": "U",
            "reason": "N",
            "fields": {"NAM": "SMITH, JOHN", "DOB": "1950-01-01", "SEX": "M"},
        },
    ),
    (
        "kq.xml",
        {
            "mke": "KQ",
            "ori": "NY0303000",
            "dest": ["WA"],
            "control": "K1",
            "purpose": "C",
            "offense": "1313",
            "case_number": "2025-001234",
            "operator": "J SMITH",
            "fields": {"OLN": "D11111111"},
        },
    ),
    (
        "rq-plate.xml",
        {
            "mke": "RQ",
            "ori": "NY0303000",
            "dest": ["WA", "OR"],
            "purpose": "U",
            "fields": {"LIC": "123456", "LIY": "2026", "LIT": "PC"},
        },
    ),
    (
        "rq-vin.xml",
        {
            "mke": "RQ",
            "ori": "NY0303000",
            "dest": ["NL"],
            "control": "V1",
            "purpose": "T",
            "reason": "T",
            "fields": {"VIN": "1M8GDM9AXKP042788"},
        },
    ),
    (
        "rnq.xml",
        {
            "mke": "RNQ",
            "ori": "NY0303000",
            "dest": ["WA"],
            "purpose": "U",
            "fields": {"NAM": "DOE, JANE Q"},
        },
    ),
]


@pytest.mark.parametrize(("file", "expected"), PUBLISHED, ids=[c[0] for c in PUBLISHED])
def test_published_examples_decode(file: str, expected: dict[str, Any]) -> None:
    body = (EXAMPLES / file).read_bytes()
    message = decode_xml(body)
    assert message.to_json() == expected
    assert decode_xml(body.decode()) == message
    assert parse_any(body.decode()) == message
    again = encode_xml(message)
    assert_valid(again)
    assert decode_xml(again) == message
    assert decode(encode(message)) == message


def test_every_example_is_valid_against_the_published_schema() -> None:
    files = sorted(EXAMPLES.glob("*.xml"))
    assert {f.name for f in files} == {file for file, _ in PUBLISHED}
    for file in files:
        assert_valid(file.read_text())


# --- the layout statelink writes --------------------------------------------------------

FULL = (
    "DQ.VTICE0900.WA,OR.*X1.TXT.NAM/SMITH, JOHN Q.DOB/19800131.SEX/M.PUR/I.RSN/INV."
    "OFF/6499.CAS/2025-001234.OPR/J SMITH.WKD/judicial.WID/2:25-mj-00123.WCT/W\\.D\\. Wash\\.."
)


def _paths(document: str) -> dict[str, str]:
    """Every element with text, by its prefixed path, as written."""
    root = etree.fromstring(document.encode())
    tree = root.getroottree()
    found: dict[str, str] = {}
    for element in root.iter():
        if element.text and element.text.strip():
            path = tree.getelementpath(element)
            for prefix, uri in (root.nsmap or {}).items():
                path = path.replace(f"{{{uri}}}", f"{prefix}:")
            found[path] = element.text
    return found


def test_a_query_is_written_in_the_nlets_layout() -> None:
    document = encode_xml(decode(FULL))
    assert document.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<n2:NLETS ')
    assert 'n2:version="4.00"' in document
    assert "<![CDATA[X1]]>" in document
    paths = _paths(document)
    header = "n2:NLETSMessageHeader/nh2:"
    assert paths[f"{header}MessageKeyCodeText"] == "DQ"
    assert paths[f"{header}OriginatingORIID"] == "VTICE0900"
    assert paths[f"{header}DestinationORIID[1]"] == "WA"
    assert paths[f"{header}DestinationORIID[2]"] == "OR"
    assert paths[f"{header}DocumentControlFieldText"] == "X1"
    inquiry = "n2:NLETSInquiryData/"
    assert paths[f"{inquiry}n2:ReasonCode"] == "INV"
    person = f"{inquiry}n2:Person/nc:"
    assert paths[f"{person}PersonBirthDate/nc:Date"] == "1980-01-31"
    assert paths[f"{person}PersonName/nc:PersonGivenName"] == "JOHN"
    assert paths[f"{person}PersonName/nc:PersonMiddleName"] == "Q"
    assert paths[f"{person}PersonName/nc:PersonSurName"] == "SMITH"
    assert paths[f"{person}PersonSexCode"] == "M"
    ext = f"{inquiry}sl:InquiryAugmentation/sl:"
    assert paths[f"{ext}PurposeCode"] == "I"
    assert paths[f"{ext}OffenseCode"] == "6499"
    assert paths[f"{ext}CaseNumberText"] == "2025-001234"
    assert paths[f"{ext}OperatorName"] == "J SMITH"
    assert paths[f"{ext}Warrant/sl:WarrantKindCode"] == "judicial"
    assert paths[f"{ext}Warrant/sl:WarrantID"] == "2:25-mj-00123"
    assert paths[f"{ext}Warrant/sl:CourtName"] == "W.D. Wash."


@pytest.mark.parametrize(
    ("text", "element", "value"),
    [
        ("DQ.NY0303000.WA.TXT.OLN/A1.PUR/C", "n2:Person/nc:DriverLicense/", "A1"),
        ("KQ.NY0303000.WA.TXT.OLN/A1.PUR/C", "n2c:Driver/nc:DriverLicense/", "A1"),
        ("RPQ.NY0303000.WA.TXT.LIC/AB*12.PUR/C", "nc:Vehicle/", "AB*12"),
        ("DNQ.NY0303000.NL.TXT.NAM/DOE, JANE.PUR/C", "n2:Person/nc:PersonName/", "DOE"),
    ],
)
def test_each_key_puts_its_search_where_nlets_does(text: str, element: str, value: str) -> None:
    document = encode_xml(decode(text))
    found = [p for p, v in _paths(document).items() if v == value]
    assert found, document
    assert found[0].startswith(f"n2:NLETSInquiryData/{element}")
    assert_valid(document)


def test_purpose_u_is_written_so_the_round_trip_is_exact() -> None:
    message = decode("DQ.NY0303000.WA.TXT.OLN/A1")
    document = encode_xml(message)
    assert "<sl:PurposeCode>U</sl:PurposeCode>" in document
    assert decode_xml(document) == message


# --- what Nlets members may also send ---------------------------------------------------

HEAD = (
    '<n2:NLETS xmlns:n2="http://www.nlets.org/niem/1.0" '
    'xmlns:nh2="http://www.nlets.org/niem/nlets-hdr/1.0" '
    'xmlns:nc="http://niem.gov/niem/niem-core/2.0" '
    'xmlns:sl="https://statelink.example/ns/nlets-ext/1.0" n2:version="4.00">'
    "<n2:NLETSMessageHeader><nh2:MessageKeyCodeText>{mke}</nh2:MessageKeyCodeText>"
    "<nh2:OriginatingORIID>NY0303000</nh2:OriginatingORIID>"
    "<nh2:DestinationORIID>WA</nh2:DestinationORIID>{extra}</n2:NLETSMessageHeader>"
    "<n2:NLETSInquiryData>{inquiry}</n2:NLETSInquiryData></n2:NLETS>"
)


def _query(inquiry: str, mke: str = "DQ", extra: str = "") -> str:
    return HEAD.format(mke=mke, inquiry=inquiry, extra=extra)


ALSO_READ: list[tuple[str, str, dict[str, str]]] = [
    # (case, document, fields it decodes to)
    (
        "a full name as Nlets writes it",
        _query(
            "<n2:Person><nc:PersonName><nc:PersonFullName>SMITH,JOHN</nc:PersonFullName>"
            "</nc:PersonName></n2:Person>",
            "DNQ",
        ),
        {"NAM": "SMITH, JOHN"},
    ),
    (
        "a plate expiring on a date (its year is the LIY)",
        _query(
            "<nc:Vehicle><nc:ConveyanceRegistrationPlateIdentification>"
            "<nc:IdentificationID>ABC1</nc:IdentificationID><nc:IdentificationExpirationDate>"
            "<nc:Date>2026-06-30</nc:Date></nc:IdentificationExpirationDate>"
            "</nc:ConveyanceRegistrationPlateIdentification></nc:Vehicle>",
            "RQ",
        ),
        {"LIC": "ABC1", "LIY": "2026"},
    ),
    (
        "values padded and in lower case",
        _query(
            "<n2:Person><nc:DriverLicense><nc:DriverLicenseIdentification>"
            "<nc:IdentificationID> wdl1 </nc:IdentificationID>"
            "</nc:DriverLicenseIdentification></nc:DriverLicense></n2:Person>"
        ),
        {"OLN": "WDL1"},
    ),
    (
        "the header's dates and times, which are not read",
        _query(
            "<n2:Person><nc:DriverLicense><nc:DriverLicenseIdentification>"
            "<nc:IdentificationID>A1</nc:IdentificationID>"
            "</nc:DriverLicenseIdentification></nc:DriverLicense></n2:Person>",
            extra="<nh2:MessageReceiveDate>01/31/2025</nh2:MessageReceiveDate>"
            "<nh2:MessageReceiveTime>10:15</nh2:MessageReceiveTime>",
        ),
        {"OLN": "A1"},
    ),
    (
        "comments and processing instructions inside values",
        _query(
            "<nc:Vehicle><nc:ConveyanceRegistrationPlateIdentification>"
            "<nc:IdentificationID>AB<!-- x -->C<?pi y?>1</nc:IdentificationID>"
            "<nc:IdentificationExpirationDate><nc:Year>20<!---->26</nc:Year>"
            "</nc:IdentificationExpirationDate>"
            "</nc:ConveyanceRegistrationPlateIdentification></nc:Vehicle>",
            "RQ",
        ),
        {"LIC": "ABC1", "LIY": "2026"},
    ),
]


@pytest.mark.parametrize(("case", "document", "fields"), ALSO_READ, ids=[c[0] for c in ALSO_READ])
def test_other_ways_nlets_members_write_a_query(
    case: str, document: str, fields: dict[str, str]
) -> None:
    message = decode_xml(document)
    assert message.fields == fields
    assert message.purpose == "U"


def _commented(document: str) -> str:
    """The document with a comment and a processing instruction between any two elements
    and in the middle of every value: what it says is unchanged."""
    head, body = document.split("?>\n", 1)
    body = re.sub(r">([^<\n])([^<]*)<", r"><!-- a value -->\1<?pi?>\2<", body)
    body = body.replace(">\n", "><!-- between -->\n<?pi between?>")
    return f"{head}?>\n<!-- before -->{body}<?pi after?>"


@pytest.mark.parametrize(
    "text",
    [FULL, "KQ.NY0303000.WA.TXT.OLN/A1.PUR/C", "RQ.NY0303000.NL.TXT.LIC/ABC1.LIY/2026.LIT/PC"],
)
def test_comments_and_instructions_anywhere_change_nothing(text: str) -> None:
    message = decode(text)
    document = _commented(encode_xml(message))
    assert document.count("<!--") > 20
    assert decode_xml(document) == message
    assert decode_xml(document.encode("utf-16")) == message


def test_the_slow_path_reads_what_the_fast_path_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """A document that the validating parser refuses is read again without the schema and
    checked after; one that passes then is read alike, comments and all."""
    refusing = etree.XMLParser(schema=niem_document.schema(PROBLEM_XSD))
    for name in ("parser_bytes_validating", "parser_text_validating"):
        monkeypatch.setattr(niem_document._local, name, refusing, raising=False)
    message = decode(FULL)
    document = _commented(encode_xml(message))
    assert decode_xml(document) == message
    assert decode_xml(document.encode()) == message
    with pytest.raises(MessageInvalid) as caught:  # and what the schema refuses, it refuses
        decode_xml(document.replace("<n2:ReasonCode>", "<n2:Colour>red</n2:Colour><n2:ReasonCode>"))
    assert "n2:Colour" in caught.value.errors[0].field


def test_the_control_field_may_be_padded_as_in_nlets_examples() -> None:
    extra = "<nh2:DocumentControlFieldText>\n\t<![CDATA[TSTMSG]]>\n</nh2:DocumentControlFieldText>"
    document = _query("<n2:Person><nc:PersonSexCode>M</nc:PersonSexCode></n2:Person>", extra=extra)
    with pytest.raises(MessageInvalid) as caught:
        decode_xml(document)
    fields = {e.field for e in caught.value.errors}
    assert "nh2:DocumentControlFieldText" not in fields  # the control field was read
    assert "n2:NLETSInquiryData" in fields  # a DQ needs OLN or NAM+DOB


# --- errors name the element ------------------------------------------------------------

_PERSON = "<n2:Person>{}</n2:Person>"
_NAME_DOB = (
    "<nc:PersonBirthDate><nc:Date>{dob}</nc:Date></nc:PersonBirthDate>"
    "<nc:PersonName><nc:PersonGivenName>JOHN</nc:PersonGivenName>"
    "<nc:PersonSurName>{last}</nc:PersonSurName></nc:PersonName>"
)

ERRORS: list[tuple[str, str, str, str]] = [
    # (case, document, field named, words in "expected")
    (
        "a future date of birth",
        _query(_PERSON.format(_NAME_DOB.format(dob="2999-01-01", last="SMITH"))),
        "nc:PersonBirthDate",
        "not in the future",
    ),
    (
        "a name without a surname",
        _query(_PERSON.format(_NAME_DOB.format(dob="1980-01-01", last=""))),
        "nc:PersonName",
        "LAST, FIRST",
    ),
    (
        "an unknown message key",
        _query("", "ZQ"),
        "nh2:MessageKeyCodeText",
        "query message key",
    ),
    (
        "a purpose Nlets has and statelink not",
        _query(
            "<n2:Person><nc:DriverLicense><nc:DriverLicenseIdentification>"
            "<nc:IdentificationID>A1</nc:IdentificationID></nc:DriverLicenseIdentification>"
            "</nc:DriverLicense></n2:Person><sl:InquiryAugmentation>"
            "<sl:PurposeCode>F</sl:PurposeCode></sl:InquiryAugmentation>",
            "KQ",
        ),
        "sl:PurposeCode",
        "firearms-related",
    ),
    (
        "a vehicle searched by make",
        _query("<nc:Vehicle><nc:ItemMakeName>HONDA</nc:ItemMakeName></nc:Vehicle>", "RQ"),
        "nc:ItemMakeName",
        "only what a query searches by",
    ),
    (
        "a plate searched by its issuing date",
        _query(
            "<nc:Vehicle><nc:ConveyanceRegistrationPlateIdentification>"
            "<nc:IdentificationID>ABC1</nc:IdentificationID><nc:IdentificationEffectiveDate>"
            "<nc:Date>2020-01-01</nc:Date></nc:IdentificationEffectiveDate>"
            "</nc:ConveyanceRegistrationPlateIdentification></nc:Vehicle>",
            "RQ",
        ),
        "nc:IdentificationEffectiveDate",
        "only what a query searches by",
    ),
    (
        "a licence type on a driver's licence",
        _query(
            "<n2:Person><nc:DriverLicense><nc:DriverLicenseIdentification>"
            "<nc:IdentificationID>A1</nc:IdentificationID>"
            "<nc:IdentificationCategoryText>PC</nc:IdentificationCategoryText>"
            "</nc:DriverLicenseIdentification></nc:DriverLicense></n2:Person>"
        ),
        "n2:NLETSInquiryData",
        "DQ search fields OLN or NAM+DOB",
    ),
    (
        "an element the schema does not have",
        _query("<n2:Colour>red</n2:Colour>"),
        "/n2:NLETS/n2:NLETSInquiryData/n2:Colour",
        "valid against statelink's Nlets schema",
    ),
    (
        "an ISO date that is not a date",
        _query(_PERSON.format(_NAME_DOB.format(dob="1980-02-30", last="SMITH"))),
        "/n2:NLETS/n2:NLETSInquiryData/n2:Person/nc:PersonBirthDate/nc:Date",
        "valid against statelink's Nlets schema",
    ),
    (
        "another version",
        _query("").replace('n2:version="4.00"', 'n2:version="3.00"'),
        "/n2:NLETS",
        "valid against statelink's Nlets schema",
    ),
    (
        "an answer sent as a query",
        _query("").replace("NLETSInquiryData", "NLETSResponseData"),
        "message",
        "a query: an n2:NLETSInquiryData element",
    ),
    (
        "another root element",
        '<NLETS xmlns="http://example.com/"/>',
        "message",
        "root element n2:NLETS",
    ),
]


@pytest.mark.parametrize(
    ("case", "document", "field", "expected"), ERRORS, ids=[c[0] for c in ERRORS]
)
def test_errors_name_the_element(case: str, document: str, field: str, expected: str) -> None:
    with pytest.raises(MessageInvalid) as caught:
        decode_xml(document)
    errors = {e.field: e for e in caught.value.errors}
    assert field in errors, caught.value.errors
    assert expected in errors[field].expected
    assert "\n" not in caught.value.message


def test_json_still_requires_a_purpose() -> None:
    with pytest.raises(MessageInvalid) as caught:
        Message.parse({"mke": "DQ", "ori": "NY0303000", "dest": ["WA"], "fields": {"OLN": "A"}})
    assert [e.field for e in caught.value.errors] == ["purpose"]


# --- error answers in XML ---------------------------------------------------------------


def test_a_problem_is_rfc_7807_xml() -> None:
    errors = [FieldError("fields.DOB", "a date of birth", "'1980-02-30'")] * 2
    document = problem_xml(
        422,
        "Unprocessable Content",
        "invalid message: fields.DOB: expected a date of birth, given '1980-02-30'",
        errors,
        code="invalid-message",
        members={"error_count": 5, "ori": "NY0303000"},
    )
    assert_valid(document, PROBLEM_XSD)
    root = etree.fromstring(document.encode())
    assert root.tag == "{urn:ietf:rfc:7807}problem"
    found = {etree.QName(e).localname: e.text for e in root}
    assert found["type"] == "urn:statelink:error:invalid-message"
    assert found["status"] == "422"
    assert found["code"] == "invalid-message"
    assert found["error_count"] == "5"
    assert found["ori"] == "NY0303000"
    items = root.findall("{urn:ietf:rfc:7807}errors/{urn:ietf:rfc:7807}i")
    assert len(items) == 2
    assert [e.text for e in items[0]] == ["fields.DOB", "a date of birth", "'1980-02-30'"]


def test_a_problem_without_a_code_is_about_blank() -> None:
    document = problem_xml(404, "Not Found", "no such message")
    assert_valid(document, PROBLEM_XSD)
    assert "<type>about:blank</type>" in document
    assert "<errors>" not in document


def test_a_problem_carries_any_detail_as_one_document() -> None:
    members: dict[str, object] = {
        "problems": [{"file": "a.cedar", "policy_id": "p1"}],
        "retry_after": 30,
        "odd name!": "kept",
        "flag": True,
        "nothing": None,
    }
    document = problem_xml(429, "Too Many Requests", "slow down \x00", members=members)
    assert_valid(document, PROBLEM_XSD)
    root = etree.fromstring(document.encode())
    assert root.findtext("{urn:ietf:rfc:7807}problems/{urn:ietf:rfc:7807}i/{urn:ietf:rfc:7807}file")
    assert root.findtext("{urn:ietf:rfc:7807}member") == "kept"
    assert root.findtext("{urn:ietf:rfc:7807}flag") == "true"
    assert root.findtext("{urn:ietf:rfc:7807}detail") == "slow down \ufffd"
