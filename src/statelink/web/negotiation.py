"""Which form an answer of the API takes: JSON (the default) or the Nlets NIEM XML.

An answer is XML when ``Accept`` ranks an XML type above every JSON type, or when the
request's body was XML and ``Accept`` does not ask for JSON; errors follow the same rule
(``application/problem+xml`` then, see :func:`statelink.messages.niem.problem_xml`).
"""

from __future__ import annotations

from enum import StrEnum

from starlette.requests import Request


class Form(StrEnum):
    JSON = "json"
    XML = "xml"


XML_TYPES = ("application/xml", "text/xml")
JSON_TYPE = "application/json"


def body_form(content_type: str) -> Form | None:
    """The form a Content-Type names (case-insensitive), or None for any other type."""
    kind = content_type.partition(";")[0].strip().lower()
    if kind in XML_TYPES or (kind.startswith("application/") and kind.endswith("+xml")):
        return Form.XML
    if kind == JSON_TYPE or (kind.startswith("application/") and kind.endswith("+json")):
        return Form.JSON
    return None


def _ranked(accept: str) -> dict[Form, float]:
    """The highest quality ``Accept`` gives each form by an explicit type (not ``*/*``)."""
    ranks: dict[Form, float] = {}
    for item in accept.split(",")[:32]:  # bounded: a header of thousands of types is cut
        kind, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        form = body_form(kind)
        if form is not None:
            ranks[form] = max(ranks.get(form, 0.0), quality)
    return ranks


def answer_form(request: Request) -> Form:
    """The form of the answer to ``request`` (see the module's docstring)."""
    ranks = _ranked(request.headers.get("accept", ""))
    xml, json = ranks.get(Form.XML, 0.0), ranks.get(Form.JSON, 0.0)
    if xml > json:
        return Form.XML
    if json > 0:
        return Form.JSON
    sent = body_form(request.headers.get("content-type", ""))
    return Form.XML if sent is Form.XML else Form.JSON
