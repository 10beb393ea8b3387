"""PDF documents of text and rows, written by statelink itself: the public report and a
resident's access report as files to publish, print or send.

A layout engine (WeasyPrint and the like) needs Pango and fonts from the system, which a
state's machine or a CI may not have (see ``docs/review.md``). These documents need far
less: paragraphs, headings and two-column rows (a label and a count), on US letter
pages, in the PDF standard fonts (Helvetica, which every reader has, so nothing is
embedded), with the text in the WinAnsi encoding. Lines are broken with Helvetica's own
character widths (Adobe's metrics). The same blocks always give the same bytes: the file
holds no date and no random id, and its streams are not compressed (they are small).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

PAGE_WIDTH, PAGE_HEIGHT = 612.0, 792.0  # US letter, in points
MARGIN = 54.0
BOTTOM = MARGIN + 18.0  # the footer sits below
LEADING = 1.35
GRAY = "0.36 g"


class Face(Enum):
    """The standard fonts a document uses, by resource name."""

    REGULAR = "F1"
    BOLD = "F2"
    ITALIC = "F3"


BASE_FONTS = {
    Face.REGULAR: "Helvetica",
    Face.BOLD: "Helvetica-Bold",
    Face.ITALIC: "Helvetica-Oblique",
}

_REGULAR = (
    "278,278,355,556,556,889,667,191,333,333,389,584,278,333,278,278,556,556,556,556,556,556,"
    "556,556,556,556,278,278,584,584,584,556,1015,667,667,722,722,667,611,778,722,278,500,667,"
    "556,833,722,778,667,778,722,667,611,722,667,944,667,667,611,278,278,278,469,556,333,556,"
    "556,500,556,556,278,556,556,222,222,500,222,833,556,556,556,556,333,500,278,556,500,722,"
    "500,500,500,334,260,334,584"
)
_BOLD = (
    "278,333,474,556,556,889,722,238,333,333,389,584,278,333,278,278,556,556,556,556,556,556,"
    "556,556,556,556,333,333,584,584,584,611,975,722,722,722,722,667,611,778,722,278,556,722,"
    "611,833,722,778,667,778,722,667,611,722,667,944,667,667,611,333,278,333,584,556,333,556,"
    "611,556,611,556,333,611,611,278,278,556,278,889,611,611,611,611,389,556,333,611,556,778,"
    "556,556,500,389,280,389,584"
)
WIDTHS = {
    Face.REGULAR: tuple(int(w) for w in _REGULAR.split(",")),
    Face.BOLD: tuple(int(w) for w in _BOLD.split(",")),
}
"""Adobe's Helvetica and Helvetica-Bold widths (1/1000 em) of the characters 32 to 126
(WinAnsi: 39 is the straight quote, 96 the grave accent); the oblique face has the
regular one's widths."""
OTHER_WIDTHS = {
    "…": 1000,
    "–": 556,
    "—": 1000,
    "‘": 222,
    "’": 222,
    "“": 333,
    "”": 333,
    "·": 278,
    "•": 350,
}
"""WinAnsi characters beyond ASCII that reports print (an accented letter has its base
letter's width)."""


@dataclass(frozen=True)
class Text:
    """A paragraph, broken into lines to fit; ``keep``: not the last thing on a page (a
    heading stays with what follows it)."""

    text: str
    size: float = 10.0
    face: Face = Face.REGULAR
    gray: bool = False
    before: float = 0.0  # space above, in points
    indent: float = 0.0
    keep: bool = False


@dataclass(frozen=True)
class Row:
    """A label on the left and a value on the right, with a rule under them; a ``quiet``
    value is printed in gray italics (a count that is not shown)."""

    label: str
    value: str
    bold: bool = False
    quiet: bool = False


Block = Text | Row


def width(text: str, size: float, face: Face = Face.REGULAR) -> float:
    """How wide ``text`` prints, in points."""
    table = WIDTHS[Face.BOLD if face is Face.BOLD else Face.REGULAR]
    return sum(_char_width(ch, table) for ch in text) * size / 1000


def _char_width(ch: str, table: tuple[int, ...]) -> int:
    if " " <= ch <= "~":
        return table[ord(ch) - 32]
    if ch in OTHER_WIDTHS:
        return OTHER_WIDTHS[ch]
    base = unicodedata.normalize("NFKD", ch)[:1]
    return table[ord(base) - 32] if base and " " <= base <= "~" else 556


def lines(text: str, room: float, size: float, face: Face = Face.REGULAR) -> list[str]:
    """``text`` broken at spaces into lines of at most ``room`` points (a word wider than
    that is broken where it must be)."""
    found: list[str] = []
    line = ""
    for word in text.split():
        while width(word, size, face) > room:  # a hash, a long id
            fits = [i for i in range(1, len(word)) if width(word[:i], size, face) <= room]
            cut = fits[-1] if fits else 1
            if line:
                found.append(line)
                line = ""
            found.append(word[:cut])
            word = word[cut:]
        candidate = f"{line} {word}" if line else word
        if line and width(candidate, size, face) > room:
            found.append(line)
            candidate = word
        line = candidate
    if line:
        found.append(line)
    return found or [""]


class _Pages:
    """Blocks laid out on pages, as each page's drawing operators."""

    def __init__(self) -> None:
        self.pages: list[list[str]] = []
        self.y = 0.0
        self._new_page()

    def _new_page(self) -> None:
        self.pages.append([])
        self.y = PAGE_HEIGHT - MARGIN

    def _room(self, height: float) -> None:
        if self.y - height < BOTTOM and self.y < PAGE_HEIGHT - MARGIN:
            self._new_page()

    def _show(self, x: float, y: float, text: str, size: float, face: Face, gray: bool) -> None:
        color = GRAY if gray else "0 g"
        self.pages[-1].append(
            f"BT {color} /{face.value} {size:g} Tf {x:.2f} {y:.2f} Td ({_escaped(text)}) Tj ET"
        )

    def text(self, block: Text) -> None:
        step = block.size * LEADING
        room = PAGE_WIDTH - 2 * MARGIN - block.indent
        broken = lines(block.text, room, block.size, block.face)
        self._room(block.before + step * (len(broken) if not block.keep else len(broken) + 4))
        self.y -= block.before
        for line in broken:
            self._room(step)
            self.y -= step
            self._show(MARGIN + block.indent, self.y + 3, line, block.size, block.face, block.gray)

    def row(self, block: Row) -> None:
        size, face = 10.0, Face.BOLD if block.bold else Face.REGULAR
        value_face = Face.ITALIC if block.quiet else face
        value_width = width(block.value, size, value_face)
        room = PAGE_WIDTH - 2 * MARGIN - value_width - 18
        broken = lines(block.label, room, size, face)
        step = size * LEADING
        self._room(step * len(broken) + 6)
        top = self.y
        for i, line in enumerate(broken):
            self._show(MARGIN, top - step * (i + 1) + 1, line, size, face, False)
        x = PAGE_WIDTH - MARGIN - value_width
        self._show(x, top - step + 1, block.value, size, value_face, block.quiet)
        self.y = top - step * len(broken) - 4
        self.pages[-1].append(
            f"0.85 G 0.5 w {MARGIN:.2f} {self.y:.2f} m {PAGE_WIDTH - MARGIN:.2f} {self.y:.2f} l S"
        )


def document(blocks: Sequence[Block], *, title: str, footer: str = "") -> bytes:
    """The blocks on as many pages as they need, each page's foot naming ``footer`` (or
    the title) and the page's number."""
    laid = _Pages()
    for block in blocks:
        if isinstance(block, Row):
            laid.row(block)
        else:
            laid.text(block)
    count = len(laid.pages)
    foot = footer or title
    for number, page in enumerate(laid.pages, start=1):
        text = f"{foot} · page {number} of {count}"
        x = (PAGE_WIDTH - width(text, 8)) / 2
        page.append(f"BT {GRAY} /F1 8 Tf {x:.2f} {MARGIN - 18:.2f} Td ({_escaped(text)}) Tj ET")
    return _file(laid.pages, title)


def _file(pages: list[list[str]], title: str) -> bytes:
    """The PDF file: catalog, page tree, fonts, document info, then each page and its
    content stream; the cross-reference table gives each object's offset."""
    first_page = 7
    kids = " ".join(f"{first_page + 2 * i} 0 R" for i in range(len(pages)))
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} "
        f"/MediaBox [0 0 {PAGE_WIDTH:g} {PAGE_HEIGHT:g}] >>",
        *(
            f"<< /Type /Font /Subtype /Type1 /BaseFont /{BASE_FONTS[face]} "
            "/Encoding /WinAnsiEncoding >>"
            for face in Face
        ),
        f"<< /Title {_utf16(title)} /Producer (statelink) >>",
    ]
    fonts = " ".join(f"/{face.value} {3 + i} 0 R" for i, face in enumerate(Face))
    for i, ops in enumerate(pages):
        stream = "\n".join(ops)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /Resources << /Font << {fonts} >> >> "
            f"/Contents {first_page + 2 * i + 1} 0 R >>"
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("ascii")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("ascii")
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode("ascii")
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 6 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n"
    ).encode("ascii")
    return bytes(out)


def _escaped(text: str) -> str:
    """``text`` as the body of a PDF string in WinAnsi: ASCII as it is (``\\``, ``(`` and
    ``)`` escaped), other characters as octal escapes, those WinAnsi lacks as ``?``."""
    printable = "".join(ch if ch >= " " else " " for ch in text)
    out = []
    for byte in printable.encode("cp1252", errors="replace"):
        ch = chr(byte)
        if ch in "\\()":
            out.append("\\" + ch)
        elif 32 <= byte <= 126:
            out.append(ch)
        else:
            out.append(f"\\{byte:03o}")
    return "".join(out)


def _utf16(text: str) -> str:
    """A text string for the document's information (any characters): UTF-16, in hex."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"
