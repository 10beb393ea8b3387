"""Reading back the PDF files statelink writes, for the tests: every object where the
cross-reference table says it is."""

from __future__ import annotations

import re


def objects(pdf: bytes) -> dict[int, bytes]:
    """Each object's number and body, found at the offset the cross-reference table gives
    (the ``startxref`` line points at that table); fails if one is not where it says."""
    start = int(re.findall(rb"startxref\n(\d+)\n%%EOF\n$", pdf)[0])
    assert pdf[start:].startswith(b"xref\n0 ")
    count = int(pdf[start + 7 : pdf.index(b"\n", start + 7)])
    rows = pdf[start:].split(b"\n")[2 : 2 + count]
    assert rows[0] == b"0000000000 65535 f "
    found = {}
    for number, row in enumerate(rows[1:], start=1):
        offset = int(row[:10])
        head = f"{number} 0 obj\n".encode()
        assert pdf[offset:].startswith(head), f"object {number} is not at {offset}"
        body_end = pdf.index(b"\nendobj\n", offset)
        found[number] = pdf[offset + len(head) : body_end]
    return found


def shown(pdf: bytes) -> list[str]:
    """Every string the PDF shows (``(...) Tj``), its escapes undone, in WinAnsi."""
    found = re.findall(rb"\(((?:[^\\)]|\\.)*)\) Tj", pdf)
    return [_unescaped(text) for text in found]


def _unescaped(text: bytes) -> str:
    plain = re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), text)
    return re.sub(rb"\\([()\\])", rb"\1", plain).decode("cp1252")


def text(pdf: bytes) -> str:
    """What the PDF shows, its lines joined by spaces."""
    return " ".join(shown(pdf))
