"""Charts drawn on the server as SVG: no scripts, no fonts or files from elsewhere.

- :func:`flow`: where the data goes, from requester class through message key to
  decision (a Sankey diagram: band widths are request counts; :func:`paths` gives a
  report's);
- :func:`bars`: a horizontal bar per row (``key``, ``n``), each a link to the drill-down
  of its ``dimension``;
- :func:`trend`: weekly requests, with the refused and held ones drawn over them.

Every text in a chart is escaped; ``link`` callbacks give each mark its drill-down URL.
Room for labels is measured from their text (:func:`text_width`, a generous estimate of
the widest common sans-serif); a label longer than the room a chart may give it is cut
with an ellipsis and carries its whole text in a ``<title>`` (the browser's tooltip).
Each chart is drawn in a ``viewBox`` and scales to the width of its container.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import TypeVar

from statelink.reports.model import Count, FlowRow, Week

COLORS = {
    "permit": "#2f7d4a",
    "deny": "#b3261e",
    "hold": "#b07800",
    "none": "#6b7280",
}
COLUMN_COLORS = ("#3d6fb4", "#6d5bb0")
Link = Callable[[dict[str, str]], str]
Row = TypeVar("Row", bound=Count)

FONT = 12.0
"""The charts' font size, in the viewBox's units (see :data:`STYLE`)."""
PAD = 6.0
"""Space between a label and what it names."""


def _widths(*groups: tuple[str, float]) -> dict[str, float]:
    return {c: em for chars, em in groups for c in chars}


_EM = _widths(
    ("iljI'|", 0.30),
    (".,:;!·", 0.34),
    (" ftr()[]/-", 0.42),
    ('csz"_', 0.56),
    ("abdeghknopquvxy0123456789#$+<=>?~", 0.64),
    ("FJLPSTYZ", 0.66),
    ("ABCEKRVX", 0.71),
    ("DGHNOQU&", 0.79),
    ("w%", 0.84),
    ("mMW@", 1.0),
)
"""Advance widths in ems, rounded up from DejaVu Sans (the widest of the sans-serif
faces a browser picks for ``system-ui``), so an estimate is never short."""


def text_width(text: str, size: float = FONT) -> float:
    """How wide ``text`` is drawn at ``size``, at most: an estimate from each character's
    width (an accented letter counts as its letter; any other character 1 em, the width
    of the widest common ones: wide East Asian ones, dashes, arrows, the ellipsis)."""
    total = 0.0
    for c in text:
        em = _EM.get(c)
        if em is None:
            em = _EM.get(unicodedata.normalize("NFD", c)[0], 1.0)
        total += em
    return total * size


def fitted(text: str, room: float, size: float = FONT) -> str:
    """``text`` if it fits in ``room``, else as much of it as fits with an ellipsis."""
    if text_width(text, size) <= room:
        return text
    cut = text
    while cut and text_width(cut.rstrip() + "…", size) > room:
        cut = cut[:-1]
    return cut.rstrip() + "…"


def _text(x: float, y: float, text: str, room: float, *, anchor: str = "start") -> str:
    """A label at (x, y) cut to ``room``; a cut one carries its whole text as a tooltip."""
    shown = fitted(text, room)
    tip = f"<title>{escape(text)}</title>" if shown != text else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" class="label">'
        f"{tip}{escape(shown)}</text>"
    )


def _room(texts: Sequence[str], most: float) -> float:
    """The width the widest of ``texts`` needs, with a pad each side, up to ``most``."""
    return min(max((text_width(t) for t in texts), default=0.0) + 2 * PAD, most)


@dataclass(frozen=True)
class Path:
    """Requests that went the same way: one node of each column of a flow, and how many."""

    nodes: tuple[str, ...]
    n: int


def paths(rows: Sequence[FlowRow]) -> list[Path]:
    """A report's flow: requester class, message key, decision."""
    return [Path((r["requester_class"], r["mke"], r["decision"]), r["n"]) for r in rows]


def _a(href: str, body: str, title: str) -> str:
    if not href:
        return f"<g><title>{escape(title)}</title>{body}</g>"
    return f'<a href="{escape(href)}"><title>{escape(title)}</title>{body}</a>'


NODE_W, GAP, TOP = 14, 14, 10
Spans = list[dict[str, tuple[float, float]]]


@dataclass(frozen=True)
class _Columns:
    """Where a flow's columns of nodes stand, and the room each one's labels have."""

    xs: list[float]
    rooms: list[float]

    @classmethod
    def of(cls, labels: list[list[str]], width: int) -> _Columns:
        """The first column's labels sit left of its nodes, the others' to their right:
        the outer margins are as wide as the outer labels (up to a quarter of the chart
        each); the columns between share the rest evenly."""
        left = _room(labels[0], width / 4)
        right = _room(labels[-1], width / 4)
        step = (width - left - right - NODE_W) / (len(labels) - 1)
        xs = [left + i * step for i in range(len(labels))]
        rooms = [left - PAD, *([step - NODE_W - 2 * PAD] * (len(labels) - 2)), right - PAD]
        return cls(xs, rooms)


def flow(
    rows: Sequence[Path],
    link: Link,
    width: int = 900,
    height: int = 420,
    *,
    columns: Sequence[str] = ("requester_class", "mke", "decision"),
    colored: Sequence[str] = ("decision",),
    label: str = "Where the data goes: requester class, message key, decision",
) -> str:
    """Bands from column to column as wide as their counts (a Sankey diagram); the
    ``colored`` columns' nodes take the decision colours; a ``link`` of "" links nothing."""
    total = sum(r.n for r in rows)
    if not total:
        return '<p class="hint">No requests in this period.</p>'
    sizes: list[dict[str, int]] = [{} for _ in columns]
    for r in rows:
        for i, node in enumerate(r.nodes):
            sizes[i][node] = sizes[i].get(node, 0) + r.n
    place = _Columns.of([[_node_label(k, n) for k, n in s.items()] for s in sizes], width)
    scale = min((height - TOP * 2 - GAP * (len(s) - 1)) / total for s in sizes)
    spans, marks = _nodes(sizes, columns, colored, place, scale, link)
    bands = _bands(rows, columns, spans, place.xs, scale, link)
    return (
        f'<svg class="chart flow" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}">' + "".join(bands) + "".join(marks) + "</svg>"
    )


def _node_label(name: str, n: int) -> str:
    return f"{name} · {n:,}"


def _nodes(
    sizes: list[dict[str, int]],
    columns: Sequence[str],
    colored: Sequence[str],
    place: _Columns,
    scale: float,
    link: Link,
) -> tuple[Spans, list[str]]:
    """Each column's nodes, largest first, with their labels; and where each one sits."""
    spans: Spans = [{} for _ in columns]
    marks: list[str] = []
    for i, column in enumerate(sizes):
        x, y = place.xs[i], float(TOP)
        for name, n in sorted(column.items(), key=lambda kv: -kv[1]):
            h = max(n * scale, 1.0)
            spans[i][name] = (y, h)
            plain = COLUMN_COLORS[i % 2]
            color = COLORS.get(str(name).split(" ")[0], plain) if columns[i] in colored else plain
            rect = (
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{NODE_W}" height="{h:.1f}" fill="{color}"/>'
            )
            marks.append(_a(link({columns[i]: name}), rect, f"{name}: {n:,}"))
            text = _node_label(str(name), n)
            if i == 0:
                marks.append(_text(x - PAD, y + h / 2 + 4, text, place.rooms[i], anchor="end"))
            else:
                marks.append(_text(x + NODE_W + PAD, y + h / 2 + 4, text, place.rooms[i]))
            y += h + GAP
    return spans, marks


def _bands(
    rows: Sequence[Path],
    columns: Sequence[str],
    spans: Spans,
    xs: list[float],
    scale: float,
    link: Link,
) -> list[str]:
    """A band for each pair of neighbouring nodes, as wide as the rows they share."""
    offsets = [{k: v[0] for k, v in s.items()} for s in spans]
    ins = [{k: v[0] for k, v in s.items()} for s in spans]
    pairs: dict[tuple[int, str, str], int] = {}
    for r in rows:
        for i in range(len(columns) - 1):
            pair = (i, r.nodes[i], r.nodes[i + 1])
            pairs[pair] = pairs.get(pair, 0) + r.n
    bands: list[str] = []
    for (i, left, right), n in sorted(pairs.items(), key=lambda kv: (kv[0][0], -kv[1])):
        h = n * scale
        y0, y1 = offsets[i][left], ins[i + 1][right]
        offsets[i][left] += h
        ins[i + 1][right] += h
        x0, x1 = xs[i] + NODE_W, xs[i + 1]
        mid = (x0 + x1) / 2
        path = (
            f'<path d="M{x0:.1f},{y0:.1f} C{mid:.1f},{y0:.1f} {mid:.1f},{y1:.1f} '
            f"{x1:.1f},{y1:.1f} L{x1:.1f},{y1 + h:.1f} C{mid:.1f},{y1 + h:.1f} "
            f'{mid:.1f},{y0 + h:.1f} {x0:.1f},{y0 + h:.1f} Z" class="band"/>'
        )
        target = link({columns[i]: left, columns[i + 1]: right})
        bands.append(_a(target, path, f"{left} → {right}: {n:,}"))
    return bands


def bars(
    rows: Sequence[Row],
    link: Link,
    *,
    dimension: str = "key",
    label: Callable[[Row], str] | None = None,
    width: int = 900,
    row_h: int = 22,
    name: str = "",
    stacked: bool = False,
) -> str:
    """A bar per row, its count right of it, its label left of it (as wide as the longest
    label needs, up to 45% of the chart) or, ``stacked``, on a line of its own above it
    (for narrow charts: the bars keep the chart's width); ``name`` is the chart's
    accessible name."""
    if not rows:
        return '<p class="hint">None.</p>'
    most = max(int(r["n"]) for r in rows) or 1
    names = [label(r) if label else str(r["key"]) for r in rows]
    counts = [f"{int(r['n']):,}" for r in rows]
    label_w = PAD if stacked else _room(names, width * 0.45)
    room = width - label_w - _room(counts, width * 0.2)
    step = row_h + (FONT + 4 if stacked else 0)
    parts = []
    for i, (r, text, count) in enumerate(zip(rows, names, counts, strict=True)):
        y = i * step + 2 + (FONT + 4 if stacked else 0)  # the top of the bar's row
        w = max(int(r["n"]) / most * room, 1)
        bar = (
            f'<rect x="{label_w:.1f}" y="{y + 3:.1f}" width="{w:.1f}" height="{row_h - 7}" '
            f'class="bar"/>'
        )
        if stacked:
            parts.append(_text(label_w, y - 2, text, width - 2 * PAD))
        else:
            parts.append(_text(label_w - PAD, y + row_h - 7, text, label_w - 2 * PAD, anchor="end"))
        parts.append(
            _a(link({dimension: str(r["key"])}), bar, f"{text}: {count}")
            + f'<text x="{label_w + w + PAD:.1f}" y="{y + row_h - 7:.1f}" class="value">'
            f"{count}</text>"
        )
    named = f' aria-label="{escape(name)}"' if name else ""
    return (
        f'<svg class="chart bars" viewBox="0 0 {width} {step * len(rows) + 4:.0f}" '
        f'role="img"{named}>' + "".join(parts) + "</svg>"
    )


def trend(weeks: Sequence[Week], link: Link, width: int = 900, height: int = 200) -> str:
    """Weekly requests (columns), the refused and held part of each in red; the weeks'
    dates below, as many as fit side by side."""
    if not weeks:
        return '<p class="hint">No requests in this period.</p>'
    most = max(int(w["n"]) for w in weeks) or 1
    left, bottom, top = _room([f"{most:,}"], width / 4), 22, 8
    plot_h = height - bottom - top
    step = (width - left) / len(weeks)
    date_w = max(text_width(str(w["week"])) for w in weeks)
    every = max(math.ceil((date_w + 2 * PAD) / step), 1)
    parts = [
        f'<text x="{left - PAD:.1f}" y="{top + 8}" text-anchor="end" class="value">{most:,}</text>',
        f'<line x1="{left:.1f}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" '
        f'class="axis"/>',
    ]
    for i, w in enumerate(weeks):
        n, refused = int(w["n"]), int(w["deny"]) + int(w["hold"])
        h = n / most * plot_h
        rh = refused / most * plot_h
        x = left + i * step
        bar = (
            f'<rect x="{x:.1f}" y="{height - bottom - h:.1f}" width="{max(step - 1, 1):.1f}" '
            f'height="{h:.1f}" class="bar"/>'
            f'<rect x="{x:.1f}" y="{height - bottom - rh:.1f}" width="{max(step - 1, 1):.1f}" '
            f'height="{rh:.1f}" class="refused"/>'
        )
        parts.append(
            _a(
                link({"week": str(w["week"])}),
                bar,
                f"week of {w['week']}: {n:,} requests, {refused:,} refused or held",
            )
        )
        if i % every == 0 and x + text_width(str(w["week"])) <= width:
            parts.append(
                f'<text x="{x:.1f}" y="{height - 6}" class="value">{escape(str(w["week"]))}</text>'
            )
    return (
        f'<svg class="chart trend" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Requests per week">' + "".join(parts) + "</svg>"
    )


STYLE = """
svg.chart { width: 100%; height: auto; font: 12px system-ui, sans-serif; }
svg.chart .label { fill: #1b1f24; } svg.chart .value { fill: #5b6570; }
svg.chart .band { fill: #3d6fb4; opacity: .28; } svg.chart a:hover .band { opacity: .5; }
svg.chart .bar { fill: #3d6fb4; } svg.chart .refused { fill: #b3261e; }
svg.chart .axis { stroke: #9aa4ae; } svg.chart a:hover rect { opacity: .8; }
"""
"""The charts' look, for pages that embed them (the dashboard has it in its CSS file)."""
