"""The hub's answer in the Nlets 4.00 layout: lossless, valid, readable.

Random replies (records, receipts, reasons, details, every status) survive
``decode_response_xml(encode_response_xml(r))`` unchanged, and every document written is
valid against the published schema for two validators (libxml2 and xmlschema).
"""

from __future__ import annotations

import datetime as dt
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from statelink.errors import MessageInvalid
from statelink.messages.keys import RESPONSE_KEYS
from statelink.messages.niem import decode_response_xml, decode_xml, encode_response_xml
from statelink.messages.niem_document import _NOT_XML
from statelink.messages.response import (
    Address,
    DriverEvent,
    DriverRecord,
    HubResponse,
    PolicyReason,
    Receipt,
    StateAnswer,
    Status,
    VehicleRecord,
)
from statelink.states import CODES
from tests.messages.test_niem import assert_valid

# --- random replies --------------------------------------------------------------------

_xml_char = st.characters(codec="utf-8").filter(lambda c: not _NOT_XML.match(c))
_text = st.one_of(
    st.text(string.ascii_uppercase + string.digits + " ,.-'", max_size=20),
    st.text(_xml_char, max_size=12),
)
_date = st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))
_iso = _date.map(dt.date.isoformat)
_state = st.sampled_from(CODES)
_ms = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)
_address = st.builds(Address, street=_text, city=_text, state=_state, zip=_text)

_drivers = st.builds(
    DriverRecord,
    state=_state,
    oln=_text,
    name=_text,
    dob=_date.map(lambda d: d.strftime("%Y%m%d")),
    sex=_text,
    address=_address,
    height_in=st.integers(-(10**6), 10**6),
    eyes=_text,
    license_class=_text,
    status=_text,
    restrictions=_text,
    issued=_iso,
    expires=_iso,
    history=st.lists(
        st.builds(DriverEvent, date=_iso, kind=_text, code=_text, description=_text),
        max_size=3,
    ),
)
_vehicles = st.builds(
    VehicleRecord,
    state=_state,
    plate=_text,
    plate_year=st.integers(1900, 2100),
    plate_type=_text,
    vin=_text,
    make=_text,
    model=_text,
    year=st.integers(1900, 2100),
    color=_text,
    owner_name=_text,
    owner_address=_address,
)
_answers = st.builds(
    StateAnswer,
    state=_state,
    status=st.sampled_from(Status),
    drivers=st.lists(_drivers, max_size=2),
    vehicles=st.lists(_vehicles, max_size=2),
    reasons=st.lists(st.builds(PolicyReason, id=_text, reason=_text, law=_text), max_size=2),
    detail=_text,
    elapsed_ms=_ms,
    receipt=st.one_of(
        st.none(),
        st.builds(Receipt, log=_text, seq=st.integers(0, 2**63), leaf_hash=_text),
    ),
)
_hub_id = st.builds(
    lambda ms, rest: f"{ms:012X}{rest}",
    st.integers(0, 2**48 - 1),
    st.text("0123456789ABCDEF", min_size=20, max_size=20),
)

replies = st.builds(
    HubResponse,
    message_id=st.one_of(_hub_id, _text),
    mke=st.sampled_from(sorted(RESPONSE_KEYS)),
    ori=st.text(string.ascii_uppercase + string.digits, min_size=9, max_size=9),
    control=st.text(string.ascii_uppercase + string.digits, max_size=10),
    destinations=st.lists(_state, max_size=5, unique=True),
    answers=st.lists(_answers, max_size=4),
    summary=st.dictionaries(_state, st.sampled_from(Status), max_size=5),
    elapsed_ms=_ms,
)


@settings(max_examples=150)
@given(replies)
def test_a_reply_survives_the_xml_form(reply: HubResponse) -> None:
    document = encode_response_xml(reply)
    assert decode_response_xml(document) == reply
    assert decode_response_xml(document.encode()) == reply


@settings(max_examples=60, deadline=None)
@given(replies)
def test_every_reply_written_is_valid_against_the_published_schema(reply: HubResponse) -> None:
    assert_valid(encode_response_xml(reply))


# --- by example ------------------------------------------------------------------------

HOME = Address(street="1 MAIN ST", city="SEATTLE", state="WA", zip="98101")
DRIVER = DriverRecord(
    state="WA",
    oln="WDL12345678",
    name="SMITH, JOHN Q",
    dob="19800401",
    sex="M",
    address=HOME,
    height_in=70,
    eyes="BRO",
    license_class="C",
    status="VALID",
    restrictions="",
    issued="2020-01-02",
    expires="2028-04-01",
    history=[DriverEvent(date="2021-05-05", kind="CONVICTION", code="A12")],
)
VEHICLE = VehicleRecord(
    state="WA",
    plate="ABC1234",
    plate_year=2026,
    plate_type="PC",
    vin="1M8GDM9AXKP042788",
    make="HONDA",
    model="CIVIC",
    year=2019,
    color="BLU",
    owner_name="DOE, JANE",
    owner_address=HOME,
)
RECEIPT = Receipt(log="statelink.example/audit/WA", seq=41, leaf_hash="ab" * 32)
REPLY = HubResponse(
    message_id="0190A2B3C4D5" + "E" * 20,
    mke="DR",
    ori="NY0303000",
    control="A1B2C3",
    destinations=["WA", "OR", "CA"],
    answers=[
        StateAnswer(
            state="WA", status=Status.HIT, drivers=[DRIVER], elapsed_ms=4.5, receipt=RECEIPT
        ),
        StateAnswer(
            state="OR",
            status=Status.DENIED,
            reasons=[PolicyReason(id="or-no-ice", reason="sanctuary law", law="ORS 181A.820")],
        ),
        StateAnswer(state="CA", status=Status.UNAVAILABLE, detail="no answer within 10 s"),
    ],
    summary={"WA": Status.HIT, "OR": Status.DENIED, "CA": Status.UNAVAILABLE},
    elapsed_ms=12.25,
)


def _root(document: str) -> etree._Element:
    return etree.fromstring(document.encode())


NS = {
    "n2": "http://www.nlets.org/niem/1.0",
    "nh2": "http://www.nlets.org/niem/nlets-hdr/1.0",
    "nc": "http://niem.gov/niem/niem-core/2.0",
    "sl": "https://statelink.example/ns/nlets-ext/1.0",
}


def test_the_header_answers_the_query() -> None:
    root = _root(encode_response_xml(REPLY))
    header = root.find("n2:NLETSMessageHeader", NS)
    assert header is not None
    found = {etree.QName(e).localname: (e.text or "").strip() for e in header}
    assert found == {
        "MessageKeyCodeText": "DR",
        "OriginatingORIID": "NL",  # several states answered: the network
        "DestinationORIID": "NY0303000",
        "DocumentControlFieldText": "A1B2C3",
        "MessageReceiveDate": "07/11/2024",  # UTC, from the id: 0x0190A2B3C4D5 ms
        "MessageReceiveTime": "16:50",
    }


def test_one_state_answers_as_itself_and_an_odd_id_gives_no_date() -> None:
    reply = REPLY.model_copy(update={"destinations": ["WA"], "message_id": "not-a-hub-id"})
    root = _root(encode_response_xml(reply))
    assert root.findtext("n2:NLETSMessageHeader/nh2:OriginatingORIID", namespaces=NS) == "WA"
    assert root.find("n2:NLETSMessageHeader/nh2:MessageReceiveDate", NS) is None
    assert decode_response_xml(encode_response_xml(reply)) == reply


def test_the_free_text_reads_like_an_nlets_answer() -> None:
    text = _root(encode_response_xml(REPLY)).findtext(
        "n2:NLETSResponseData/n2:ResponseText", namespaces=NS
    )
    assert text is not None
    lines = text.splitlines()
    assert lines[0] == f"DR TO NY0303000 *A1B2C3 MESSAGE {REPLY.message_id}"
    assert lines[1] == "WA HIT: 1 RECORD"
    assert "NAM/SMITH, JOHN Q. DOB/19800401. SEX/M. OLN/WDL12345678. OLS/WA." in text
    assert "OR DENIED: or-no-ice: sanctuary law (ORS 181A.820)" in lines
    assert "CA UNAVAILABLE: no answer within 10 s" in lines
    assert lines[-1] == "SUMMARY WA HIT, OR DENIED, CA UNAVAILABLE"


def test_records_are_structured_with_niem_names() -> None:
    reply = REPLY.model_copy(
        update={"answers": [REPLY.answers[0].model_copy(update={"vehicles": [VEHICLE]})]}
    )
    document = encode_response_xml(reply)
    assert_valid(document)
    answer = _root(document).find("n2:NLETSResponseData/sl:StateAnswer", NS)
    assert answer is not None
    assert answer.findtext("sl:Driver/nc:PersonBirthDate/nc:Date", namespaces=NS) == "1980-04-01"
    licence = "sl:Driver/nc:DriverLicense/nc:DriverLicenseIdentification/"
    assert answer.findtext(licence + "nc:IdentificationID", namespaces=NS) == "WDL12345678"
    plate = "sl:Vehicle/nc:Vehicle/nc:ConveyanceRegistrationPlateIdentification/"
    assert answer.findtext(plate + "nc:IdentificationID", namespaces=NS) == "ABC1234"
    assert (
        answer.findtext(plate + "nc:IdentificationExpirationDate/nc:Year", namespaces=NS) == "2026"
    )
    assert answer.findtext("sl:Receipt/sl:SequenceNumeric", namespaces=NS) == "41"
    assert decode_response_xml(document) == reply


def test_a_nationwide_reply_keeps_every_status_in_the_summary() -> None:
    reply = REPLY.model_copy(
        update={
            "answers": REPLY.answers[:1],
            "summary": {**REPLY.summary, "ID": Status.NO_HIT},
            "destinations": [*REPLY.destinations, "ID"],
        }
    )
    again = decode_response_xml(encode_response_xml(reply))
    assert again.summary["ID"] is Status.NO_HIT
    assert [a.state for a in again.answers] == ["WA"]


def test_characters_xml_cannot_carry_are_replaced_not_fatal() -> None:
    odd = REPLY.model_copy(
        update={"answers": [REPLY.answers[2].model_copy(update={"detail": "a\x00b"})]}
    )
    again = decode_response_xml(encode_response_xml(odd))
    assert again.answers[0].detail == "a\ufffdb"


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (encode_response_xml(REPLY).replace(">HIT<", ">MAYBE<", 1), "valid against"),
        (encode_response_xml(REPLY).replace("NLETSResponseData", "NLETSInquiryData"), "an answer"),
        (b"<a", "well-formed XML"),
    ],
)
def test_a_document_that_is_not_an_answer_is_refused(document: str | bytes, expected: str) -> None:
    with pytest.raises(MessageInvalid) as caught:
        decode_response_xml(document)
    assert expected in caught.value.errors[0].expected


def test_a_query_reader_refuses_an_answer() -> None:
    with pytest.raises(MessageInvalid) as caught:
        decode_xml(encode_response_xml(REPLY))
    assert "a query" in caught.value.errors[0].expected
