"""The Stats page's SVG charts: share bars, the weekday-by-hour grid, the day calendar, the activity curve.

Like `web.charts`, each function draws numbers the stats selectors already counted (nothing is
aggregated here) and returns safe SVG markup sized by its viewBox. Every cell or bar has a `<title>`
(a tooltip, and what a screen reader reads) and `data-*` attributes naming what it counts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.html import format_html
from django.utils.safestring import SafeString

from web.charts import _clip, _svg, _tick_step

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def plays_text(n: int) -> str:
    return f"{n:,} play{'' if n == 1 else 's'}"


def duration_text(ms: int) -> str:
    """Listening time as "3 h 05 min", "42 min" or "under a minute"."""
    minutes = ms // 60_000
    if minutes < 1:
        return "0 min" if ms == 0 else "under a minute"
    hours, minutes = divmod(minutes, 60)
    return f"{hours:,} h {minutes:02d} min" if hours else f"{minutes} min"


@dataclass(frozen=True)
class Share:
    """One row of a top list: its name, a second line (the artist), the figure shown and its share."""

    label: str
    detail: str
    value: str  # "12 plays" or "1 h 05 min"
    share: float  # of the range's plays (or time), 0..1


def share_bars(items: Sequence[Share], *, label: str) -> SafeString:
    """Horizontal bars as long as each item's share of the whole range (the first one's the longest)."""
    row_h, width = 38.0, 340.0
    height = max(row_h * len(items), row_h)
    peak = max((item.share for item in items), default=0) or 1
    body = []
    for i, item in enumerate(items):
        y = i * row_h
        bar_w = max((width - 125) * item.share / peak, 2)
        percent = f"{item.share * 100:.1f}%"
        full = f"{item.label} — {item.detail}" if item.detail else item.label
        body.append(
            format_html(
                '<g class="chart-row" data-label="{}" data-share="{}"><title>{}: {}, {} of the range</title>'
                '<text class="chart-name" x="0" y="{}">{}{}</text>'
                '<rect class="chart-bar" x="0" y="{}" width="{}" height="12" rx="3"/>'
                '<text class="chart-label" x="{}" y="{}">{} · {}</text></g>',
                item.label,
                f"{item.share:.4f}",
                full,
                item.value,
                percent,
                f"{y + 13:g}",
                _clip(item.label, 30),
                format_html('<tspan class="chart-detail"> · {}</tspan>', _clip(item.detail, 22))
                if item.detail
                else "",
                f"{y + 18:g}",
                f"{bar_w:.2f}",
                f"{bar_w + 6:.2f}",
                f"{y + 28:g}",
                item.value,
                percent,
            )
        )
    return _svg(width, height, label, body, "chart-ranked")


def _level(count: int, peak: int) -> int:
    """0 for nothing, else 1..4 by the count's part of the busiest cell (the shade of a cell)."""
    return 0 if count <= 0 or peak <= 0 else max(1, math.ceil(4 * count / peak))


@dataclass(frozen=True)
class Cell:
    key: str  # the bucket's key ("0-13", "2026-03-01")
    title: str  # what the tooltip says
    count: int


def clock_grid(cells: Sequence[Cell], *, label: str = "Plays by weekday and hour") -> SafeString:
    """7 rows (Monday first) by 24 columns (hours), darker for fewer plays; cells in weekday-hour order."""
    left, top, size, gap = 34.0, 18.0, 26.0, 3.0
    width, height = left + 24 * size, top + 7 * size
    peak = max((cell.count for cell in cells), default=0)
    body = []
    for hour in range(0, 24, 3):
        body.append(
            format_html(
                '<text class="chart-label" x="{}" y="12" text-anchor="middle">{}</text>',
                f"{left + hour * size + size / 2:g}",
                f"{hour:02d}",
            )
        )
    for row, name in enumerate(WEEKDAYS):
        body.append(
            format_html(
                '<text class="chart-label" x="0" y="{}">{}</text>', f"{top + row * size + 17:g}", name
            )
        )
    for i, cell in enumerate(cells[: 7 * 24]):
        row, column = divmod(i, 24)
        body.append(
            format_html(
                '<rect class="heat heat-{}" x="{}" y="{}" width="{}" height="{}" rx="3" data-key="{}" '
                'data-count="{}"><title>{}: {}</title></rect>',
                _level(cell.count, peak),
                f"{left + column * size:g}",
                f"{top + row * size:g}",
                f"{size - gap:g}",
                f"{size - gap:g}",
                cell.key,
                cell.count,
                cell.title,
                plays_text(cell.count),
            )
        )
    return _svg(width, height, label, body, "chart-grid-clock")


def day_calendar(days: Sequence[tuple[date, str, int]], *, label: str) -> SafeString:
    """A GitHub-style calendar: a column per week (Monday on top), a square per day of `days`
    ((day, title, plays), oldest first), a month's name above the week it starts in."""
    if not days:
        return _svg(100, 20, label, [], "chart-calendar")
    left, top, size, gap = 30.0, 18.0, 14.0, 3.0
    monday = days[0][0] - timedelta(days=days[0][0].weekday())
    weeks = (days[-1][0] - monday).days // 7 + 1
    width, height = left + weeks * size, top + 7 * size
    peak = max(count for _, _, count in days)
    body = [
        format_html('<text class="chart-label" x="0" y="{}">{}</text>', f"{top + row * size + 11:g}", name)
        for row, name in ((0, "Mon"), (2, "Wed"), (4, "Fri"), (6, "Sun"))
    ]
    last_month_label = -99.0
    for day, title, count in days:
        column = (day - monday).days // 7
        x = left + column * size
        if (day.day == 1 or day == days[0][0]) and x - last_month_label >= 3 * size:
            last_month_label = x
            body.append(
                format_html('<text class="chart-label" x="{}" y="12">{}</text>', f"{x:g}", f"{day:%b}")
            )
        body.append(
            format_html(
                '<rect class="heat heat-{}" x="{}" y="{}" width="{}" height="{}" rx="2" data-day="{}" '
                'data-count="{}"><title>{}: {}</title></rect>',
                _level(count, peak),
                f"{x:g}",
                f"{top + day.weekday() * size:g}",
                f"{size - gap:g}",
                f"{size - gap:g}",
                day.isoformat(),
                count,
                title,
                plays_text(count),
            )
        )
    return _svg(width, height, label, body, "chart-calendar")


@dataclass(frozen=True)
class Point:
    key: str
    title: str  # "Mar 2026", "Week of 2 Mar 2026"
    tick: str  # the short label under the axis
    count: int


def activity_curve(points: Sequence[Point], *, label: str) -> SafeString:
    """An area under the plays of each bucket, oldest on the left; a hover band with a title per bucket."""
    width, height, top, bottom, left = 720.0, 220.0, 16.0, 28.0, 40.0
    plot_w, plot_h = width - left - 8, height - top - bottom
    peak = max((point.count for point in points), default=0)
    step = _tick_step(peak)
    scale = math.ceil(peak / step) * step if peak else 1
    body = []
    for tick in range(step, scale + 1, step) if peak else ():
        y = top + plot_h * (1 - tick / scale)
        body.append(
            format_html(
                '<line class="chart-grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="chart-label" x="{}" y="{}" text-anchor="end">{}</text>',
                f"{left:g}",
                f"{width - 8:g}",
                f"{y:.1f}",
                f"{y:.1f}",
                f"{left - 4:g}",
                f"{y + 4:.1f}",
                f"{tick:,}",
            )
        )
    n = max(len(points), 1)
    slot = plot_w / n
    xy = [
        (left + (i + 0.5) * slot, top + plot_h * (1 - point.count / scale)) for i, point in enumerate(points)
    ]
    if xy:
        base = top + plot_h
        line = " ".join(f"{x:.2f},{y:.2f}" for x, y in xy)
        area = f"{xy[0][0]:.2f},{base:.2f} {line} {xy[-1][0]:.2f},{base:.2f}"
        body.append(format_html('<polygon class="curve-area" points="{}"/>', area))
        body.append(format_html('<polyline class="curve-line" points="{}" fill="none"/>', line))
    label_every = max(1, math.ceil(n / 8))
    for i, point in enumerate(points):
        x = left + i * slot
        body.append(
            format_html(
                '<rect class="curve-hit" x="{}" y="{}" width="{}" height="{}" data-key="{}" data-count="{}">'
                "<title>{}: {}</title></rect>",
                f"{x:.2f}",
                f"{top:g}",
                f"{slot:.2f}",
                f"{plot_h:g}",
                point.key,
                point.count,
                point.title,
                plays_text(point.count),
            )
        )
        if i % label_every == 0:
            body.append(
                format_html(
                    '<text class="chart-label" x="{}" y="{}" text-anchor="middle">{}</text>',
                    f"{x + slot / 2:.2f}",
                    f"{height - 8:g}",
                    point.tick,
                )
            )
    return _svg(width, height, label, body, "chart-curve")
