"""A node's live policy: reloads what changed, keeps the last valid set, fails closed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from statelink.directory import Agency, Directory, seed_directory
from statelink.directory.source import DirectorySource
from statelink.messages import decode
from statelink.policy.active import PolicyStore
from statelink.policy.decision_point import DecisionPoint
from statelink.policy.engine import Outcome
from statelink.policy.settings import StateSettings

PERMIT_C = '@id("c-only")\npermit (principal, action, resource) when { context.purpose == "C" };\n'
PERMIT_ALL = '@id("all")\npermit (principal, action, resource);\n'
CERTIFIED = (
    '@id("all")\npermit (principal, action, resource);\n'
    '@id("cert")\nforbid (principal, action, resource) unless { context.certified };\n'
)
TASK_FORCE = (
    '@id("all")\npermit (principal, action, resource);\n'
    '@id("no-tf")\nforbid (principal in Statelink::AgencyGroup::"task-force", action, '
    "resource);\n"
)


def _point(tmp_path: Path, directory: Directory | None = None) -> DecisionPoint:
    directory_file = tmp_path / "directory.csv"
    (directory or seed_directory()).write(directory_file)
    return DecisionPoint(
        "WA",
        PolicyStore("WA", tmp_path / "WA"),
        StateSettings.open("WA", tmp_path / "WA" / "node.sqlite"),
        DirectorySource.open(directory_file, every=0),
        every=0,
    )


def _decide(point: DecisionPoint, text: str) -> Outcome:
    message = decode(text)
    agency = point.directories.current().require(message.ori)
    return point.decide(point.request(message, agency)).outcome


def test_no_policy_set_denies_everything_with_policy_error(tmp_path: Path) -> None:
    point = _point(tmp_path)
    assert not point.ready
    message = decode("DQ.NY0303000.WA.OLN/X1.PUR/C.")
    decision = point.decide(point.request(message, seed_directory().require("NY0303000")))
    assert decision.outcome is Outcome.DENY
    assert decision.policy_ids == ("policy-error",)
    assert "no policy set" in decision.error


def test_a_new_set_is_picked_up_and_an_invalid_one_keeps_the_last(tmp_path: Path) -> None:
    point = _point(tmp_path)
    store = point.store
    store.apply_files({"p.cedar": PERMIT_C}, "one")
    assert _decide(point, "DQ.NY0303000.WA.OLN/X1.PUR/T.") is Outcome.DENY
    store.apply_files({"p.cedar": PERMIT_ALL}, "two")
    assert _decide(point, "DQ.NY0303000.WA.OLN/X1.PUR/T.") is Outcome.PERMIT
    digest = point.digest
    # an active set whose files were changed behind the store's back no longer loads
    (store.root / "policies" / digest / "p.cedar").write_text(PERMIT_C)
    store.pointer_path.touch()
    assert _decide(point, "DQ.NY0303000.WA.OLN/X1.PUR/T.") is Outcome.PERMIT
    assert point.digest == digest


def test_settings_changes_are_picked_up(tmp_path: Path) -> None:
    point = _point(tmp_path)
    point.store.apply_files({"p.cedar": CERTIFIED}, "cert")
    assert _decide(point, "DQ.NY0303000.WA.OLN/X1.PUR/C.") is Outcome.DENY
    today = dt.datetime.now(dt.UTC).date()
    point.settings.add_certification("NY0303000", today, today + dt.timedelta(days=1))
    assert _decide(point, "DQ.NY0303000.WA.OLN/X1.PUR/C.") is Outcome.PERMIT


def test_directory_changes_rebuild_the_entities(tmp_path: Path) -> None:
    point = _point(tmp_path)
    point.store.apply_files({"p.cedar": TASK_FORCE}, "tf")
    assert _decide(point, "DQ.NY0303000.WA.OLN/X1.PUR/C.") is Outcome.PERMIT
    changed = seed_directory().merged(
        Directory(
            [
                Agency(
                    "NY0303000",
                    "New York City Police Department",
                    "NY",
                    "PD",
                    groups=("local-law-enforcement", "task-force"),
                )
            ]
        )
    )
    changed.write(tmp_path / "directory.csv")
    assert _decide(point, "DQ.NY0303000.WA.OLN/X1.PUR/C.") is Outcome.DENY


@pytest.mark.parametrize("every", [0.0, 60.0])
def test_file_checks_are_rate_limited(tmp_path: Path, every: float) -> None:
    directory_file = tmp_path / "directory.csv"
    seed_directory().write(directory_file)
    point = DecisionPoint(
        "WA",
        PolicyStore("WA", tmp_path / "WA"),
        StateSettings.open("WA", tmp_path / "WA" / "node.sqlite"),
        DirectorySource.open(directory_file, every=every),
        every=every,
    )
    point.store.apply_files({"p.cedar": PERMIT_ALL}, "late")
    expected = Outcome.PERMIT if every == 0 else Outcome.DENY
    assert _decide(point, "DQ.NY0303000.WA.OLN/X1.PUR/C.") is expected
