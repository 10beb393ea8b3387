"""Charts drawn on the server as SVG: no scripts, no fonts or files from elsewhere.

- :func:`flow`: where the data goes, from requester class through message key to
  decision (a Sankey diagram: band widths are request counts; :func:`paths` gives a
  report's);
- :func:`bars`: a horizontal bar per row (``key``, ``n``), each a link to the drill-down
  of its ``dimension``;
- :func:`trend`: weekly requests, with the refused and held ones drawn over them.

Every text in a chart is escaped; ``link`` callbacks give each mark its drill-down URL.
"""

from __future__ import annotations

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


NODE_W, GAP, TOP, LABEL_W = 14, 14, 10, 215
Spans = list[dict[str, tuple[float, float]]]


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
    step = (width - 2 * LABEL_W - NODE_W) / (len(columns) - 1)
    xs = [round(LABEL_W + i * step) for i in range(len(columns))]
    scale = min((height - TOP * 2 - GAP * (len(s) - 1)) / total for s in sizes)
    spans, marks = _nodes(sizes, columns, colored, xs, scale, link)
    bands = _bands(rows, columns, spans, xs, scale, link)
    return (
        f'<svg class="chart flow" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}">' + "".join(bands) + "".join(marks) + "</svg>"
    )


def _nodes(
    sizes: list[dict[str, int]],
    columns: Sequence[str],
    colored: Sequence[str],
    xs: list[int],
    scale: float,
    link: Link,
) -> tuple[Spans, list[str]]:
    """Each column's nodes, largest first, with their labels; and where each one sits."""
    spans: Spans = [{} for _ in columns]
    marks: list[str] = []
    for i, column in enumerate(sizes):
        y = float(TOP)
        for name, n in sorted(column.items(), key=lambda kv: -kv[1]):
            h = max(n * scale, 1.0)
            spans[i][name] = (y, h)
            plain = COLUMN_COLORS[i % 2]
            color = COLORS.get(str(name).split(" ")[0], plain) if columns[i] in colored else plain
            rect = (
                f'<rect x="{xs[i]}" y="{y:.1f}" width="{NODE_W}" height="{h:.1f}" fill="{color}"/>'
            )
            marks.append(_a(link({columns[i]: name}), rect, f"{name}: {n:,}"))
            anchor, lx = ("end", xs[i] - 6) if i == 0 else ("start", xs[i] + NODE_W + 6)
            marks.append(
                f'<text x="{lx}" y="{y + h / 2 + 4:.1f}" text-anchor="{anchor}" '
                f'class="label">{escape(str(name))} · {n:,}</text>'
            )
            y += h + GAP
    return spans, marks


def _bands(
    rows: Sequence[Path],
    columns: Sequence[str],
    spans: Spans,
    xs: list[int],
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
            f'<path d="M{x0},{y0:.1f} C{mid},{y0:.1f} {mid},{y1:.1f} {x1},{y1:.1f} '
            f"L{x1},{y1 + h:.1f} C{mid},{y1 + h:.1f} {mid},{y0 + h:.1f} {x0},{y0 + h:.1f} Z"
            f'" class="band"/>'
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
) -> str:
    if not rows:
        return '<p class="hint">None.</p>'
    most = max(int(r["n"]) for r in rows) or 1
    label_w, value_w = int(width * 0.36), 70
    room = width - label_w - value_w
    height = row_h * len(rows) + 4
    parts = []
    for i, r in enumerate(rows):
        y = i * row_h + 2
        w = max(int(r["n"]) / most * room, 1)
        name = label(r) if label else str(r["key"])
        bar = f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 7}" class="bar"/>'
        parts.append(
            f'<text x="{label_w - 8}" y="{y + row_h - 7}" text-anchor="end" '
            f'class="label">{escape(name)}</text>'
            + _a(link({dimension: str(r["key"])}), bar, f"{name}: {int(r['n']):,}")
            + f'<text x="{label_w + w + 6:.1f}" y="{y + row_h - 7}" class="value">'
            f"{int(r['n']):,}</text>"
        )
    return (
        f'<svg class="chart bars" viewBox="0 0 {width} {height}" role="img">'
        + "".join(parts)
        + "</svg>"
    )


def trend(weeks: Sequence[Week], link: Link, width: int = 900, height: int = 200) -> str:
    """Weekly requests (columns), the refused and held part of each in red."""
    if not weeks:
        return '<p class="hint">No requests in this period.</p>'
    most = max(int(w["n"]) for w in weeks) or 1
    left, bottom, top = 40, 22, 8
    plot_h = height - bottom - top
    step = (width - left) / len(weeks)
    parts = [
        f'<text x="{left - 6}" y="{top + 8}" text-anchor="end" class="value">{most:,}</text>',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" '
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
        if i % max(len(weeks) // 6, 1) == 0:
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
