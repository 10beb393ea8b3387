"""The legacy one-line text form of a message, both directions.

Layout (the Nlets text layout)::

    MKE.ORI.DEST[,DEST...].[*CONTROL.]FIELD/VALUE.FIELD/VALUE.

Search fields come first (``OLN``, ``NAM``, ``DOB``, ``SEX``, ``LIC``, ``LIY``, ``LIT``,
``VIN``), then the header fields below. Inside a value, ``.`` is written ``\\.`` and
``\\`` is written ``\\\\``, so any value round-trips; ``decode(encode(m)) == m`` for
every valid message.
"""

from __future__ import annotations

from statelink.errors import FieldError, MessageInvalid
from statelink.messages.keys import FIELD_ORDER
from statelink.messages.model import Message, render_given

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

_KNOWN_TAGS = (*FIELD_ORDER, *HEADER_TAGS, *WARRANT_TAGS)

_TEXT_NAMES: dict[str, str] = {
    **{json_name: tag for tag, json_name in HEADER_TAGS.items()},
    **{f"warrant.{part}": tag for tag, part in WARRANT_TAGS.items()},
    **{f"fields.{tag}": tag for tag in FIELD_ORDER},
}
"""JSON field names as a text-form user knows them, for error messages."""


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(".", "\\.")


def _segments(text: str) -> list[str]:
    """Split on unescaped periods, undoing the escapes."""
    if "\\" not in text:
        parts = text.split(".")
        return parts[:-1] if parts and not parts[-1] else parts
    parts = []
    current: list[str] = []
    chars = iter(text)
    for ch in chars:
        if ch == "\\":
            current.append(next(chars, "\\"))
        elif ch == ".":
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    if current:
        parts.append("".join(current))
    return parts


def encode(message: Message) -> str:
    """The canonical one-line text of a message."""
    out = [message.mke, message.ori, ",".join(message.dest)]
    if message.control:
        out.append("*" + message.control)
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
    parts = _segments(text.strip())
    if len(parts) < 3:
        raise MessageInvalid(
            [
                FieldError(
                    "message", "MKE.ORI.DEST.FIELD/VALUE. (at least 3 parts)", render_given(text)
                )
            ]
        )
    rest = parts[3:]
    control = rest.pop(0)[1:] if rest and rest[0].startswith("*") else ""
    header: _Tags = {}
    warrant: _Tags = {}
    fields: _Tags = {}
    problems = _read_tags(rest, header, warrant, fields)
    if problems:
        raise MessageInvalid(problems)
    data = {"mke": parts[0], "ori": parts[1], "dest": parts[2].split(","), "fields": fields}
    if control:
        data["control"] = control
    if warrant:
        data["warrant"] = warrant
    try:
        return Message.parse(data | header)
    except MessageInvalid as e:
        raise MessageInvalid(
            [FieldError(_TEXT_NAMES.get(f.field, f.field), f.expected, f.given) for f in e.errors]
        ) from None


_Tags = dict[str, str]


def _read_tags(
    segments: list[str], header: _Tags, warrant: _Tags, fields: _Tags
) -> list[FieldError]:
    """Sort each FIELD/VALUE segment into the header, the warrant or the search fields;
    return the problems."""
    problems: list[FieldError] = []
    seen: set[str] = set()
    for segment in segments:
        tag, slash, value = segment.partition("/")
        tag = tag.strip().upper()
        if not slash or not tag:
            problems.append(FieldError("message", "FIELD/VALUE", render_given(segment)))
        elif tag in seen:
            problems.append(FieldError(tag, "each field at most once", render_given(segment)))
        elif tag in HEADER_TAGS:
            header[HEADER_TAGS[tag]] = value
        elif tag in WARRANT_TAGS:
            warrant[WARRANT_TAGS[tag]] = value
        elif tag in FIELD_ORDER:
            fields[tag] = value
        else:
            problems.append(
                FieldError(
                    tag, f"a known field tag, one of {' '.join(_KNOWN_TAGS)}", render_given(segment)
                )
            )
        seen.add(tag)
    return problems


def parse_any(text: str) -> Message:
    """A message in either form: JSON when it starts with ``{``, else the text form."""
    stripped = text.lstrip()
    return Message.parse(stripped) if stripped.startswith("{") else decode(stripped)
