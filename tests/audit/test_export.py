"""Exporting audit records: the CSV is safe in spreadsheets, JSON lines and Parquet keep
every value exactly as logged."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest

from statelink.audit.export import COLUMNS, export
from statelink.audit.record import AuditRecord
from statelink.spreadsheet import TRIGGERS
from tests.audit.conftest import entry
from tests.test_spreadsheet import HOSTILE

TEXT = ("detail", "reason", "warrant_court", "case_number", "offense")


def hostile_record(value: str) -> AuditRecord:
    """A logged record with ``value`` in every free-text field a requester can fill."""
    record = entry(1).record
    context = {
        **record.context,
        "reason": value,
        "case_number": value,
        "offense": value,
        "warrant": {"kind": "search", "id": "W-1", "court": value},
    }
    return record._replace(detail=value, context=context, seq=7, released=-1)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_the_csv_neutralises_text_and_keeps_numbers(tmp_path: Path, hostile: str) -> None:
    out = tmp_path / "wa.csv"
    assert export([hostile_record(hostile)], out, "csv") == 1
    with out.open(encoding="utf-8", newline="") as f:
        header, *rows = list(csv.reader(f))
    assert header == list(COLUMNS)
    (row,) = [dict(zip(header, cells, strict=True)) for cells in rows]
    assert {row[name] for name in TEXT} == {f"'{hostile}"}
    assert (row["seq"], row["released"], row["certified"]) == ("7", "-1", "True")
    text = [cell for name, cell in row.items() if COLUMNS[name] == "VARCHAR"]
    assert all(cell[:1] not in TRIGGERS for cell in text)


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
@pytest.mark.parametrize("hostile", HOSTILE)
def test_jsonl_and_parquet_keep_the_values_as_logged(
    tmp_path: Path, fmt: str, hostile: str
) -> None:
    out = tmp_path / f"wa.{fmt}"
    export([hostile_record(hostile)], out, fmt)
    if fmt == "jsonl":
        logged = json.loads(out.read_text(encoding="utf-8"))
        values = (logged["detail"], logged["context"]["reason"], logged["released"])
    else:
        relation = duckdb.sql(f"SELECT * FROM '{out}'")
        assert relation is not None
        assert relation.columns == list(COLUMNS)
        (row,) = relation.fetchall()
        parquet = dict(zip(COLUMNS, row, strict=True))
        assert (parquet["control"], parquet["certified"]) == ("", True)  # exact, typed
        values = (parquet["detail"], parquet["reason"], parquet["released"])
    assert values == (hostile, hostile, -1)
