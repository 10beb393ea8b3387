"""Spreadsheet-safe CSV: text that would start a formula is written with a ``'`` in front,
numbers stay numbers, and reading undoes exactly what writing added."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from statelink.spreadsheet import TRIGGERS, DictReader, DictWriter, Writer, neutralise, restore

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
"""Values a spreadsheet would run as formulas; every writer's tests feed these in."""


def cells(text: str) -> list[list[str]]:
    """The cells of written CSV as a spreadsheet would see them (the CSV quoting undone)."""
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-1", "'-1"),  # text that looks like a number is still text
        ("'=x", "''=x"),  # already quoted: one more, so that reading gives it back
        ("''-x", "'''-x"),
        ("O'Neil", "O'Neil"),  # a quote that starts nothing stays as it is
        ("'quoted'", "'quoted'"),
        ("'", "'"),
        (" =1", " =1"),  # only the very first character counts
        ("a=b", "a=b"),
        ("2026-11-24", "2026-11-24"),
        ("<10", "<10"),
        ("", ""),
        (None, ""),
        (-1, -1),  # numbers statelink computed stay numbers
        (0, 0),
        (1234, 1234),
        (-2.5, -2.5),
        (True, True),
        (float("-inf"), "'-inf"),  # not a finite number: text
    ],
)
def test_neutralise(value: object, written: object) -> None:
    assert neutralise(value) == written
    assert type(neutralise(value)) is type(written)


@pytest.mark.parametrize(
    ("cell", "original"),
    [
        ("'=1+1", "=1+1"),
        ("'+1", "+1"),
        ("'-2+3", "-2+3"),
        ("'@SUM(A1)", "@SUM(A1)"),
        ("'\t=1", "\t=1"),
        ("'\r=1", "\r=1"),
        ("''=x", "'=x"),  # only the one quote the writer added
        ("=1", "=1"),  # not written by statelink: read as is
        ("O'Neil", "O'Neil"),
        ("'quoted'", "'quoted'"),
        ("'", "'"),
        ("''", "''"),
        ("", ""),
    ],
)
def test_restore(cell: str, original: str) -> None:
    assert restore(cell) == original


def test_the_writer_quotes_the_csv_after_the_prefix() -> None:
    out = io.StringIO()
    Writer(out).writerows([['=HYPERLINK("http://x","y")', -1, "a,b"], ["\r=1", 7, None]])
    assert out.getvalue() == (
        '"\'=HYPERLINK(""http://x"",""y"")",-1,"a,b"\n'
        '"\'\r=1",7,""\n'  # a carriage return: every text cell of the row quoted
    )
    assert cells(out.getvalue()) == [
        ['\'=HYPERLINK("http://x","y")', "-1", "a,b"],
        ["'\r=1", "7", ""],
    ]


def test_the_dict_writer_refuses_an_unknown_column() -> None:
    writer = DictWriter(io.StringIO(), ("a", "b"))
    with pytest.raises(ValueError, match="'c'"):
        writer.writerow({"a": 1, "c": 2})


def test_the_dict_reader_keeps_csv_s_short_and_long_rows() -> None:
    reader = DictReader(io.StringIO("a,b\n'=1\n'-2,x,'+3\n"))
    assert reader.fieldnames == ["a", "b"]
    assert list(reader) == [
        {"a": "=1", "b": None},
        {"a": "-2", "b": "x", None: ["'+3"]},  # extra cells: csv's list, untouched
    ]
    assert reader.line_num == 3


def write_and_read(rows: list[dict[str, Any]], names: tuple[str, ...]) -> tuple[str, list[Any]]:
    out = io.StringIO()
    writer = DictWriter(out, names)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue(), list(DictReader(io.StringIO(out.getvalue())))


@given(st.lists(st.tuples(st.text(), st.text()), max_size=5))
def test_any_text_comes_back_and_no_written_cell_starts_a_formula(
    values: list[tuple[str, str]],
) -> None:
    rows = [{"name": a, "detail": b} for a, b in values]
    text, back = write_and_read(rows, ("name", "detail"))
    assert back == rows
    for row in cells(text):
        assert all(cell[:1] not in TRIGGERS for cell in row), row


@given(st.text())
def test_restore_undoes_neutralise(value: str) -> None:
    written = neutralise(value)
    assert isinstance(written, str)
    assert written[:1] not in TRIGGERS
    assert restore(written) == value


@given(st.integers())
def test_integers_are_written_as_numbers(value: int) -> None:
    text, back = write_and_read([{"n": value}], ("n",))
    assert text == f"n\n{value}\n"
    assert back == [{"n": str(value)}]
