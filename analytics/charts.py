"""Charts as server-rendered inline SVG: no JavaScript library, no CDN, and they print.

Each function returns markup ready for a template (`{{ chart }}`), with a <title> and an
aria-label so a screen reader says what the chart shows, and scales with its container
(`svg.chart` in vconf.css). Axes run at round 1-2-5 steps, ticks are bare numbers written the way
the active language writes them (0,5 / 0.5), and the unit with its scale ("tỷ đồng") stands above
the axis, once.
"""

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils import formats
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 28, 40
COLORS = ["#1f5fa8", "#b3261e", "#1e7b34", "#b26a00"]
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass
class Series:
    name: str
    values: Sequence[float | None]
    color: str = COLORS[0]
    dashed: bool = False


def scales() -> tuple[tuple[float, str], ...]:
    return ((1e9, _("tỷ")), (1e6, _("triệu")), (1e3, _("nghìn")))


def localized(value: float, decimals: int = 0) -> str:
    """value with the active language's separators and thousands grouping (vi 1.234,5; en 1,234.5)."""
    return formats.number_format(round(value, decimals), decimal_pos=decimals, use_l10n=True, force_grouping=True)


def short_number(value: float) -> str:
    """1 234 567 890 → "1,2 tỷ" (en "1.2 billion"), 3 500 000 → "3,5 triệu": amounts as leaders say them."""
    for size, word in scales():
        if abs(value) >= size:
            scaled = value / size
            return f"{localized(scaled, 0 if round(scaled, 1).is_integer() else 1)} {word}"
    return localized(value, 0 if float(value).is_integer() else 1)


def nice_step(span: float, count: int = 5) -> float:
    """The 1, 2 or 5 times a power of ten that cuts span into about count steps."""
    raw = span / count if span > 0 else 1.0
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw * (1 - 1e-9))


def axis_ticks(maximum: float, count: int = 5) -> list[float]:
    """0 up to the first round value at or above maximum, at 1-2-5 steps (0, 20 … 100; 0, 0.5 … 2)."""
    maximum = maximum if maximum > 0 else 1.0
    step = nice_step(maximum, count)
    steps = max(1, math.ceil(maximum / step - 1e-9))
    return [round(i * step, 10) for i in range(steps + 1)]


def axis_scale(top: float) -> tuple[float, str]:
    """The divisor and word of the axis (1e9, "tỷ") so that ticks stay short numbers."""
    return next(((size, word) for size, word in scales() if top >= size), (1.0, ""))


def tick_labels(ticks: Sequence[float], divisor: float = 1.0) -> list[str]:
    step = (ticks[1] - ticks[0]) / divisor if len(ticks) > 1 else 1.0
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step < 1 else 0
    return [localized(t / divisor, decimals) for t in ticks]


def axis_unit(top: float, unit: str) -> tuple[float, str]:
    divisor, word = axis_scale(top) if unit != "%" else (1.0, "")
    return divisor, " ".join(part for part in (word, unit) if part)


def month_text(label: str) -> str:
    """ "2026-01" → "01/2026" (vi) or "Jan 2026" (en); any other label as it is."""
    match = MONTH.match(label)
    if not match:
        return label
    return formats.date_format(dt.date(int(match[1]), int(match[2]), 1), "YEAR_MONTH_FORMAT", use_l10n=True)


def _frame(title: str, body: list[str], ticks: Sequence[float], unit: str) -> SafeString:
    plot_h = HEIGHT - TOP - BOTTOM
    top = ticks[-1]
    divisor, unit_text = axis_unit(top, unit)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        'font-size="12" font-family="system-ui, sans-serif">',
        f"<title>{escape(title)}</title>",
    ]
    for value, label in zip(ticks, tick_labels(ticks, divisor), strict=True):
        y = TOP + plot_h - plot_h * value / top
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d8dee6"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#5b6b7c">{escape(label)}</text>')
    if unit_text:
        parts.append(f'<text class="axis-unit" x="{LEFT - 6}" y="{TOP - 12}" fill="#5b6b7c">{escape(unit_text)}</text>')
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
                f"{escape(month_text(label))}</text>"
            )
    return parts


def bar_chart(labels: Sequence[str], values: Sequence[float], *, title: str, unit: str = "") -> SafeString:
    """One bar per label (months), with a tooltip giving the exact value."""
    ticks = axis_ticks(max([v for v in values if v is not None] or [0]))
    top = ticks[-1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(values))
    body = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * (value or 0) / top
        x = LEFT + i * slot + slot * 0.1
        tip = " ".join(part for part in (short_number(value or 0), unit) if part)
        body.append(
            f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{max(1.0, slot * 0.8):.1f}" height="{h:.1f}" '
            f'fill="{COLORS[0]}"><title>{escape(month_text(label))}: {escape(tip)}</title></rect>'
        )
    body += _x_labels(labels, lambda i: LEFT + i * slot + slot / 2)
    return _frame(title, body, ticks, unit)


def line_chart(
    labels: Sequence[str], series: Sequence[Series], *, title: str, unit: str = "", top: float | None = None
) -> SafeString:
    """Lines over the same labels (cumulative savings against investment; coverage in %), with a legend."""
    values = [v for s in series for v in s.values if v is not None]
    ticks = axis_ticks(top if top is not None else max(values or [0]))
    top = ticks[-1]
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
        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        body.append(
            f'<line x1="{x}" x2="{x + 18}" y1="{HEIGHT - 12}" y2="{HEIGHT - 12}" '
            f'stroke="{s.color}" stroke-width="3"{dash}/>'
        )
        body.append(f'<text x="{x + 24}" y="{HEIGHT - 8}" fill="#1d2733">{escape(s.name)}</text>')
    body += _x_labels(labels, x_of)
    return _frame(title, body, ticks, unit)
