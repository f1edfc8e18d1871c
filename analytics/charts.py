"""Charts as server-rendered inline SVG: no JavaScript library, no CDN, and they print.

Each function returns markup ready for a template (`{{ chart }}`), with a <title> and an
aria-label so a screen reader says what the chart shows, and scales with its container
(`svg.chart` in vconf.css).
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 16, 40
COLORS = ["#1f5fa8", "#b3261e", "#1e7b34", "#b26a00"]


@dataclass
class Series:
    name: str
    values: Sequence[float | None]
    color: str = COLORS[0]
    dashed: bool = False


def short_number(value: float) -> str:
    """1 234 567 890 → "1,2 tỷ", 3 500 000 → "3,5 tr", as Vietnamese readers abbreviate."""
    magnitude = abs(value)
    for size, suffix in ((1e9, " tỷ"), (1e6, " tr"), (1e3, " N")):
        if magnitude >= size:
            return f"{value / size:.1f}".replace(".", ",").replace(",0", "") + suffix
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}".replace(".", ",")


def nice_top(value: float) -> float:
    """A round axis maximum at or above value: 1, 2, 2.5 or 5 times a power of ten."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def _frame(title: str, body: list[str], top: float, unit: str) -> SafeString:
    plot_h = HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        'font-size="12" font-family="system-ui, sans-serif">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5):
        y = TOP + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d8dee6"/>')
        label = short_number(top * i / 4)
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#5b6b7c">{escape(label)}</text>')
    if unit:
        parts.append(f'<text x="4" y="{TOP - 4}" fill="#5b6b7c">{escape(unit)}</text>')
    parts += body
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above went through escape()


def _x_labels(labels: Sequence[str], x_of: Callable[[int], float]) -> list[str]:
    step = max(1, math.ceil(len(labels) / 12))
    parts = []
    for i, label in enumerate(labels):
        if i % step == 0:
            parts.append(
                f'<text x="{x_of(i):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" fill="#5b6b7c">'
                f"{escape(label)}</text>"
            )
    return parts


def bar_chart(labels: Sequence[str], values: Sequence[float], *, title: str, unit: str = "") -> SafeString:
    """One bar per label (months), with a tooltip giving the exact value."""
    top = nice_top(max([v for v in values if v is not None] or [0]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(values))
    body = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * (value or 0) / top
        x = LEFT + i * slot + slot * 0.1
        body.append(
            f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{max(1.0, slot * 0.8):.1f}" height="{h:.1f}" '
            f'fill="{COLORS[0]}"><title>{escape(label)}: {escape(short_number(value or 0))}</title></rect>'
        )
    body += _x_labels(labels, lambda i: LEFT + i * slot + slot / 2)
    return _frame(title, body, top, unit)


def line_chart(
    labels: Sequence[str], series: Sequence[Series], *, title: str, unit: str = "", top: float | None = None
) -> SafeString:
    """Lines over the same labels (cumulative savings against investment; coverage in %), with a legend."""
    values = [v for s in series for v in s.values if v is not None]
    top = top if top is not None else nice_top(max(values or [0]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = max(1, len(labels) - 1)

    def x_of(i: int) -> float:
        return LEFT + plot_w * i / count

    body = []
    for s in series:
        points = [
            f"{x_of(i):.1f},{TOP + plot_h - plot_h * v / top:.1f}" for i, v in enumerate(s.values) if v is not None
        ]
        if points:
            dash = ' stroke-dasharray="6 4"' if s.dashed else ""
            body.append(
                f'<polyline fill="none" stroke="{s.color}" stroke-width="2.5"{dash} points="{" ".join(points)}">'
                f"<title>{escape(s.name)}</title></polyline>"
            )
    for n, s in enumerate(series):
        x = LEFT + 10 + n * 220
        body.append(f'<rect x="{x}" y="{HEIGHT - 14}" width="14" height="4" fill="{s.color}"/>')
        body.append(f'<text x="{x + 20}" y="{HEIGHT - 8}" fill="#1d2733">{escape(s.name)}</text>')
    body += _x_labels(labels, x_of)
    return _frame(title, body, top, unit)
