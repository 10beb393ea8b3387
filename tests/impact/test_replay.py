"""Replaying a state's audit log: fidelity under the sets in force, and outcomes that an
independent replay of the exported log (plain cedarpy, its own entities) agrees with."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cedarpy
import pytest

from statelink.directory import Directory
from statelink.embedded import EmbeddedNetwork
from statelink.impact import Candidate, WhatIf, resolve
from statelink.messages import decode
from statelink.nation import Layout, open_policy_store
from statelink.policy.schema import schema
from statelink.reports.report import ANSWERS, Period
from tests.conftest import Run, copy_nation, records_of

Invoke = Callable[..., Run]
CUSTOM = {
    "p.cedar": """
@id("cj") permit (principal, action, resource) when { ["C", "W", "M"].contains(context.purpose) };
@id("no-dhs") forbid (principal in Statelink::AgencyGroup::"dhs", action, resource)
unless { context.has_warrant && context.warrant.kind == "judicial" };
@id("review-serious") forbid (principal, action, resource)
when { context.purpose == "C" } unless { context.serious_crime && context.review_approved };
@id("rpq") forbid (principal, action == Statelink::Action::"RPQ", resource)
when { context.multi_state || context.offense like "6*" };
"""
}


def independent(records: list[dict[str, Any]], text: str, state: str) -> Counter[str]:
    """Before → after over the exported records, decided by cedarpy alone from each
    record's requester snapshot and logged context (hold: deny, but permit if approved)."""
    outcomes: Counter[str] = Counter()
    for record in records:
        if record["decision"] not in ("permit", "deny", "hold"):
            continue
        if record["status"] not in ANSWERS:
            continue
        who = record["requester"]
        documents: list[dict[str, Any]] = [
            {"uid": {"type": "Statelink::AgencyGroup", "id": g}, "attrs": {}, "parents": []}
            for g in who["groups"]
        ]
        documents.append(
            {
                "uid": {"type": "Statelink::Agency", "id": who["ori"]},
                "attrs": {
                    "ori": who["ori"],
                    "state": who["ori"][:2],
                    "kind": who["kind"],
                    "department": who["department"],
                    "component": who["component"],
                },
                "parents": [{"type": "Statelink::AgencyGroup", "id": g} for g in who["groups"]],
            }
        )
        documents.append(
            {
                "uid": {"type": "Statelink::Dataset", "id": record["dataset"]},
                "attrs": {"state": state, "kind": record["dataset"].split("/")[1]},
                "parents": [],
            }
        )

        def allowed(
            context: dict[str, Any],
            record: dict[str, Any] = record,
            documents: list[dict[str, Any]] = documents,
        ) -> bool:
            request = {
                "principal": {"type": "Statelink::Agency", "id": record["requester"]["ori"]},
                "action": {"type": "Statelink::Action", "id": record["mke"]},
                "resource": {"type": "Statelink::Dataset", "id": record["dataset"]},
                "context": context,
            }
            result = cedarpy.is_authorized(request, text, documents, schema())
            return result.decision is cedarpy.Decision.Allow

        context = record["context"]
        if allowed(context):
            after = "permit"
        elif not context["review_approved"] and allowed({**context, "review_approved": True}):
            after = "hold"
        else:
            after = "deny"
        outcomes[f"{record['decision']}->{after}"] += 1
    return outcomes


def exported(run: Invoke, layout: Layout, state: str, tmp_path: Path) -> list[dict[str, Any]]:
    out = tmp_path / f"{state}.jsonl"
    result = run(
        "audit",
        "export",
        "--state",
        state,
        "--format",
        "jsonl",
        "--out",
        str(out),
        "--data",
        str(layout.root),
    )
    assert result.code == 0, result.err
    return [json.loads(line) for line in out.read_text().splitlines()]


@pytest.mark.parametrize("state", ["WA", "CO", "TX"])
def test_the_sets_in_force_reproduce_every_decision(year: Layout, state: str) -> None:
    whatif = WhatIf(year)
    active = resolve("active", state=state, layout=year)
    replay = whatif.simulate(state, active, Period())
    assert replay.records > 0
    assert replay.reproduced == replay.records
    assert replay.not_reproduced == []
    outcomes = replay.as_dict()["outcomes"]
    assert sum(outcomes.values()) == replay.records
    assert all(n == 0 for key, n in outcomes.items() if len(set(key.split("->"))) > 1)
    assert replay.inputs < replay.records  # grouped: one evaluation per distinct input


@pytest.mark.parametrize(
    ("state", "spec"), [("WA", "template:ny"), ("WA", "custom"), ("NY", "template:wa")]
)
def test_outcomes_equal_an_independent_replay_of_the_export(
    run: Invoke, year: Layout, tmp_path: Path, state: str, spec: str
) -> None:
    if spec == "custom":
        folder = tmp_path / "custom"
        folder.mkdir()
        (folder / "p.cedar").write_text(CUSTOM["p.cedar"])
        spec = str(folder)
    candidate = resolve(spec, state=state, layout=year)
    replay = WhatIf(year).simulate(state, candidate, Period())
    records = exported(run, year, state, tmp_path)
    expected = independent(records, candidate.policies.text(), state)
    made = {k: n for k, n in replay.as_dict()["outcomes"].items() if n}
    assert made == dict(expected)
    assert replay.records == sum(expected.values())


def test_the_held_weekly_counts_add_up(year: Layout) -> None:
    candidate = resolve("template:permissive", state="WA", layout=year)
    replay = WhatIf(year).simulate("WA", candidate, Period())
    made = replay.as_dict()
    held_before = sum(n for k, n in made["outcomes"].items() if k.startswith("hold->"))
    held_after = sum(n for k, n in made["outcomes"].items() if k.endswith("->hold"))
    assert sum(w["before"] for w in made["held_per_week"]) == held_before
    assert sum(w["after"] for w in made["held_per_week"]) == held_after == 0
    for change in made["changes"]:
        assert 1 <= len(change["examples"]) <= 3


def test_a_period_counts_only_its_records(year: Layout) -> None:
    whatif = WhatIf(year)
    candidate = resolve("template:ny", state="WA", layout=year)
    middle = dt.datetime(2026, 5, 1)
    whole = whatif.simulate("WA", candidate, Period())
    first = whatif.simulate("WA", candidate, Period(until=middle))
    second = whatif.simulate("WA", candidate, Period(since=middle))
    assert first.records
    assert second.records
    assert first.records + second.records == whole.records
    for key, n in whole.as_dict()["outcomes"].items():
        assert first.as_dict()["outcomes"][key] + second.as_dict()["outcomes"][key] == n


@pytest.fixture(scope="module")
def changed(year: Layout, tmp_path_factory: pytest.TempPathFactory) -> Layout:
    """The year's nation, then WA moves to today's practice and answers a few more
    messages, and the directory is edited afterwards (HSI out of immigration-enforcement)."""
    own = copy_nation(year, tmp_path_factory.mktemp("changed"), logs=True)
    store = open_policy_store(own, "WA")
    store.apply_files(resolve("template:permissive", state="WA", layout=own).policies.files, "test")

    async def send() -> None:
        async with EmbeddedNetwork.open(own) as network:
            oln = records_of(network.nodes["WA"]).list_drivers(1)[0].oln
            for ori, purpose in [("WAICE0100", "I"), ("WAHSI0100", "C"), ("NY0303000", "A")] * 3:
                await network.hub.submit(
                    decode(f"DQ.{ori}.WA.OLN/{oln}.PUR/{purpose}."),
                    received_at="2026-11-15T12:00:00.000+00:00",
                )

    asyncio.run(send())
    directory = Directory.read(own.directory)
    edited = [
        a
        if a.component != "HSI"
        else type(a)(
            a.ori,
            a.name,
            a.state,
            a.kind,
            a.department,
            a.component,
            tuple(g for g in a.groups if g != "immigration-enforcement"),
        )
        for a in directory
    ]
    Directory(edited).write(own.directory)
    return own


def test_each_record_is_replayed_under_its_own_set_and_snapshot(changed: Layout) -> None:
    whatif = WhatIf(changed)
    wa = resolve("template:wa", state="WA", layout=changed)
    replay = whatif.simulate("WA", wa, Period())
    store = open_policy_store(changed, "WA")
    digests = {h.digest for h in store.history()}
    assert len(digests) == 2
    assert replay.reproduced == replay.records  # both sets, and the snapshots, as logged
    # under WA's law again, the 9 late messages: ICE's civil query and NY's licensing
    # query are refused, HSI's (from the snapshot: immigration-enforcement) too
    late = [c for c in replay.as_dict()["changes"] if c["from"] == "permit"]
    assert sum(c["records"] for c in late) == 9


def test_a_set_changed_after_it_was_applied_is_not_trusted(
    changed: Layout, tmp_path_factory: pytest.TempPathFactory, run: Invoke
) -> None:
    own = copy_nation(changed, tmp_path_factory.mktemp("tampered"), logs=True)
    store = open_policy_store(own, "WA")
    first = store.history()[0].digest
    policy = next((own.state_dir("WA") / "policies" / first).glob("*.cedar"))
    policy.write_text(policy.read_text() + "\n// edited\n")
    replay = WhatIf(own).simulate("WA", Candidate(store.active(), "active"), Period())
    assert replay.not_reproduced_total == replay.records - 9
    assert first[:12] in replay.not_reproduced[0].why
    assert "changed after apply" in replay.not_reproduced[0].why
    result = run("policy", "simulate", "--state", "WA", "active", "--data", str(own.root))
    assert result.code == 1
    assert "reproduce" in result.out


def test_policy_ids_with_a_semicolon_and_an_empty_log(
    layout: Layout, tmp_path_factory: pytest.TempPathFactory, run: Invoke
) -> None:
    own = copy_nation(layout, tmp_path_factory.mktemp("semicolon"))
    empty = WhatIf(own).simulate("WA", resolve("template:ny", state="WA", layout=own), Period())
    assert (empty.records, empty.reproduced, empty.not_reproduced_total) == (0, 0, 0)
    result = run("policy", "simulate", "--state", "WA", "template:ny", "--data", str(own.root))
    assert result.code == 0, result.err
    assert "0 decided requests" in result.out

    odd = {
        "p.cedar": '@id("cj;access") permit (principal, action, resource) '
        'when { context.purpose == "C" };\n'
        '@id("no;ice") forbid (principal in Statelink::AgencyGroup::"ice", action, resource);'
    }
    open_policy_store(own, "WA").apply_files(odd, "test")

    async def send() -> None:
        async with EmbeddedNetwork.open(own) as network:
            oln = records_of(network.nodes["WA"]).list_drivers(1)[0].oln
            for ori in ("NY0303000", "WAICE0100", "TX0140700"):
                await network.hub.submit(decode(f"DQ.{ori}.WA.OLN/{oln}.PUR/C."))

    asyncio.run(send())
    replay = WhatIf(own).simulate("WA", resolve("active", state="WA", layout=own), Period())
    assert replay.records == 3
    assert replay.reproduced == 3
