"""CSV that is safe to open in a spreadsheet: every CSV statelink writes goes through here.

A spreadsheet runs a cell that begins with ``=``, ``+``, ``-`` or ``@`` as a formula, and
some also treat a leading tab (0x09) or carriage return (0x0D) as the start of one
(OWASP, "CSV Injection"). An agency named ``=HYPERLINK("http://x","y")`` in a mail merge
or an export would otherwise become a live link, or worse. So, as OWASP advises, such a
cell is written with a single quote ``'`` in front: the spreadsheet takes it for text.

The rule, for writing (:func:`neutralise`):

- an ``int`` (``bool`` too) or a finite ``float`` is a value statelink computed (a count,
  a sequence number, ``-1``): it is written as the number, unchanged, and stays a number
  in the spreadsheet. Its text (``-1``, ``2.5e-05``, ``True``) is never a formula. The
  type of the value decides, not the column: a column of counts that also holds a time
  or ``<10`` (a report's ``requests``) has numbers and text, and text typed by a person
  that looks like a sum (``-2+3``) is text;
- anything else is text. Text whose leading quotes (none or more) are followed by a
  trigger character (``= + - @``, tab, carriage return) gets one more ``'`` in front:
  ``=1+1`` is written ``'=1+1``, ``-2+3`` is written ``'-2+3``, and ``'=x`` is written
  ``''=x``. Other text (``O'Neil``, ``'quoted'``, ``2026-11-24``, ``<10``) is written as is.

The rule, for reading (:func:`restore`): a cell whose leading quotes are followed by a
trigger character loses its first ``'``; any other cell is read as is. Reading undoes
exactly what writing added, so writing then reading gives back every string unchanged
(the directory's export and import round trip is lossless), and no written cell begins
with a trigger character. The CSV quoting itself (commas, double quotes, line breaks) is
the ``csv`` module's, after the prefix is added; a row with a carriage return in a cell
has all its text cells quoted (see :class:`Writer`).

Prefixing the quotes too (``'=x`` to ``''=x``) is what keeps the round trip lossless: a
cell that already began with ``'=`` would otherwise read back as ``=``.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import IO, Any

TRIGGERS = frozenset("=+-@\t\r")
"""Characters that make a spreadsheet read a cell as a formula."""

QUOTE = "'"
LINE_END = "\n"


def _triggers(text: str) -> bool:
    """Whether ``text``, after its leading quotes, begins with a trigger character."""
    return text.lstrip(QUOTE)[:1] in TRIGGERS


def neutralise(value: object) -> str | int | float:
    """The cell to write for ``value``: numbers as they are, text safe for spreadsheets."""
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return value
    text = "" if value is None else str(value)
    return QUOTE + text if _triggers(text) else text


def restore(text: str) -> str:
    """The original of a cell read back: undoes exactly the ``'`` :func:`neutralise` adds."""
    return text[1:] if text.startswith(QUOTE) and _triggers(text) else text


class Writer:
    """A ``csv.writer`` whose every cell is neutralised (lines end with ``\\n``).

    ``csv`` quotes a cell holding a delimiter, a double quote or a line feed, but with
    lines ending in ``\\n`` not one holding a lone carriage return, which a reader would
    take for the end of the line. A row with such a cell is written with every text cell
    quoted (numbers still bare), so that it reads back whole.
    """

    def __init__(self, f: IO[str]) -> None:
        self._minimal = csv.writer(f, lineterminator=LINE_END)
        self._quoted = csv.writer(f, lineterminator=LINE_END, quoting=csv.QUOTE_NONNUMERIC)

    def writerow(self, row: Iterable[object]) -> None:
        cells = [neutralise(value) for value in row]
        lone_return = any(isinstance(cell, str) and "\r" in cell for cell in cells)
        (self._quoted if lone_return else self._minimal).writerow(cells)

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


class DictWriter:
    """A ``csv.DictWriter`` whose every cell, the header's too, is neutralised."""

    def __init__(self, f: IO[str], fieldnames: Sequence[str]) -> None:
        self.fieldnames = tuple(fieldnames)
        self._known = frozenset(self.fieldnames)
        self._writer = Writer(f)

    def writeheader(self) -> None:
        self._writer.writerow(self.fieldnames)

    def writerow(self, row: Mapping[str, object]) -> None:
        """Write one row (a missing key: an empty cell); an unknown key is a ValueError."""
        unknown = [key for key in row if key not in self._known]
        if unknown:
            raise ValueError(f"not a column: {', '.join(map(repr, unknown))}")
        self._writer.writerow(row.get(name, "") for name in self.fieldnames)

    def writerows(self, rows: Iterable[Mapping[str, object]]) -> None:
        for row in rows:
            self.writerow(row)


class DictReader:
    """A ``csv.DictReader`` that gives back each cell's original (see :func:`restore`).

    As with ``csv.DictReader``, a row shorter than the header has ``None`` for its missing
    cells and a longer one keeps its extra cells in a list under the key ``None``.
    """

    def __init__(self, lines: Iterable[str]) -> None:
        self._reader = csv.DictReader(lines)

    @property
    def fieldnames(self) -> list[str] | None:
        names = self._reader.fieldnames
        return None if names is None else [restore(name) for name in names]

    @property
    def line_num(self) -> int:
        """The number of lines read so far (a quoted line break counts)."""
        return self._reader.line_num

    def __iter__(self) -> Iterator[dict[str, str]]:
        for row in self._reader:
            yield {
                _restored(key): _restored(value)  # csv's None and extra-cell lists pass
                for key, value in row.items()
            }


def _restored(cell: str | Any) -> str | Any:
    return restore(cell) if isinstance(cell, str) else cell
