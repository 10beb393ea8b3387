"""``statelink query``: readable and JSON answers, and one-line errors with exit code 2."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from statelink.messages.response import HubResponse
from statelink.nation import Layout, read_manifest
from statelink.records.generator import shared_plates
from tests.conftest import Run, copy_nation

Invoke = Callable[..., Run]


def _wa_licence(run: Invoke, layout: Layout) -> dict[str, str]:
    listed = run(
        "records", "list", "--state", "WA", "--limit", "3", "--json", "--data", str(layout.root)
    )
    assert listed.code == 0
    driver: dict[str, str] = json.loads(listed.out)[0]
    return driver


def test_a_dq_for_a_real_wa_licence_returns_that_driver(run: Invoke, layout: Layout) -> None:
    driver = _wa_licence(run, layout)
    result = run("query", f"DQ.NY0303000.WA.OLN/{driver['oln']}.PUR/C.", "--data", str(layout.root))
    assert result.code == 0, result.err
    assert driver["name"] in result.out
    assert driver["oln"] in result.out
    assert "HIT" in result.out
    as_json = run(
        "query", f"DQ.NY0303000.WA.OLN/{driver['oln']}.PUR/C.", "--json", "--data", str(layout.root)
    )
    reply = HubResponse.model_validate_json(as_json.out)
    assert reply.answers[0].drivers[0].oln == driver["oln"]


def test_a_nationwide_plate_query_lists_hits_and_a_summary(run: Invoke, layout: Layout) -> None:
    manifest = read_manifest(layout)
    assert manifest is not None
    plate = shared_plates(manifest.seed)[0]
    result = run(
        "query", f"RQ.NY0303000.NL.LIC/{plate}.PUR/C.", "--json", "--data", str(layout.root)
    )
    reply = HubResponse.model_validate_json(result.out)
    assert len(reply.summary) == 51
    assert reply.answers
    assert all(a.status == "HIT" for a in reply.answers)
    readable = run("query", f"RQ.NY0303000.NL.LIC/{plate}.PUR/C.", "--data", str(layout.root))
    assert "state(s) with no hit not listed" in readable.out
    assert f"to 51 state(s): {len(reply.answers)} HIT" in readable.out


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ("XQ.NY0303000.WA.OLN/A1.PUR/C.", "mke"),
        ("DQ.NY03X.WA.OLN/A1.PUR/C.", "ori"),
        ("DQ.NY0303000.WA.PUR/C.", "fields"),
        ("DQ.NY0303000.WA.OLN/A1.PUR/F.", "PUR"),  # no PUR/ is U; Nlets' F is refused
        ("DQ.NY0303000.ZZ.OLN/A1.PUR/C.", "dest"),
        ("DQ.NY0303000.WA,OR,ID,CA,NV,AZ.OLN/A1.PUR/C.", "dest"),
        ("RPQ.NY0303000.NL.LIC/ABC*.PUR/C.", "dest"),
        ('{"mke": "DQ", "ori": "NY0303000", "dest": ["WA"], "fields": {"OLN": "A1"}}', "purpose"),
    ],
)
def test_bad_input_is_one_line_naming_the_field_with_exit_2(
    run: Invoke, layout: Layout, message: str, field: str
) -> None:
    result = run("query", message, "--data", str(layout.root))
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith(f"error: invalid message: {field}: expected ")
    assert "Traceback" not in result.err
    assert result.out == ""


def test_unknown_ori_is_refused_with_exit_1(run: Invoke, layout: Layout) -> None:
    result = run("query", "DQ.NY9999999.WA.OLN/A1.PUR/C.", "--data", str(layout.root))
    assert result.code == 1
    assert (
        result.err.strip() == "error: unknown ORI NY9999999: not in the directory, nothing was sent"
    )


def test_message_from_a_file_and_the_contract_spelling(
    run: Invoke, layout: Layout, tmp_path: Path
) -> None:
    driver = _wa_licence(run, layout)
    path = tmp_path / "msg.json"
    path.write_text(
        json.dumps(
            {
                "mke": "DQ",
                "ori": "NY0303000",
                "dest": ["WA"],
                "purpose": "C",
                "fields": {"OLN": driver["oln"]},
            }
        )
    )
    readable = run("query", "--file", str(path), "--data", str(layout.root))
    assert readable.code == 0
    assert driver["oln"] in readable.out
    legacy = run("query", "--json", str(path), "--data", str(layout.root))
    assert HubResponse.model_validate_json(legacy.out).summary == {"WA": "HIT"}


def test_neither_or_both_message_sources_is_a_usage_error(run: Invoke, layout: Layout) -> None:
    assert run("query", "--data", str(layout.root)).code == 2
    assert run("query", "DQ.X", "--file", "x.json", "--data", str(layout.root)).code == 2


def test_no_nation_says_how_to_build_one(run: Invoke, tmp_path: Path) -> None:
    result = run("query", "DQ.NY0303000.WA.OLN/A1.PUR/C.", "--data", str(tmp_path))
    assert result.code == 1
    assert "statelink demo --no-serve" in result.err


@pytest.mark.parametrize(
    ("template", "summary", "code"),
    [
        ("DQ.NY0303000.WA.OLN/{oln}.PUR/C.", "HIT", 0),
        ("DQ.NY0303000.WA.OLN/NOSUCH0000.PUR/C.", "NO_HIT", 0),
        ("DQ.AZICE0100.WA.OLN/{oln}.PUR/I.", "DENIED", 1),  # WA refuses civil immigration
        ("DQ.AZHSI0100.WA.OLN/{oln}.PUR/C.OFF/6499.CAS/26-0042.", "HELD", 1),
    ],
)
def test_query_exits_1_unless_every_state_answered(
    run: Invoke, layout: Layout, tmp_path: Path, template: str, summary: str, code: int
) -> None:
    """0 when every state answered (HIT or NO_HIT); 1, after printing every answer, when
    any state refused, held, rejected or could not be reached."""
    own = copy_nation(layout, tmp_path / "nation")
    oln = _wa_licence(run, own)["oln"]
    data = ("--data", str(own.root))
    as_json = run("query", template.format(oln=oln), "--json", *data)
    assert json.loads(as_json.out)["summary"] == {"WA": summary}
    assert as_json.code == code
    readable = run("query", template.format(oln=oln).replace("26-0042", "26-0043"), *data)
    assert readable.code == code
    assert summary in readable.out
    assert readable.err == ""


def test_an_xml_file_is_sent_and_format_xml_prints_xml(
    run: Invoke, layout: Layout, tmp_path: Path
) -> None:
    from statelink.messages.model import Message
    from statelink.messages.niem import decode_response_xml, encode_xml

    driver = _wa_licence(run, layout)
    message = Message.parse(
        {"mke": "KQ", "ori": "NY0303000", "dest": ["WA"], "purpose": "C",
         "fields": {"OLN": driver["oln"]}}
    )  # fmt: skip
    path = tmp_path / "kq.xml"
    path.write_text(encode_xml(message), encoding="utf-8")
    shown = run("query", "--file", str(path), "--format", "xml", "--data", str(layout.root))
    assert shown.code == 0, shown.err
    reply = decode_response_xml(shown.out.encode())
    assert reply.answers[0].drivers[0].oln == driver["oln"]
    assert reply.mke == "KR"
    readable = run("query", "--file", str(path), "--data", str(layout.root))
    assert driver["name"] in readable.out
    wrong = run("query", "--file", str(path), "--format", "yaml", "--data", str(layout.root))
    assert wrong.code == 2
    assert "--format" in wrong.err
