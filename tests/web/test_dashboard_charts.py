"""The dashboard's charts in a real browser (Debian's chromium): every label is drawn inside
its chart, whatever its length, and a label cut to fit carries its whole text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from statelink.reports import charts
from statelink.reports.model import Count, Week

LONG = "Office of the Inspector General, Department of Transportation, Region 10 (Seattle)"
WIDE = "Zürich Kantonspolizei — 警察庁 交通局"
TEXTS = [
    "C criminal investigation",
    "I immigration enforcement (civil)",
    "out-of-state agencies · 1,450",
    "MMMMMMMMMMWWWWWWWWWW",
    "iiiiiiiiiillllllllll",
    "0123456789,000",
    "permit (logged) → deny … — Genève, Zürich",
    LONG,
    WIDE,
]


def _link(filters: dict[str, str]) -> str:
    return "/records?" + "&".join(f"{k}={v}" for k, v in filters.items())


def _counts(*labels: str) -> list[Count]:
    return [{"key": k, "n": 10_000 * (i + 1) + 7, "released": 0} for i, k in enumerate(labels)]


def _weeks(n: int, most: int) -> list[Week]:
    return [
        {
            "week": f"2026-{1 + i // 4:02d}-{1 + 7 * (i % 4):02d}",
            "n": most if i == 3 else most // 3,
            "permit": 0,
            "deny": most // 10,
            "hold": 1,
            "released": 0,
        }
        for i in range(n)
    ]


CHARTS = {
    "bars, short labels": charts.bars(_counts("in-state agencies", "ICE"), _link, width=520),
    "bars, a long label": charts.bars(_counts("HSI", LONG, WIDE), _link, width=520),
    "bars, narrow": charts.bars(_counts("C criminal investigation", LONG), _link, width=360),
    "bars, stacked": charts.bars(_counts("T traffic", LONG), _link, width=360, stacked=True),
    "flow": charts.flow(
        [
            charts.Path((LONG, "DQ", "permit"), 1_234_567),
            charts.Path(("immigration agencies", WIDE, "deny"), 12),
            charts.Path(("other federal agencies", "RQ", "hold"), 3),
        ],
        _link,
    ),
    "flow, two columns": charts.flow(
        [
            charts.Path(("permit (logged)", "deny (candidate)"), 40),
            charts.Path(("hold (logged)", "permit (candidate)"), 2),
        ],
        _link,
        height=260,
        columns=("before", "after"),
    ),
    "trend, a year": charts.trend(_weeks(52, 1_234_567), _link),
    "trend, narrow": charts.trend(_weeks(52, 15), _link, width=420),
    "trend, three weeks": charts.trend(_weeks(3, 9), _link, width=420),
}


@pytest.fixture(scope="module")
def page(browser: Browser) -> Iterator[Page]:
    shown = browser.new_page(viewport={"width": 1000, "height": 800})
    yield shown
    shown.close()


OUTSIDE = """svg => {
  const box = svg.viewBox.baseVal, out = [];
  for (const t of svg.querySelectorAll('text')) {
    const b = t.getBBox(), right = b.x + b.width, bottom = b.y + b.height;
    if (b.x < -0.5 || right > box.width + 0.5 || b.y < -0.5 || bottom > box.height + 0.5)
      out.push(`${t.textContent} at ${b.x.toFixed(1)}..${right.toFixed(1)} of ${box.width}`);
  }
  return out;
}"""
"""The texts of a chart drawn outside its viewBox (none, when every label fits)."""
CUT = """svg => [...svg.querySelectorAll('text.label')].map(t => [
  [...t.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join(''),
  t.querySelector('title')?.textContent ?? null,
])"""


@pytest.mark.parametrize("name", list(CHARTS))
def test_every_label_is_drawn_inside_its_chart(page: Page, name: str) -> None:
    page.set_content(f"<style>{charts.STYLE}</style>{CHARTS[name]}")
    chart = page.locator("svg.chart")
    assert page.evaluate("document.querySelector('svg.chart').getBBox().width") > 0
    assert chart.evaluate(OUTSIDE) == []
    for shown, whole in chart.evaluate(CUT):
        if whole is None:  # not cut
            continue
        assert shown.endswith("…")
        assert shown != whole
        assert whole.startswith(shown[:-1].rstrip())


def test_a_long_label_is_cut_and_the_short_ones_are_whole(page: Page) -> None:
    page.set_content(f"<style>{charts.STYLE}</style>{CHARTS['bars, a long label']}")
    labels: list[list[Any]] = page.locator("svg.chart").evaluate(CUT)
    assert labels[0] == ["HSI", None]
    assert labels[1][1] == LONG
    assert labels[1][0].endswith("…")
    stacked = charts.bars(_counts("T traffic", LONG), _link, width=1000, stacked=True)
    assert f">{LONG}</text>" in stacked  # a stacked label has the chart's width


@pytest.mark.parametrize("text", TEXTS)
def test_the_width_estimate_is_never_short_of_the_drawn_width(page: Page, text: str) -> None:
    page.set_content(
        f'<style>{charts.STYLE}</style><svg class="chart" viewBox="0 0 1000 40">'
        f'<text x="0" y="20" class="label">{text}</text></svg>'
    )
    drawn = page.locator("svg text").evaluate("t => t.getComputedTextLength()")
    assert drawn <= charts.text_width(text) <= drawn * 1.6


@pytest.mark.parametrize(
    ("text", "room", "shown"),
    [
        ("ICE", 100.0, "ICE"),
        ("criminal investigation", 1000.0, "criminal investigation"),
        ("criminal investigation", 68.0, "criminal…"),
        ("criminal investigation", 10.0, "…"),
        ("", 0.0, ""),
    ],
)
def test_fitted_cuts_at_the_room_with_an_ellipsis(text: str, room: float, shown: str) -> None:
    assert charts.fitted(text, room) == shown
    assert charts.text_width(shown) <= max(room, charts.text_width("…"))
