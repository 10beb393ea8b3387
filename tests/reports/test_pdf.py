"""statelink's own PDF files: lines broken with Helvetica's widths, text in WinAnsi with
PDF's escapes, pages as many as needed, every object where the cross-reference table says,
and the same bytes for the same blocks; the public report's PDF prints what its HTML does."""

from __future__ import annotations

import re

import pytest

from statelink.reports import pdf, public
from tests.reports.pdf_objects import objects
from tests.reports.pdf_objects import shown as shown_in
from tests.reports.test_public import WA, shown


def test_widths_are_helvetica_s() -> None:
    assert pdf.width("Hello", 10) == pytest.approx((722 + 556 + 222 + 222 + 556) / 100)
    assert pdf.width("Hello", 10, pdf.Face.BOLD) == pytest.approx(
        (722 + 556 + 278 + 278 + 611) / 100
    )
    assert pdf.width("é", 10) == pdf.width("e", 10)  # an accented letter: its letter's width
    assert pdf.width("'", 12) == pytest.approx(191 * 12 / 1000)  # WinAnsi's straight quote


@pytest.mark.parametrize(
    ("text", "room", "expected"),
    [
        ("one two three", 1000, ["one two three"]),
        ("one two three", pdf.width("one two", 10), ["one two", "three"]),
        ("one two three", pdf.width("three", 10), ["one", "two", "three"]),
        ("abcdefgh", pdf.width("abc", 10), ["abc", "def", "gh"]),  # a hash is cut to fit
        ("  ", 100, [""]),
    ],
)
def test_lines_fit_their_room(text: str, room: float, expected: list[str]) -> None:
    found = pdf.lines(text, room, 10)
    assert found == expected
    assert all(pdf.width(line, 10) <= room for line in found)


def _texts(document: bytes) -> list[bytes]:
    return re.findall(rb"\(((?:[^\\)]|\\.)*)\) Tj", document)


def test_text_is_escaped_and_encoded_in_winansi() -> None:
    made = pdf.document([pdf.Text("(a) \\ b é … → x")], title="t")
    assert _texts(made)[0] == b"\\(a\\) \\\\ b \\351 \\205 ? x"
    assert made.split(b"\n", 2)[2].isascii()  # past the binary marker, all escaped


def test_a_long_document_has_its_pages_and_the_same_bytes_each_time() -> None:
    blocks: list[pdf.Block] = [pdf.Text("Counts", 16, pdf.Face.BOLD)]
    blocks += [pdf.Row(f"row {i}", f"{i:,}", quiet=i % 7 == 0) for i in range(120)]
    made = pdf.document(blocks, title="Counts — a test", footer="WA")
    assert made == pdf.document(blocks, title="Counts — a test", footer="WA")
    found = objects(made)
    pages = int(re.findall(rb"/Count (\d+)", found[2])[0])
    assert pages > 2
    assert len(found) == 6 + 2 * pages  # catalog, pages, 3 fonts, info; each page and its text
    feet = [t for t in _texts(made) if t.startswith(b"WA \\267 page")]
    assert feet == [f"WA \\267 page {n} of {pages}".encode() for n in range(1, pages + 1)]
    assert b"/Title <FEFF" in found[6]  # the title in UTF-16: any character
    assert b"CreationDate" not in made  # no date: the same file every time
    rows = [t for t in _texts(made) if t.startswith(b"row ")]
    assert len(rows) == 120


def test_the_public_report_s_pdf_prints_what_its_html_does() -> None:
    made = public.to_pdf(WA)
    texts = shown_in(made)
    printed = shown(WA)
    assert printed["Requests by decision", "held"] == public.SUPPRESSED
    for t in public.tables(WA):
        assert t.title in texts
        at = texts.index(t.title)
        for label, value in t.rows:
            assert label in texts[at:]
            assert value in texts[at:]
    assert public.note(False).split(";")[0] in " ".join(texts)
    assert "<10" not in " ".join(texts)
