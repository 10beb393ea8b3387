"""Applying a policy set: whole and atomic, kept by digest, never an invalid set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from statelink.errors import NotFound, PolicyInvalid
from statelink.policy.active import PolicyStore

GOOD = '@id("all")\npermit (principal, action, resource);\n'
OTHER = '@id("c-only")\npermit (principal, action, resource) when { context.purpose == "C" };\n'
BAD = '@id("bad")\npermit (principal, action, resource) when { context.offense in ["x"] };\n'


def test_apply_activates_and_records_history(tmp_path: Path) -> None:
    store = PolicyStore("WA", tmp_path)
    with pytest.raises(NotFound):
        store.active()
    first = store.apply_files({"a.cedar": GOOD}, "first")
    second = store.apply_files({"a.cedar": OTHER}, "second")
    assert store.active().digest == second.digest
    assert json.loads(store.pointer_path.read_text())["digest"] == second.digest
    assert [h.source for h in store.history()] == ["first", "second"]
    assert store.load(first.digest).digest == first.digest  # old sets stay, for replay
    assert (tmp_path / "policies" / first.digest / "a.cedar").read_text() == GOOD


def test_an_invalid_set_never_becomes_active(tmp_path: Path) -> None:
    store = PolicyStore("WA", tmp_path)
    good = store.apply_files({"a.cedar": GOOD}, "good")
    with pytest.raises(PolicyInvalid):
        store.apply_files({"a.cedar": GOOD, "b.cedar": BAD}, "bad")
    assert store.active().digest == good.digest
    assert len(store.history()) == 1


def test_changed_files_are_detected(tmp_path: Path) -> None:
    store = PolicyStore("WA", tmp_path)
    applied = store.apply_files({"a.cedar": GOOD}, "good")
    (tmp_path / "policies" / applied.digest / "a.cedar").write_text(OTHER)
    with pytest.raises(PolicyInvalid, match="no longer match their digest"):
        store.active()


def test_apply_from_a_folder(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "x.cedar").write_text(GOOD)
    store = PolicyStore("WA", tmp_path / "state")
    assert list(store.apply(source).files) == ["x.cedar"]
    assert store.applied() is not None


def test_a_proposed_set_is_kept_but_not_applied(tmp_path: Path) -> None:
    store = PolicyStore("WA", tmp_path)
    applied = store.apply_files({"a.cedar": GOOD}, "good")
    proposed = store.propose({"b.cedar": OTHER})
    assert store.active().digest == applied.digest
    assert store.proposed(proposed.digest).digest == proposed.digest
    assert len(store.history()) == 1
    with pytest.raises(NotFound):
        store.load(proposed.digest)  # a proposal is not in the history
    with pytest.raises(NotFound):
        store.proposed("../../etc")


@pytest.mark.parametrize("name", ["../a.cedar", "a/b.cedar", ".hidden.cedar", "a.txt", "a;b.cedar"])
def test_file_names_that_could_escape_the_folder_are_refused(tmp_path: Path, name: str) -> None:
    store = PolicyStore("WA", tmp_path)
    with pytest.raises(PolicyInvalid, match="file name"):
        store.propose({name: GOOD})
    assert not (tmp_path / "proposed").exists()


def test_windows_line_endings_keep_their_digest(tmp_path: Path) -> None:
    store = PolicyStore("WA", tmp_path)
    proposed = store.propose({"a.cedar": GOOD.replace("\n", "\r\n")})
    assert store.proposed(proposed.digest).digest == proposed.digest
    applied = store.apply_files({"a.cedar": OTHER.replace("\n", "\r\n")}, "crlf")
    assert store.active().digest == applied.digest


def test_only_the_newest_proposals_are_kept(tmp_path: Path) -> None:
    store = PolicyStore("WA", tmp_path)
    first = store.propose({"a.cedar": GOOD}, keep=2)
    second = store.propose({"a.cedar": OTHER}, keep=2)
    store.propose({"a.cedar": GOOD}, keep=2)  # the first again: now the newest
    third = store.propose({"b.cedar": OTHER}, keep=2)
    assert sorted(p.name for p in (tmp_path / "proposed").iterdir()) == sorted(
        [first.digest, third.digest]
    )
    with pytest.raises(NotFound):
        store.proposed(second.digest)


def test_who_applied_a_set_is_kept_and_older_lines_read_as_not_recorded(tmp_path: Path) -> None:
    store = PolicyStore("WA", tmp_path)
    store.apply_files({"a.cedar": GOOD}, "first")
    store.apply_files({"a.cedar": OTHER}, "second", by="  j.smith  ")
    assert [h.applied_by for h in store.history()] == ["", "j.smith"]
    applied = store.applied()
    assert applied is not None
    assert applied.applied_by == "j.smith"
    assert json.loads(store.pointer_path.read_text())["applied_by"] == "j.smith"
    # a line written before who applied a set was recorded
    old = json.dumps(
        {
            "digest": applied.digest,
            "applied_at": "2025-01-01T00:00:00+00:00",
            "source": "old",
            "files": ["a.cedar"],
        }
    )
    with (tmp_path / "policy-history.jsonl").open("a", encoding="utf-8") as f:
        f.write(old + "\n")
    assert store.history()[-1].applied_by == ""
    assert store.history()[-1].source == "old"
