"""Reading XML safely: no DOCTYPE, no entity expanded, nothing fetched, sizes capped.

Hostile documents are refused with MessageInvalid saying why; a loopback server counts
any attempt to fetch something a document points at (there must be none), and a secret
file named by an external entity never shows in what comes back.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from lxml import etree

from statelink.errors import MessageInvalid
from statelink.messages import decode, niem_document
from statelink.messages.niem import decode_xml, encode_xml
from statelink.messages.niem_document import MAX_XML_BYTES, MESSAGES_XSD, schema

QUERY = encode_xml(decode("DQ.NY0303000.WA.*C1.TXT.OLN/WDL12345678.PUR/C"))

LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + "]>\n<lolz>&lol9;</lolz>\n"
)
"""The billion laughs: nine levels of ten references, a billion ``lol`` once expanded."""


def _refused_for_its_doctype(body: bytes | str) -> MessageInvalid:
    with pytest.raises(MessageInvalid) as caught:
        decode_xml(body)
    (error,) = caught.value.errors
    assert "without a DOCTYPE" in error.expected
    assert "none is expanded or fetched" in error.expected
    return caught.value


@pytest.mark.parametrize("codec", ["utf-8", "utf-16", "utf-16-be", "utf-32"])
def test_the_billion_laughs_are_refused_unexpanded(codec: str) -> None:
    body = LAUGHS if codec == "utf-8" else LAUGHS.replace('"1.0"?', f'"1.0" encoding="{codec}"?')
    error = _refused_for_its_doctype(body.encode(codec))
    assert "lollollol" not in str(error.details())


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-7f3a\n")
    return path


def _xxe(target: str) -> str:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE n2:NLETS [<!ENTITY xxe SYSTEM "{target}">]>\n'
        + QUERY.split("?>\n", 1)[1].replace("C1", "&xxe;")
    )


@pytest.mark.parametrize("codec", ["utf-8", "utf-16"])
def test_an_external_entity_is_never_read(codec: str, secret: Path) -> None:
    for target in (secret.as_uri(), str(secret)):
        body = _xxe(target)
        if codec != "utf-8":
            body = body.replace('"1.0"?', f'"1.0" encoding="{codec}"?')
        error = _refused_for_its_doctype(body.encode(codec))
        assert "TOP-SECRET" not in error.message
        assert "TOP-SECRET" not in str(error.details())


class Listener:
    """A loopback TCP server that counts the connections made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.05)
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def _pointing_at(url: str) -> dict[str, str]:
    body = QUERY.split("?>\n", 1)[1]
    return {
        "external DTD": f'<!DOCTYPE n2:NLETS SYSTEM "{url}/nlets.dtd">{body}',
        "public DTD": f'<!DOCTYPE n2:NLETS PUBLIC "-//X//DTD X//EN" "{url}/x.dtd">{body}',
        "external entity": _xxe(f"{url}/entity"),
        "parameter entity": f'<!DOCTYPE n2:NLETS [<!ENTITY % p SYSTEM "{url}/p"> %p;]>{body}',
        "XInclude": body.replace(
            "<n2:NLETSInquiryData>",
            '<n2:NLETSInquiryData><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
            f'href="{url}/x.xml"/>',
        ),
        "schema location": body.replace(
            'n2:version="4.00"',
            'n2:version="4.00" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'xsi:schemaLocation="http://www.nlets.org/niem/1.0 {url}/nlets.xsd"',
        ),
    }


@pytest.mark.parametrize("codec", ["utf-8", "utf-16"])
def test_nothing_a_document_points_at_is_fetched(codec: str, listener: Listener) -> None:
    for case, body in _pointing_at(listener.url).items():
        with contextlib.suppress(MessageInvalid):  # a schema location is ignored, the rest refused
            decode_xml(body.encode(codec))
        assert listener.connections == 0, case
    # the listener does count: a plain connection shows
    socket.create_connection(listener.sock.getsockname()).close()
    for _ in range(100):
        if listener.connections:
            break
        threading.Event().wait(0.01)
    assert listener.connections == 1


def test_the_parser_itself_expands_and_fetches_nothing(listener: Listener, secret: Path) -> None:
    """Behind the refusal of any DOCTYPE, the parser is safe on its own: no entity is
    resolved, no DTD loaded, no network used."""
    parser = niem_document._parser(text=False)
    bodies = [*_pointing_at(listener.url).values(), LAUGHS, _xxe(secret.as_uri())]
    for body in bodies:
        try:
            root = etree.fromstring(body.encode(), parser)
        except etree.XMLSyntaxError:
            continue
        written = etree.tostring(root)
        assert b"lollollol" not in written
        assert b"TOP-SECRET" not in written
    assert listener.connections == 0


REFUSED: list[tuple[str, bytes | str, str]] = [
    # (case, body, words in "expected")
    ("too large", QUERY.replace("<n2:NLETS ", "<n2:NLETS " + " " * MAX_XML_BYTES), "at most"),
    ("empty", b"", "well-formed XML"),
    ("only white space", "  \n ", "well-formed XML"),
    ("only a comment", b"<!-- nothing -->", "well-formed XML"),
    ("cut short", QUERY[:200], "well-formed XML"),
    ("an entity never declared", QUERY.replace("WDL12345678", "&x;"), "well-formed XML"),
    ("nested past the parser's depth", "<a>" * 5000 + "</a>" * 5000, "well-formed XML"),
    ("an unknown encoding", b'<?xml version="1.0" encoding="x-bogus"?><a/>', "XML"),
    ("a lone surrogate", QUERY.replace("C1", "\ud800"), "an XML document"),
    ("bytes that are not UTF-8", QUERY.encode().replace(b"C1", b"\xff"), "well-formed XML"),
    ("JSON", b'{"mke": "DQ"}', "well-formed XML"),
]


@pytest.mark.parametrize(("case", "body", "expected"), REFUSED, ids=[c[0] for c in REFUSED])
def test_what_is_not_a_document_is_refused_on_one_line(
    case: str, body: bytes | str, expected: str
) -> None:
    with pytest.raises(MessageInvalid) as caught:
        decode_xml(body)
    assert expected in caught.value.errors[0].expected
    assert "\n" not in caught.value.message
    assert len(caught.value.message) < 400


def test_a_document_of_exactly_the_limit_is_read() -> None:
    padding = MAX_XML_BYTES - len(QUERY.encode())
    body = QUERY.replace("<n2:NLETS ", "<n2:NLETS " + " " * padding)
    assert len(body.encode()) == MAX_XML_BYTES
    assert decode_xml(body) == decode_xml(QUERY)


@pytest.mark.parametrize("codec", ["utf-16", "iso-8859-1"])
def test_a_document_in_another_declared_encoding_is_read(codec: str) -> None:
    body = QUERY.replace('encoding="UTF-8"', f'encoding="{codec}"')
    assert decode_xml(body.encode(codec)) == decode_xml(QUERY)
    assert decode_xml(body) == decode_xml(QUERY)  # text: the declaration is moot


def test_something_that_is_not_text_is_refused() -> None:
    with pytest.raises(MessageInvalid) as caught:
        decode_xml(42)  # type: ignore[arg-type]
    assert "text or bytes" in caught.value.errors[0].expected


def test_the_schema_is_compiled_once_per_thread() -> None:
    here = schema(MESSAGES_XSD)
    assert schema(MESSAGES_XSD) is here
    with ThreadPoolExecutor(1) as pool:
        there = pool.submit(schema, MESSAGES_XSD).result()
    assert there is not here


def test_threads_decode_side_by_side() -> None:
    texts = [f"DQ.NY0303000.WA.*C{i}.TXT.OLN/A{i}.PUR/C" for i in range(40)]
    documents = [encode_xml(decode(t)) for t in texts]
    bad = QUERY.replace("<nh2:MessageKeyCodeText>DQ", "<nh2:MessageKeyCodeText>ZQ")

    def work(i: int) -> str:
        if i % 3 == 0:
            try:
                decode_xml(bad)
            except MessageInvalid as e:
                return e.errors[0].field
        return decode_xml(documents[i % 40]).control

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(600)))
    for i, result in enumerate(results):
        assert result == ("nh2:MessageKeyCodeText" if i % 3 == 0 else f"C{i % 40}")
