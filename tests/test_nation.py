"""Building a nation on disk: manifest, atomic state files, directory merge, clear errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from statelink.directory import Agency, Directory
from statelink.errors import NationMissing, UsageError
from statelink.nation import (
    Layout,
    Manifest,
    build_nation,
    open_directory,
    open_records,
    read_manifest,
    require_manifest,
)
from statelink.records.generator import Spec
from statelink.states import CODES

TINY = Spec(scale=0.000001, seed=3, as_of=dt.date(2026, 1, 1))


def test_manifest_counts_match_the_files(nation: tuple[Layout, Manifest]) -> None:
    layout, manifest = nation
    assert sorted(manifest.counts) == sorted(CODES)
    assert read_manifest(layout) == manifest
    for state in ("WA", "NB", "DC"):
        store = open_records(layout, state)
        assert store.counts() == manifest.counts[state]
        store.close()
    assert not list(layout.root.glob("states/*/*.partial"))
    assert len(open_directory(layout)) > 5000


def test_a_folder_without_a_manifest_is_no_nation(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    assert read_manifest(layout) is None
    with pytest.raises(NationMissing, match="statelink demo --no-serve"):
        require_manifest(layout)


def test_unknown_state_is_a_usage_error(layout: Layout) -> None:
    with pytest.raises(UsageError, match="unknown state 'ZZ'"):
        open_records(layout, "ZZ")


def test_scale_must_be_sensible(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--scale"):
        build_nation(Layout(tmp_path), Spec(scale=0, seed=1, as_of=TINY.as_of))


def test_rebuild_keeps_imported_agencies(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    Directory(
        [Agency("WA9990000", "Imported Task Force", "WA", "LE", groups=("task-force",))]
    ).write(layout.directory)
    manifest = build_nation(layout, TINY, workers=1)
    directory = open_directory(layout)
    assert directory.require("WA9990000").name == "Imported Task Force"
    assert "VTICE0900" in directory
    assert manifest.totals()["driver"] == sum(TINY.residents(s) for s in CODES)
    assert manifest.counts["WY"]["driver"] == 10  # the minimum size of a state
