"""The reports' CSV (the full report and the public one) is safe to open in a spreadsheet:
text that would start a formula gets a ``'`` in front, and counts stay numbers."""

from __future__ import annotations

import csv
import io

import pytest

from statelink.reports import page, public
from statelink.reports.model import Count, Report
from statelink.spreadsheet import TRIGGERS
from tests.test_spreadsheet import HOSTILE


def report(text: str) -> Report:
    """A small report with ``text`` in every place a name or key can come from the log."""

    def count(n: int) -> Count:
        return {"key": text, "n": n, "released": n}

    return {
        "state": "WA",
        "since": None,
        "until": None,
        "totals": {
            "requests": 120,
            "records_released": 40,
            "requesters": 3,
            "first": "2026-01-05T10:00:00.000Z",
            "last": "2026-03-01T10:00:00.000Z",
            "immigration_requests": 12,
            "immigration_released": 4,
            "refused": -1,  # not a real total: a negative number must stay a number
            "held": 0,
        },
        "breakdowns": {
            "decision": [count(120)],
            "status": [count(120)],
            "mke": [count(120)],
            "purpose": [{**count(120), "label": text}],
            "kind": [count(120)],
            "department": [count(120)],
            "component": [count(120)],
            "requester_class": [count(120)],
            "group": [count(120)],
            "policy": [{"key": text, "decision": text, "n": 120, "reason": "", "law": ""}],
        },
        "top_requesters": [
            {
                "ori": "WA0170000",
                "component": "",
                "n": 120,
                "released": 40,
                "refused_or_held": 0,
                "name": text,
            }
        ],
        "immigration": [{"component": text, "decision": text, "n": 12, "released": 4}],
        "flow": [],
        "weekly": [],
        "review": [count(3)],
        "policy_sets": [],
        "anchor": {
            "origin": text,
            "size": 120,
            "root": "ab" * 32,
            "witnessed_by": [text],
        },
    }


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def starts_a_formula(cell: str) -> bool:
    """A cell that would start a formula and is not a number statelink wrote (``-1``)."""
    return cell[:1] in TRIGGERS and not cell.lstrip("-").isdigit()


@pytest.mark.parametrize("hostile", HOSTILE)
def test_the_full_report_csv_neutralises_names_and_keys(hostile: str) -> None:
    written = rows(page.to_csv(report(hostile)))
    assert not [cell for row in written for cell in row if starts_a_formula(cell)]
    by_section = {(row[1], row[2]): row for row in written[1:]}
    top = by_section["top_requesters", "WA0170000"]
    assert top == ["WA", "top_requesters", "WA0170000", f"'{hostile}", "120", "40"]
    assert by_section["decision", f"'{hostile}"][4] == "120"
    assert by_section["immigration", f"'{hostile}"][3] == f"'{hostile}"
    assert by_section["anchor", "size"][3] == f"'{hostile}"
    assert by_section["anchor", "witnessed_by"][3] == f"'{hostile}"
    assert by_section["totals", "refused"][4] == "-1"  # a count stays a number


@pytest.mark.parametrize("hostile", HOSTILE)
def test_the_public_report_csv_neutralises_labels(hostile: str) -> None:
    written = rows(public.to_csv(report(hostile)))
    assert not [cell for row in written for cell in row if starts_a_formula(cell)]
    labels = [(row[3], row[4], row[5]) for row in written[1:]]
    assert ("Requests by message type", f"'{hostile}", "120") in labels
    assert ("Requests by who asked", f"'{hostile}", "120") in labels
    assert ("Requests from immigration agencies, by decision", f"'{hostile}", "12") in labels
    (checkpoint,) = [row for row in written if row[3] == "Signed checkpoint covered"]
    assert checkpoint[4] == f"'{hostile} root {'ab' * 32} witnesses 1"
    assert checkpoint[5] == "120"
