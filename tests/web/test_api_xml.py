"""The API in the Nlets NIEM XML: the sample messages answered in XML, negotiation by
Content-Type and Accept, problems in XML, hostile documents refused."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from lxml import etree

from statelink.messages.model import Message
from statelink.messages.niem import decode_response_xml, encode_xml
from statelink.nation import Layout, open_records

SAMPLES = Path(__file__).parents[2] / "docs" / "examples" / "nlets"
XML = {"content-type": "application/xml"}
PROBLEM_NS = "{urn:ietf:rfc:7807}"


def _driver(layout: Layout) -> tuple[str, str, str]:
    store = open_records(layout, "WA")
    try:
        d = store.list_drivers(1)[0]
        return d.oln, d.name, d.dob
    finally:
        store.close()


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("*.xml")))
def test_each_sample_is_answered_in_xml(base_url: str, name: str) -> None:
    response = httpx.post(
        f"{base_url}/v1/messages", content=(SAMPLES / name).read_bytes(), headers=XML
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    reply = decode_response_xml(response.content)
    assert reply.summary  # every destination has a status
    assert set(reply.summary) == set(reply.destinations)


def test_an_xml_query_finds_the_record_and_json_is_asked_for(base_url: str, layout: Layout) -> None:
    oln, _, _ = _driver(layout)
    message = Message.parse(
        {"mke": "DQ", "ori": "NY0303000", "dest": ["WA"], "purpose": "C", "fields": {"OLN": oln}}
    )
    body = encode_xml(message).encode()
    in_xml = httpx.post(f"{base_url}/v1/messages", content=body, headers=XML)
    reply = decode_response_xml(in_xml.content)
    assert reply.answers[0].drivers[0].oln == oln
    in_json = httpx.post(
        f"{base_url}/v1/messages", content=body, headers={**XML, "accept": "application/json"}
    )
    assert in_json.headers["content-type"] == "application/json"
    assert in_json.json()["answers"][0]["drivers"][0]["oln"] == oln


def test_a_json_message_is_answered_in_xml_when_accept_asks(base_url: str, layout: Layout) -> None:
    oln, _, dob = _driver(layout)
    iso = f"{dob[:4]}-{dob[4:6]}-{dob[6:]}"
    body = {"mke": "DQ", "ori": "NY0303000", "dest": ["WA"], "purpose": "C", "fields": {"OLN": oln}}
    accept = {"accept": "application/json;q=0.5, application/xml"}
    response = httpx.post(f"{base_url}/v1/messages", json=body, headers=accept)
    assert response.headers["content-type"].startswith("application/xml")
    assert decode_response_xml(response.content).answers[0].status == "HIT"
    # a JSON message with an ISO date of birth is answered
    _, name, _ = _driver(layout)
    by_name = {**body, "fields": {"NAM": name, "DOB": iso}}
    answered = httpx.post(f"{base_url}/v1/messages", json=by_name)
    assert answered.status_code == 200, answered.text
    assert answered.json()["summary"]["WA"] == "HIT"


def test_an_invalid_xml_message_gets_a_problem_in_xml(base_url: str) -> None:
    body = (SAMPLES / "rq-plate.xml").read_text().replace("NY0303000", "ZZ0303000")
    response = httpx.post(f"{base_url}/v1/messages", content=body, headers=XML)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+xml")
    root = etree.fromstring(response.content)
    assert root.findtext(f"{PROBLEM_NS}code") == "invalid-message"
    fields = [e.findtext(f"{PROBLEM_NS}field") for e in root.iter(f"{PROBLEM_NS}i")]
    assert fields
    assert all(fields)


LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    ).replace("&lol0;", "&lol;")
    + ']><n2:NLETS xmlns:n2="http://www.nlets.org/niem/1.0">&lol9;</n2:NLETS>'
)
EXTERNAL = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    '<n2:NLETS xmlns:n2="http://www.nlets.org/niem/1.0">&xxe;</n2:NLETS>'
)


@pytest.mark.parametrize("body", [LAUGHS, EXTERNAL], ids=["billion-laughs", "external-entity"])
def test_hostile_documents_are_refused_and_the_server_stays_responsive(
    base_url: str, body: str
) -> None:
    response = httpx.post(f"{base_url}/v1/messages", content=body, headers=XML, timeout=30)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+xml")
    assert b"root:" not in response.content  # nothing of /etc/passwd
    assert httpx.get(f"{base_url}/v1/health", timeout=10).status_code == 200


def test_openapi_lists_the_xml_media_types(base_url: str) -> None:
    spec = httpx.get(f"{base_url}/openapi.json").json()
    post = spec["paths"]["/v1/messages"]["post"]
    assert "application/xml" in post["requestBody"]["content"]
    assert "application/xml" in post["responses"]["200"]["content"]
    assert "application/problem+xml" in post["responses"]["422"]["content"]
    get = spec["paths"]["/v1/messages/{message_id}"]["get"]
    assert "application/xml" in get["responses"]["200"]["content"]
