"""The legacy one-line text form of a message (the Nlets text layout), both directions.

Layout, as Nlets documents it for terminals::

    MKE.ORI.DEST[,DEST...].[*CONTROL.]TXT FIELD/VALUE.FIELD/VALUE.

After the header comes the keyword ``TXT``, then the fields. statelink writes
``TXT.`` (``DQ.NY0303000.WA.*A1B2C3.TXT.OLN/WDL12345678.PUR/C.``) and reads ``TXT``
followed by a period, by a line break (or any of CR, LF and DEL, as Nlets allows) or by
the first field directly (``RQ.AZNLETS20.AZ.TXTLIC/123456.LIT/PC``), or no ``TXT`` at
all; fields may be separated by line breaks after their periods.

Search fields come first (``OLN``, ``NAM``, ``DOB``, ``SEX``, ``LIC``, ``LIY``, ``LIT``,
``VIN``), then the header fields below. Inside a value, ``.`` is written ``\\.`` and
``\\`` is written ``\\\\``, so any value round-trips; ``decode(encode(m)) == m`` for
every valid message. Nlets' own fields: ``RSN/`` is the reason; ``ATN/`` (attention: the
requester's name) is the operator, like ``OPR/``; ``IMQ/N`` (no image) is accepted and
``IMQ/Y`` refused, as statelink's records carry no images; a message without ``PUR/``
has purpose ``U`` (unspecified), as today's Nlets traffic carries none.

Decoding is total and bounded: any text gives a message or MessageInvalid. A text of
more than :data:`MAX_SEGMENTS` segments is refused as soon as the limit is passed, before
any segment is checked, and a ``DEST`` of too many codes before any code is read.
"""

from __future__ import annotations

import operator
import re

import statelink.messages.fields as rules
from statelink.errors import FieldError, MessageInvalid
from statelink.messages.keys import FIELD_ORDER
from statelink.messages.model import MAX_MEMBERS, Message, render_given, render_name

MAX_SEGMENTS = 64
"""The most segments (parts between unescaped periods) a text message may have. The
longest valid message has 17: MKE, ORI, DEST, control, TXT, 3 search fields, 5 header
fields, 3 warrant parts and IMQ."""

TXT = "TXT"
"""The keyword between the header and the fields."""

_AFTER_TXT = rules.ASCII_SPACE + "\x7f"
"""What may follow ``TXT`` before the first field: Nlets allows CR, LF and DEL."""

UNSPECIFIED = "U"
"""The purpose of a text message without ``PUR/``."""

HEADER_TAGS: dict[str, str] = {
    "PUR": "purpose",
    "RSN": "reason",
    "OFF": "offense",
    "CAS": "case_number",
    "OPR": "operator",
}
"""Text tag of each optional header field of the JSON form."""

WARRANT_TAGS: dict[str, str] = {"WKD": "kind", "WID": "id", "WCT": "court"}
"""Text tags of the warrant's parts: kind, id (docket number) and court."""

ATTENTION = "ATN"
"""Nlets' attention field (the requester's name): read as the operator (``OPR``)."""

IMAGE = "IMQ"
"""Nlets' image request: ``N`` is accepted, ``Y`` refused (no record has an image)."""

_KNOWN_TAGS = (*FIELD_ORDER, *HEADER_TAGS, *WARRANT_TAGS, ATTENTION, IMAGE)

_TEXT_NAMES: dict[str, str] = {
    **{json_name: tag for tag, json_name in HEADER_TAGS.items()},
    **{f"warrant.{part}": tag for tag, part in WARRANT_TAGS.items()},
    **{f"fields.{tag}": tag for tag in FIELD_ORDER},
}
"""JSON field names as a text-form user knows them, for error messages."""


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(".", "\\.")


_SEGMENT = re.compile(r"([^.\\]*+(?:\\.[^.\\]*+)*+)(\.|\\?\Z)", re.DOTALL)
"""One segment: plain characters and escape pairs, then an unescaped period or the end
(where a lone backslash stands for itself)."""

_WITHOUT_BACKSLASHES = operator.methodcaller("replace", "\\", "")


def _unescape(body: str) -> str:
    """Undo the escapes of a segment made of plain characters and escape pairs.

    Scanning from the left, every ``\\\\`` that :meth:`str.split` finds starts an escape
    pair, so it is an escaped backslash; every other backslash escapes the character
    after it and is dropped. (Each step runs in C: hostile input costs no Python loop.)
    """
    if "\\" not in body:
        return body
    return "\\".join(map(_WITHOUT_BACKSLASHES, body.split("\\\\")))


def _segments(text: str) -> list[str]:
    """Split on unescaped periods, undoing the escapes; refuse more than MAX_SEGMENTS."""
    parts: list[str] = []
    position = 0
    while position < len(text):
        if len(parts) == MAX_SEGMENTS:
            raise MessageInvalid(
                [
                    FieldError(
                        "message",
                        f"at most {MAX_SEGMENTS} segments separated by '.'",
                        f"more than {MAX_SEGMENTS}",
                    )
                ]
            )
        segment = _SEGMENT.match(text, position)
        assert segment is not None  # the pattern matches anywhere, if only the end
        body, end = segment.groups()
        parts.append(_unescape(body) + ("\\" if end == "\\" else ""))
        position = segment.end()
    return parts


def encode(message: Message) -> str:
    """The canonical one-line text of a message."""
    out = [message.mke, message.ori, ",".join(message.dest)]
    if message.control:
        out.append("*" + message.control)
    out.append(TXT)
    out.extend(f"{tag}/{_escape(value)}" for tag, value in message.fields.items())
    for tag, attr in HEADER_TAGS.items():
        value = getattr(message, attr)
        if value:
            out.append(f"{tag}/{_escape(value)}")
    if message.warrant is not None:
        for tag, attr in WARRANT_TAGS.items():
            value = getattr(message.warrant, attr)
            if value:
                out.append(f"{tag}/{_escape(value)}")
    return ".".join(out) + "."


def decode(text: str) -> Message:
    """Parse the one-line text form; raise MessageInvalid naming the field."""
    parts = _segments(text.strip(rules.ASCII_SPACE))
    if len(parts) < 3:
        raise MessageInvalid(
            [
                FieldError(
                    "message", "MKE.ORI.DEST.FIELD/VALUE. (at least 3 parts)", render_given(text)
                )
            ]
        )
    codes = parts[2].count(",") + 1
    if codes > MAX_MEMBERS:  # refused unread and counted, as Message.parse does
        try:
            rules.destination_count(codes)
        except rules.Unexpected as e:
            raise MessageInvalid([FieldError("dest", e.expected, f"{codes:,} codes")]) from None
    rest = parts[3:]
    control = rest.pop(0)[1:] if rest and rest[0].startswith("*") else ""
    _skip_txt(rest)
    header: _Tags = {}
    warrant: _Tags = {}
    fields: _Tags = {}
    problems = _read_tags(rest, header, warrant, fields)
    if problems:
        raise MessageInvalid(problems)
    header.setdefault("purpose", UNSPECIFIED)
    data = {"mke": parts[0], "ori": parts[1], "dest": parts[2].split(","), "fields": fields}
    if control:
        data["control"] = control
    if warrant:
        data["warrant"] = warrant
    try:
        return Message.parse(data | header)
    except MessageInvalid as e:
        raise MessageInvalid(
            [FieldError(_TEXT_NAMES.get(f.field, f.field), f.expected, f.given) for f in e.errors],
            count=e.error_count,
        ) from None


_Tags = dict[str, str]


def _skip_txt(segments: list[str]) -> None:
    """Drop the ``TXT`` keyword from the first field segment, where it is written."""
    if not segments:
        return
    first = segments[0].lstrip(rules.ASCII_SPACE)
    if not (first[:3].isascii() and first[:3].upper() == TXT):
        return
    after = first[3:].lstrip(_AFTER_TXT)
    if after:
        segments[0] = after
    else:
        segments.pop(0)


def _read_tags(
    segments: list[str], header: _Tags, warrant: _Tags, fields: _Tags
) -> list[FieldError]:
    """Sort each FIELD/VALUE segment into the header, the warrant or the search fields;
    return the problems."""
    problems: list[FieldError] = []
    seen: set[str] = set()
    for segment in segments:
        written, slash, value = segment.partition("/")
        tag = rules.tag(written)
        if not slash or not tag:
            problems.append(FieldError("message", "FIELD/VALUE", render_given(segment)))
        elif tag in seen:
            problems.append(
                FieldError(render_name(tag), "each field at most once", render_given(segment))
            )
        elif tag in HEADER_TAGS or tag == ATTENTION:
            problem = _header(tag, value, segment, header)
            if problem is not None:
                problems.append(problem)
        elif tag == IMAGE:
            if rules.tag(value) != "N":
                problems.append(
                    FieldError(
                        IMAGE,
                        "IMQ/N or no IMQ (statelink's records carry no images)",
                        render_given(segment),
                    )
                )
        elif tag in WARRANT_TAGS:
            warrant[WARRANT_TAGS[tag]] = value
        elif tag in FIELD_ORDER:
            fields[tag] = value
        else:
            problems.append(
                FieldError(
                    render_name(tag),
                    f"a known field tag, one of {' '.join(_KNOWN_TAGS)}",
                    render_given(segment),
                )
            )
        seen.add(tag)
    return problems


def _header(tag: str, value: str, segment: str, header: _Tags) -> FieldError | None:
    """Put one header field in place; ``ATN`` and ``OPR`` both name the operator."""
    attr = "operator" if tag == ATTENTION else HEADER_TAGS[tag]
    if attr in header:
        return FieldError(
            tag, "ATN or OPR, not both (each names the operator)", render_given(segment)
        )
    header[attr] = value
    return None


def decode_bytes(body: bytes) -> Message:
    """The text form from bytes on the wire: UTF-8, or one error naming the first bad byte."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        given = f"byte 0x{body[e.start]:02X} at offset {e.start}"
        raise MessageInvalid([FieldError("message", "text in UTF-8", given)]) from None
    return decode(text)


def parse_any(text: str) -> Message:
    """A message in any form: JSON when it starts with ``{``, the Nlets XML layout when it
    starts with ``<``, else the text form."""
    stripped = text.lstrip(rules.ASCII_SPACE + "\ufeff")
    if stripped.startswith("<"):
        from statelink.messages.niem import decode_xml  # lxml, loaded only for XML

        return decode_xml(stripped)
    return Message.parse(stripped) if stripped.startswith("{") else decode(stripped)
