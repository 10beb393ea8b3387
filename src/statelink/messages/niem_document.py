"""XML documents of the Nlets 4.00 layout: parsed safely, checked against statelink's XSD.

Parsing refuses what could make a parser do more than read the bytes given: a document
over :data:`MAX_XML_BYTES`, and any DOCTYPE (so no entity is ever expanded and no external
entity or DTD fetched: the parser resolves no entities, loads no DTD and has no network).
Whatever goes wrong is one :class:`~statelink.errors.MessageInvalid` naming what was
expected, never another exception.

The schemas (``schemas/*.xsd``, package data) are compiled once per thread, when first
used, and validate with libxml2 (lxml's :class:`~lxml.etree.XMLSchema`).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from pathlib import Path

from lxml import etree

from statelink.errors import FieldError, MessageInvalid
from statelink.messages.model import render_given

N2 = "http://www.nlets.org/niem/1.0"
NH2 = "http://www.nlets.org/niem/nlets-hdr/1.0"
NC = "http://niem.gov/niem/niem-core/2.0"
N2C = "http://www.nlets.org/niem/nlets-core/1.0"
SL = "https://statelink.example/ns/nlets-ext/1.0"
"""statelink's extension namespace (prefix ``sl``): a name, never fetched."""
PROBLEM = "urn:ietf:rfc:7807"

NAMESPACES: dict[str, str] = {"n2": N2, "nh2": NH2, "nc": NC, "n2c": N2C, "sl": SL}
"""The prefixes statelink writes, as Nlets' examples use them (and ``sl``)."""

SCHEMAS = Path(__file__).with_name("schemas")
MESSAGES_XSD = "nlets.xsd"
"""The schema of queries and answers (root ``n2:NLETS``); it imports the others."""
PROBLEM_XSD = "problem.xsd"

VERSION = "4.00"
"""The Nlets XML version statelink reads and writes (``n2:version``)."""

MAX_XML_BYTES = 64 * 1024
"""The largest XML document read, in bytes (the HTTP API's body limit)."""

_DOCTYPE = "<!DOCTYPE"
_DOCTYPE_8, _DOCTYPE_16, _DOCTYPE_32 = (
    _DOCTYPE.encode(codec).rstrip(b"\0") for codec in ("utf-8", "utf-16-le", "utf-32-le")
)
"""A DOCTYPE in the encodings a parser detects by itself, refused before parsing: UTF-8
(and ASCII, Latin-1...), UTF-16 and UTF-32 (the little-endian bytes without their last
zeros are inside the big-endian ones too)."""
_BANG = ord("!")
_NO_DOCTYPE = (
    "an XML document without a DOCTYPE (DTDs and entities are refused: none is expanded or fetched)"
)

_PREFIXES = {uri: prefix for prefix, uri in NAMESPACES.items()}
_NLETS = f"{{{N2}}}NLETS"
_CLARK = re.compile(r"\{([^}]*)\}")
_local = threading.local()


def tag(namespace: str, name: str) -> str:
    """An element's name as lxml spells it: ``{namespace}name``."""
    return f"{{{namespace}}}{name}"


def prefixed(clark: str) -> str:
    """``{http://www.nlets.org/niem/1.0}NLETS`` as ``n2:NLETS``, for people."""
    return _CLARK.sub(lambda m: f"{_PREFIXES.get(m[1], m[1] or '')}:", clark)


_PARSER_NAMES = (
    ("parser_bytes", "parser_bytes_validating"),
    ("parser_text", "parser_text_validating"),
)


def _parser(text: bool, validating: bool = False) -> etree.XMLParser:
    """This thread's parser (lxml parsers are not shared between threads); a validating
    one checks the document against ``nlets.xsd`` while it reads it, and keeps no comments
    and no processing instructions (the text around one is joined), so that readers find
    in each element exactly the children the schema allows."""
    name = _PARSER_NAMES[text][validating]
    parser: etree.XMLParser | None = getattr(_local, name, None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            collect_ids=False,
            encoding="utf-8" if text else None,  # text arrives re-encoded in UTF-8
            schema=schema(MESSAGES_XSD) if validating else None,
            remove_comments=validating,
            remove_pis=validating,
        )
        setattr(_local, name, parser)
    return parser


def schema(name: str) -> etree.XMLSchema:
    """A published schema, compiled once per thread (validation keeps state in it)."""
    compiled: dict[str, etree.XMLSchema] = getattr(_local, "schemas", None) or {}
    _local.schemas = compiled
    if name not in compiled:
        document = etree.parse(str(SCHEMAS / name), _parser(text=False))
        compiled[name] = etree.XMLSchema(document)
    return compiled[name]


def _refuse(expected: str, given: str, field: str = "message") -> MessageInvalid:
    return MessageInvalid([FieldError(field, expected, given)])


def _one_line(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def read_document(body: bytes | str, part: str) -> tuple[etree._Element, etree._Element]:
    """A document valid against ``nlets.xsd``: its root and its ``part`` element
    (``NLETSInquiryData``...); else MessageInvalid, saying why as :func:`parse`,
    :func:`expect_root` and :func:`validate` do.

    The document is checked against the schema as it is read, in one pass; only one that
    fails is read again, without the schema, to find the errors to show. Either way the
    tree has no comments and no processing instructions (see :func:`_parser`).
    """
    data = _data(body)
    text = isinstance(body, str)
    parser = getattr(_local, _PARSER_NAMES[text][True], None) or _parser(text, validating=True)
    try:
        root = etree.fromstring(data, parser)
    except (etree.LxmlError, ValueError, LookupError):
        root = parse(body)  # raises what is wrong, unless only the schema objected
        element = expect_root(root, part)
        validate(root)
        etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, with_tail=False)
        return root, element
    if root is None:
        root = parse(body)  # raises: there is no element
    _no_doctype(root)
    return root, expect_root(root, part)


def _data(body: bytes | str) -> bytes:
    """A body's bytes, if it may be read: not too long, no DOCTYPE."""
    if isinstance(body, str):
        try:
            data = body.encode("utf-8")
        except UnicodeEncodeError as e:
            raise _refuse(
                "an XML document", f"text that is not Unicode (a lone surrogate) at {e.start}"
            ) from None
    elif isinstance(body, bytes):
        data = body
    else:
        raise _refuse("an XML document (text or bytes)", render_given(body))
    if len(data) > MAX_XML_BYTES:
        raise _refuse(f"an XML document of at most {MAX_XML_BYTES:,} bytes", f"{len(data):,}")
    if _BANG in data and (  # never parsed; each of the three has a "!", UTF-16 and -32 a 0
        _DOCTYPE_8 in data or (0 in data and (_DOCTYPE_16 in data or _DOCTYPE_32 in data))
    ):
        raise _refuse(_NO_DOCTYPE, "a DOCTYPE")
    return data


def _no_doctype(root: etree._Element) -> None:
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise _refuse(_NO_DOCTYPE, "a DOCTYPE")  # in an encoding the scan missed


def parse(body: bytes | str) -> etree._Element:
    """The root element of a well-formed XML document without a DOCTYPE; else MessageInvalid."""
    data = _data(body)
    try:
        root = etree.fromstring(data, _parser(text=isinstance(body, str)))
    except etree.XMLSyntaxError as e:
        raise _refuse("a well-formed XML document", _one_line(str(e))) from None
    except (etree.LxmlError, ValueError, LookupError) as e:  # e.g. an unknown encoding
        raise _refuse("a well-formed XML document", _one_line(str(e) or type(e).__name__)) from None
    if root is None:  # only whitespace, comments or processing instructions
        raise _refuse("a well-formed XML document", "no element")
    _no_doctype(root)
    return root


def validate(root: etree._Element, name: str = MESSAGES_XSD) -> None:
    """Check a document against a published schema; MessageInvalid lists what it breaks."""
    checker = schema(name)
    if checker.validate(root):
        return
    entries = list(checker.error_log)
    errors = [
        FieldError(
            _one_line(prefixed(entry.path or "message"), 120) or "message",
            "a document valid against statelink's Nlets schema",
            _one_line(prefixed(entry.message)),
        )
        for entry in entries[:20]
    ]
    if not errors:  # libxml2 always logs why; this keeps the promise if it did not
        errors = [FieldError("message", "a document valid against statelink's schema", "")]
    raise MessageInvalid(errors, count=len(entries))


def expect_root(root: etree._Element, body: str) -> etree._Element:
    """The ``n2:NLETS`` root's body element (``NLETSInquiryData``...), checked by name."""
    if root.tag != _NLETS:
        raise _refuse(
            "an Nlets 4.00 document: root element n2:NLETS in namespace " + N2,
            render_given(prefixed(str(root.tag))),
        )
    wanted = tag(N2, body)
    last = root[-1] if len(root) else None
    if last is not None and last.tag == wanted:  # where a valid document has it
        return last
    for child in root:
        if child.tag == wanted:
            return child
    other = "a query" if body == "NLETSInquiryData" else "an answer"
    raise _refuse(f"{other}: an n2:{body} element in n2:NLETS", "none")


def text(element: etree._Element | None, path: str) -> str | None:
    """The text at ``path`` under ``element`` ('' for an empty element), or None if absent;
    whole, even where a comment splits it."""
    if element is None:
        return None
    found = element.find(path, NAMESPACES)
    if found is None:
        return None
    return found.text or "" if len(found) == 0 else "".join(found.itertext())


def serialize(root: etree._Element) -> str:
    """A document as text: an XML declaration, then the elements, indented."""
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(
        root, encoding="unicode", pretty_print=True
    )


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    """A value XML 1.0 can carry: characters it cannot (controls, lone surrogates,
    U+FFFE/U+FFFF) become U+FFFD; every valid message value is kept as it is."""
    return _NOT_XML.sub("\ufffd", value)


def add(
    parent: etree._Element, namespace: str, name: str, value: str | None = None
) -> etree._Element:
    """A child element, with text when ``value`` is given."""
    child = etree.SubElement(parent, tag(namespace, name))
    if value is not None:
        child.text = xml_text(value)
    return child


def cdata(parent: etree._Element, namespace: str, name: str, value: str) -> etree._Element:
    """A child element whose text is written as CDATA, as Nlets writes free text."""
    child = etree.SubElement(parent, tag(namespace, name))
    value = xml_text(value)
    child.text = etree.CDATA(value) if "]]>" not in value else value
    return child


def nlets_root(namespaces: Sequence[str]) -> etree._Element:
    """An empty ``n2:NLETS`` document declaring the given prefixes."""
    root = etree.Element(
        tag(N2, "NLETS"), nsmap={prefix: NAMESPACES[prefix] for prefix in namespaces}
    )
    root.set(tag(N2, "version"), VERSION)
    return root


def header(
    root: etree._Element, mke: str, origin: str, destinations: Sequence[str], control: str
) -> etree._Element:
    """The ``n2:NLETSMessageHeader`` every document starts with."""
    element = add(root, N2, "NLETSMessageHeader")
    add(element, NH2, "MessageKeyCodeText", mke)
    add(element, NH2, "OriginatingORIID", origin)
    for destination in destinations:
        add(element, NH2, "DestinationORIID", destination)
    if control:
        cdata(element, NH2, "DocumentControlFieldText", control)
    return element
