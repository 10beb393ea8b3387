"""The case-table format: list or defaults+cases, YAML or JSON, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from statelink.directory import seed_directory
from statelink.errors import UsageError
from statelink.policy.cases import UNKNOWN_ORI, load_cases, run_cases
from statelink.policy.engine import Outcome
from statelink.policy.policies import Policies

POLICY = Policies.from_files(
    {"p.cedar": '@id("c")\npermit (principal, action, resource) when { context.purpose == "C" };'}
)


def test_a_plain_json_list_with_json_messages(tmp_path: Path) -> None:
    path = tmp_path / "cases.json"
    path.write_text(
        json.dumps(
            [
                {
                    "name": "json message",
                    "state": "WA",
                    "expect": "permit",
                    "reasons": ["c"],
                    "message": {
                        "mke": "DQ",
                        "ori": "NY0303000",
                        "dest": ["WA"],
                        "purpose": "C",
                        "fields": {"OLN": "X1"},
                    },
                },
                {
                    "name": "wrong expectation",
                    "state": "WA",
                    "expect": "permit",
                    "message": "DQ.NY0303000.WA.OLN/X1.PUR/T.",
                },
                {
                    "name": "unknown requester",
                    "state": "WA",
                    "expect": "deny",
                    "message": "DQ.NY9999999.WA.OLN/X1.PUR/C.",
                },
            ]
        )
    )
    results = run_cases(POLICY, load_cases(path), seed_directory())
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].decision is Outcome.DENY
    assert results[2].reasons == (UNKNOWN_ORI,)
    assert results[1].as_dict()["ok"] is False


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ("{}", "expected a list of cases"),
        ("- message: DQ.NY0303000.WA.OLN/X1.PUR/C.\n  expect: permit\n", "no state"),
        ("- {state: WA, message: 'DQ.NY0303000.WA.OLN/X1.PUR/X.', expect: permit}\n", "PUR"),
        (
            "- {state: WA, message: 'DQ.NY0303000.WA.OLN/X1.PUR/C.', expect: maybe}\n",
            "permit, deny or hold",
        ),
        (
            "- {state: WA, message: 'DQ.NY0303000.WA.OLN/X1.PUR/C.', expect: permit,\n"
            "   context: {certified: 'yes'}}\n",
            "context.certified",
        ),
        (
            "- {state: WA, message: 'DQ.NY0303000.WA.OLN/X1.PUR/C.', expect: permit,\n"
            "   context: [certified]}\n",
            "context must be a mapping",
        ),
        ("defaults: [WA]\ncases: []\n", "defaults must be a mapping"),
        (
            "defaults: {state: WA, context: {certify: true}}\n"
            "cases: [{message: 'DQ.NY0303000.WA.OLN/X1.PUR/C.', expect: permit}]\n",
            "defaults: context.certify",
        ),
        ("- [unclosed\n", "not YAML"),
    ],
)
def test_case_file_errors_say_which_case(tmp_path: Path, content: str, error: str) -> None:
    path = tmp_path / "cases.yaml"
    path.write_text(content)
    with pytest.raises(UsageError, match=error.replace("(", r"\(").replace(")", r"\)")):
        load_cases(path)


def test_defaults_apply_to_every_case_and_a_case_overrides_them(tmp_path: Path) -> None:
    path = tmp_path / "cases.yaml"
    path.write_text(
        "defaults: {state: wa, context: {certified: true, offense: '0911'}}\n"
        "cases:\n"
        "  - {message: 'DQ.NY0303000.WA.OLN/X1.PUR/C.', expect: permit}\n"
        "  - {message: 'DQ.NY0303000.WA.OLN/X1.PUR/C.', expect: permit,\n"
        "     context: {certified: false}}\n"
    )
    first, second = load_cases(path)
    assert first.state == second.state == "WA"
    assert first.context == {"certified": True, "offense": "0911"}
    assert second.context == {"certified": False, "offense": "0911"}


def test_a_warrant_override_leaves_the_fields_it_does_not_give_empty(tmp_path: Path) -> None:
    court = Policies.from_files(
        {
            "p.cedar": '@id("no-court") permit (principal, action, resource) when {\n'
            '  context.has_warrant && context.warrant.kind == "judicial"\n'
            '  && context.warrant.court == "" };'
        }
    )
    path = tmp_path / "cases.yaml"
    path.write_text(
        "- {state: WA, message: 'DQ.NY0303000.WA.OLN/X1.PUR/C.', expect: permit,\n"
        "   context: {has_warrant: true, warrant: {kind: judicial}}}\n"
    )
    (case,) = load_cases(path)
    assert case.context["warrant"] == {"kind": "judicial", "id": "", "court": ""}
    (result,) = run_cases(court, [case], seed_directory())
    assert result.ok, result.reasons


def test_a_message_without_a_purpose_is_a_case_of_purpose_u(tmp_path: Path) -> None:
    """As today's Nlets traffic: no PUR field at all is purpose U (unspecified)."""
    path = tmp_path / "cases.yaml"
    path.write_text("- {state: WA, message: 'DQ.NY0303000.WA.OLN/X1.', expect: permit}\n")
    (case,) = load_cases(path)
    assert case.message.purpose == "U"
