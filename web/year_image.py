"""The shareable year in review picture, 1200 by 630 pixels (the size link previews use), as SVG and as PNG.

One layout (a list of rectangles and texts placed on the canvas) is drawn twice: written out as SVG,
and painted with Pillow for the PNG, so both files show the same picture. Texts are clipped to a
number of characters in the layout itself, not measured by either renderer. Pillow uses DejaVu Sans
when the system has it (most Linux systems), else its own bundled font, and for Chinese, Japanese and
Korean text WenQuanYi Zen Hei or Noto Sans CJK when one is installed (a browser finds its own).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from PIL import Image, ImageDraw, ImageFont

from listening.stats.selectors import YearReview

WIDTH, HEIGHT = 1200, 630
BACKGROUND, PANEL, TEXT, MUTED, ACCENT, DIM = "#0f1115", "#171a21", "#e8eaf0", "#9aa3b2", "#1db954", "#2c3240"
FONT_FAMILY = "DejaVu Sans, Verdana, Arial, sans-serif"
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/truetype/wqy"),
    Path("/usr/share/fonts/opentype/noto"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
)
CJK_FONTS = ("wqy-zenhei.ttc", "NotoSansCJK-Regular.ttc")
# Han, kana, hangul, CJK punctuation and full-width forms.
_CJK = re.compile("[\u2e80-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")
MONTH_INITIALS = "JFMAMJJASOND"
# Characters XML 1.0 forbids (a tag from a scrobbler may hold any of them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    fill: str
    radius: float = 0


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # the baseline
    text: str
    size: int
    fill: str = TEXT
    bold: bool = False
    anchor: str = "start"  # or "end", "middle"


Shape = Box | Text


def _clip(text: str, columns: int) -> str:
    """The text cut to about `columns` Latin letters' width (a CJK character counts as two)."""
    used = 0
    for i, char in enumerate(text):
        used += 2 if _CJK.match(char) else 1
        if used > columns:
            return text[:i].rstrip() + "…"
    return text


def _count(n: int) -> str:
    return f"{n:,}"


def year_layout(review: YearReview, *, name: str = "") -> list[Shape]:
    """What the picture holds: the year, the summary's figures, the months, the top artists and tracks."""
    summary = review.summary
    owner = f"{_clip(name, 40)}'s year in music" if name else "A year in music"
    shapes: list[Shape] = [
        Box(0, 0, WIDTH, HEIGHT, BACKGROUND),
        Box(0, 0, 12, HEIGHT, ACCENT),
        Text(60, 64, f"♪ MusicHub · {owner}", 22, ACCENT, bold=True),
        Text(60, 136, str(review.year), 72, TEXT, bold=True),
    ]
    peak = max((month.plays for month in review.months), default=0) or 1
    left, base, slot, tall = 700.0, 128.0, 440.0 / 12, 84.0
    for i, month in enumerate(review.months[:12]):
        h = max(tall * month.plays / peak, 2.0)
        shapes.append(Box(left + i * slot + 4, base - h, slot - 8, h, ACCENT if month.plays else DIM, 3))
        shapes.append(
            Text(left + i * slot + slot / 2, base + 24, MONTH_INITIALS[i], 15, MUTED, anchor="middle")
        )
    streak = summary.longest_streak.days if summary.longest_streak else 0
    tiles = (
        (_count(summary.plays), "plays"),
        # Listening time when the plays carry track lengths (Last.fm's do not), else the tracks.
        (_count(summary.ms // 3_600_000), "hours of music")
        if summary.ms >= 3_600_000
        else (_count(summary.tracks), "tracks"),
        (_count(summary.artists), "artists"),
        (_count(streak), "days, longest streak"),
    )
    for i, (value, label) in enumerate(tiles):
        x = 60 + i * 276
        shapes += [
            Box(x, 186, 256, 96, PANEL, 14),
            Text(x + 20, 238, value, 38, TEXT, bold=True),
            Text(x + 20, 267, label, 17, MUTED),
        ]
    if not summary.plays:
        shapes.append(Text(60, 380, f"No plays in {review.year} yet.", 30, MUTED))
        return shapes
    shapes.append(Text(60, 334, "Top artists", 21, ACCENT, bold=True))
    for i, item in enumerate(review.top_artists[:5]):
        y = 378 + i * 48
        shapes += [
            Text(60, y, f"{i + 1}", 22, MUTED, bold=True),
            Text(92, y, _clip(item.name, 26), 26, TEXT, bold=i == 0),
            Text(590, y, f"{_count(item.plays)} plays", 17, MUTED, anchor="end"),
        ]
    shapes.append(Text(650, 334, "Top tracks", 21, ACCENT, bold=True))
    for i, item in enumerate(review.top_tracks[:5]):
        y = 372 + i * 48
        shapes += [
            Text(650, y, f"{i + 1}", 20, MUTED, bold=True),
            Text(680, y, _clip(item.name, 34), 21, TEXT),
            Text(680, y + 20, _clip(item.artist or "", 44), 15, MUTED),
        ]
    return shapes


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def year_svg(shapes: list[Shape]) -> str:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family={quoteattr(FONT_FAMILY)}>'
    ]
    for shape in shapes:
        if isinstance(shape, Box):
            parts.append(
                f'<rect x="{shape.x:g}" y="{shape.y:g}" width="{shape.w:.2f}" height="{shape.h:.2f}" '
                f'rx="{shape.radius:g}" fill="{shape.fill}"/>'
            )
        else:
            parts.append(
                f'<text x="{shape.x:g}" y="{shape.y:g}" font-size="{shape.size}" fill="{shape.fill}"'
                f'{" font-weight=" + quoteattr("bold") if shape.bold else ""} text-anchor="{shape.anchor}">'
                f"{escape(_clean(shape.text))}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


@lru_cache(maxsize=32)
def _font(size: int, bold: bool, wide: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans (bold or not); for CJK text (`wide`) a font that has those glyphs when there is one."""
    files = CJK_FONTS if wide else ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf",)
    for folder in FONT_DIRS:
        for file in files:
            if (folder / file).exists():
                return ImageFont.truetype(str(folder / file), size)
    return _font(size, bold) if wide else ImageFont.load_default(size=size)


def _runs(text: str) -> list[tuple[str, bool]]:
    """The text cut where it goes into or out of CJK script, which DejaVu does not draw."""
    runs: list[tuple[str, bool]] = []
    for char in text:
        wide = _CJK.match(char) is not None
        if runs and runs[-1][1] == wide:
            runs[-1] = (runs[-1][0] + char, wide)
        else:
            runs.append((char, wide))
    return runs


_ANCHORS = {"start": 0.0, "end": 1.0, "middle": 0.5}


def _draw_text(draw: ImageDraw.ImageDraw, shape: Text) -> None:
    runs = [(part, _font(shape.size, shape.bold, wide)) for part, wide in _runs(_clean(shape.text))]
    width = sum(font.getlength(part) for part, font in runs)
    x = shape.x - width * _ANCHORS[shape.anchor]
    for part, font in runs:
        draw.text((x, shape.y), part, font=font, fill=shape.fill, anchor="ls")
        x += font.getlength(part)


def year_png(shapes: list[Shape]) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    for shape in shapes:
        if isinstance(shape, Box):
            box = (shape.x, shape.y, shape.x + shape.w - 1, shape.y + shape.h - 1)
            draw.rounded_rectangle(box, radius=min(shape.radius, shape.w / 2, shape.h / 2), fill=shape.fill)
        else:
            _draw_text(draw, shape)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
