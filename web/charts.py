"""Server-side SVG charts (no JavaScript library): bars per day, ranked horizontal bars; more in stats_charts.

Each function takes numbers already aggregated by the database and returns safe SVG markup sized by
its viewBox, so it scales to the width of a phone or a desktop. Colors come from the page's CSS
classes (`chart-bar`, `chart-label`, …). Every bar has a `<title>` (a tooltip and a screen-reader
label) and `data-*` attributes naming what it counts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Ranked:
    label: str
    count: int
    detail: str = ""  # a second line, e.g. a track's artist


def _plays(n: int) -> str:
    return f"{n} play{'' if n == 1 else 's'}"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _svg(width: float, height: float, label: str, body: Sequence[str], css_class: str) -> SafeString:
    head = format_html(
        '<svg class="chart {}" viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">',
        css_class,
        f"{width:g}",
        f"{height:g}",
        label,
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 - every part is built with format_html


def _tick_step(peak: int, most: int = 4) -> int:
    """1, 2, 5, 10, 20, 50… whichever gives at most `most` gridlines up to `peak`."""
    magnitude = 1
    while True:
        for step in (magnitude, 2 * magnitude, 5 * magnitude):
            if peak <= step * most:
                return step
        magnitude *= 10


def daily_bars(days: Sequence[tuple[date, int]], *, label: str = "Plays per day") -> SafeString:
    """Vertical bars, one per day, oldest on the left; a few date labels underneath."""
    width, height, top, bottom, left = 720.0, 220.0, 16.0, 28.0, 34.0
    plot_w, plot_h = width - left - 6, height - top - bottom
    peak = max((count for _, count in days), default=0)
    step = _tick_step(peak)
    scale = math.ceil(peak / step) * step if peak else 1
    body = []
    for tick in range(step, scale + 1, step) if peak else ():  # gridlines at round counts
        y = top + plot_h * (1 - tick / scale)
        body.append(
            format_html(
                '<line class="chart-grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="chart-label" x="{}" y="{}" text-anchor="end">{}</text>',
                f"{left:g}",
                f"{width - 6:g}",
                f"{y:.1f}",
                f"{y:.1f}",
                f"{left - 4:g}",
                f"{y + 4:.1f}",
                tick,
            )
        )
    n = max(len(days), 1)
    slot = plot_w / n
    gap = min(2.0, slot * 0.2)
    label_every = max(1, math.ceil(n / 8))
    for i, (day, count) in enumerate(days):
        bar_h = plot_h * count / scale
        x = left + i * slot + gap / 2
        body.append(
            format_html(
                '<rect class="chart-bar" x="{}" y="{}" width="{}" height="{}" rx="1.5" '
                'data-day="{}" data-count="{}"><title>{}: {}</title></rect>',
                f"{x:.2f}",
                f"{top + plot_h - bar_h:.2f}",
                f"{max(slot - gap, 0.5):.2f}",
                f"{bar_h:.2f}",
                day.isoformat(),
                count,
                f"{day:%a} {day.day} {day:%b %Y}",
                _plays(count),
            )
        )
        if i % label_every == 0:
            body.append(
                format_html(
                    '<text class="chart-label" x="{}" y="{}" text-anchor="middle">{}</text>',
                    f"{x + (slot - gap) / 2:.2f}",
                    f"{height - 8:g}",
                    f"{day.day} {day:%b}",
                )
            )
    return _svg(width, height, label, body, "chart-days")


def ranked_bars(items: Sequence[Ranked], *, label: str) -> SafeString:
    """Horizontal bars, largest first, with the name above each bar and the count at its end."""
    row_h, width = 38.0, 480.0
    height = max(row_h * len(items), row_h)
    peak = max((item.count for item in items), default=0) or 1
    body = []
    for i, item in enumerate(items):
        y = i * row_h
        bar_w = max((width - 60) * item.count / peak, 2)
        name = _clip(item.label, 42)
        full = f"{item.label} — {item.detail}" if item.detail else item.label
        body.append(
            format_html(
                '<g class="chart-row" data-label="{}" data-count="{}"><title>{}: {}</title>'
                '<text class="chart-name" x="0" y="{}">{}{}</text>'
                '<rect class="chart-bar" x="0" y="{}" width="{}" height="12" rx="3"/>'
                '<text class="chart-label" x="{}" y="{}">{}</text></g>',
                item.label,
                item.count,
                full,
                _plays(item.count),
                f"{y + 13:g}",
                name,
                format_html('<tspan class="chart-detail"> · {}</tspan>', _clip(item.detail, 30))
                if item.detail
                else "",
                f"{y + 18:g}",
                f"{bar_w:.2f}",
                f"{bar_w + 6:.2f}",
                f"{y + 28:g}",
                item.count,
            )
        )
    return _svg(width, height, label, body, "chart-ranked")
