"""The public report hides counts under 10, and no shown total gives one back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from statelink.reports.public import HIDDEN, suppress


@pytest.mark.parametrize(
    ("counts", "shown", "total"),
    [
        ([120, 40, 15], ["120", "40", "15"], "175"),
        ([120, 40, 3], ["120", HIDDEN, HIDDEN], "163"),  # one hidden: the next smallest too
        ([120, 4, 3], ["120", HIDDEN, HIDDEN], "127"),
        ([120, 0, 3, 50], ["120", "0", HIDDEN, HIDDEN], "173"),
        ([5, 3], [HIDDEN, HIDDEN], HIDDEN),  # a total under 10 hides everything
        ([9, 0], [HIDDEN, "0"], HIDDEN),
        ([1200, 9], [HIDDEN, HIDDEN], "1,209"),  # else 1,209 - 1,200 gives the 9 away
        ([0, 0], ["0", "0"], "0"),
    ],
)
def test_suppression(counts: list[int], shown: list[str], total: str) -> None:
    table = suppress([(f"row{i}", n) for i, n in enumerate(counts)])
    assert [s for _, s in table.rows] == shown
    assert table.total == total


@given(st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=8))
def test_no_single_hidden_cell_can_be_recovered_from_the_total(counts: list[int]) -> None:
    table = suppress([(str(i), n) for i, n in enumerate(counts)])
    hidden = [i for i, (_, s) in enumerate(table.rows) if s == HIDDEN]
    small = [i for i, n in enumerate(counts) if 0 < n < 10]
    assert set(small) <= set(hidden)
    if table.total != HIDDEN:
        assert len(hidden) != 1, counts  # total minus the shown cells would give it away
    assert all(counts[i] > 0 for i in hidden)  # a zero is never hidden (nor needs to be)
