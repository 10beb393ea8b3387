"""What the OpenAPI document says beyond what FastAPI infers: each route's error answers
(every one an ``application/problem+json`` document) and the two forms of a message.

The statuses listed for a route are every status it can answer with; a test runs
schemathesis against the served document to hold the two together.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from statelink.messages.model import Message
from statelink.web.problems import MEDIA_TYPE, title

TEXT_EXAMPLE = "DQ.NY0303000.WA.TXT.OLN/WDL12345678.PUR/C."
XML_EXAMPLE = '<n2:NLETS xmlns:n2="http://www.nlets.org/niem/1.0" n2:version="4.00">...</n2:NLETS>'
XML_NOTE = (
    "The Nlets NIEM XML (Nlets 4.00 layout), as the XSDs in statelink/messages/schemas/ "
    "describe it; docs/messages.md has a full example."
)


class Problem(BaseModel):
    """An RFC 9457 problem document, as every error of the API is answered."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    code: str


ALWAYS = (400, 500)
"""Any route: a malformed request (refused by the HTTP layer) or a failure inside."""
MEMBER = (401, 429, 503)
"""Any route of a networked hub: an unknown caller, a member over its rate, overload."""


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` of a route that can answer with ``statuses`` (and :data:`ALWAYS`)."""
    schema = Problem.model_json_schema()
    return {
        status: {"description": title(status), "content": {MEDIA_TYPE: {"schema": schema}}}
        for status in sorted({*ALWAYS, *statuses})
    }


def answered_in_xml(responses: dict[int | str, dict[str, Any]]) -> dict[int | str, dict[str, Any]]:
    """A route's ``responses`` that may also be XML: the answer (200) in
    ``application/xml`` beside its JSON, and each problem in ``application/problem+xml``."""
    xml = {"schema": {"type": "string", "description": XML_NOTE}}
    out: dict[int | str, dict[str, Any]] = {200: {"content": {"application/xml": xml}}}
    for status, described in responses.items():
        content = {**described["content"], "application/problem+xml": xml}
        out[status] = {**described, "content": content}
    return out


def message_body() -> dict[str, Any]:
    """The request body of ``POST /v1/messages``: JSON (contract 1) or the text form."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": _inlined(Message.model_json_schema())},
                "text/plain": {
                    "schema": {"type": "string", "minLength": 1, "pattern": r"\S"},
                    "example": TEXT_EXAMPLE,
                },
                "application/xml": {
                    "schema": {"type": "string", "minLength": 1, "description": XML_NOTE},
                    "example": XML_EXAMPLE,
                },
            },
        }
    }


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with its ``$defs`` references replaced by what they name (a request
    body's schema sits deep in the document, where ``#/$defs/...`` resolves to nothing)."""
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return inline(defs[ref.removeprefix("#/$defs/")])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    result: dict[str, Any] = inline(schema)
    return result
