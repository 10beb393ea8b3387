"""The collector policy every statelink command applies."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from statelink import collector
from statelink.cli import main


@pytest.fixture
def thresholds() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)
    gc.unfreeze()


@pytest.mark.usefixtures("thresholds")
def test_commands_run_with_statelink_s_thresholds() -> None:
    gc.set_threshold(700, 10, 10)
    with pytest.raises(SystemExit):
        main(["--help"])
    assert gc.get_threshold() == (collector.YOUNG, collector.MIDDLE, collector.OLD)


@pytest.mark.usefixtures("thresholds")
def test_settle_freezes_what_is_loaded() -> None:
    kept = [object() for _ in range(1000)]
    collector.settle()
    assert gc.get_freeze_count() >= len(kept)
