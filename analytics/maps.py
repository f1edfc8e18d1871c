"""The province's communes as points on a map, for leaders who would rather look than read.

A server-rendered inline SVG, like analytics/charts.py: no tiles, no map library, nothing fetched,
and it prints. The projection is equirectangular, with longitudes shrunk by the cosine of the
middle latitude so a province keeps its shape (at 22° N a degree of longitude is 0.93 of a degree
of latitude), scaled to the bounding box of the points. The geometry (`layout`) is a pure
function; `coverage_map` reads the coordinates and the links and draws.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from rooms.models import Endpoint, Structure, Unit

WIDTH, PAD, RADIUS = 640, 18, 6
KM_PER_DEGREE = 111.32
# The most advanced state first: a commune shows the first that holds.
STATES = ("active", "in_service", "installed", "missing")
COLORS = {"active": "#1e7b34", "in_service": "#1f5fa8", "installed": "#b26a00", "missing": "#b3261e"}


@dataclass(frozen=True)
class Place:
    name: str
    lat: float
    lon: float
    state: str
    url: str


def state_labels() -> dict[str, str]:
    return {
        "active": _("Có họp gần đây"),
        "in_service": _("Đang hoạt động, chưa họp gần đây"),
        "installed": _("Đã lắp đặt (thí điểm)"),
        "missing": _("Chưa có điểm cầu"),
    }


def layout(
    coordinates: Sequence[tuple[float, float]], *, width: float = WIDTH, pad: float = PAD
) -> tuple[list[tuple[float, float]], float, float]:
    """(lat, lon) pairs → (x, y) in a box `width` wide, the box's height, and pixels per km.

    North is up; one scale for both axes so distances read the same either way. A single point
    (or all at one spot) sits in the middle of a square box."""
    if not coordinates:
        return [], width, 0.0
    lats = [lat for lat, _lon in coordinates]
    lons = [lon for _lat, lon in coordinates]
    shrink = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_x = (max(lons) - min(lons)) * shrink
    span_y = max(lats) - min(lats)
    inner = width - 2 * pad
    if max(span_x, span_y) == 0:
        return [(width / 2, width / 2) for _ in coordinates], width, 0.0
    scale = inner / max(span_x, span_y)
    height = span_y * scale + 2 * pad
    # A province taller than wide is centred across the box rather than pushed to the left.
    offset_x = pad + (inner - span_x * scale) / 2
    points = [
        (round(offset_x + (lon - min(lons)) * shrink * scale, 1), round(pad + (max(lats) - lat) * scale, 1))
        for lat, lon in coordinates
    ]
    return points, round(height, 1), scale / KM_PER_DEGREE


def state_of(row: object) -> str:
    for state in STATES[:-1]:
        if getattr(row, state):
            return state
    return "missing"


def _marker(state: str, x: float, y: float, size: float = RADIUS) -> str:
    """A shape per state, so the map reads in black and white and for the colour-blind too."""
    color = COLORS[state]
    if state == "active":
        return f'<circle cx="{x}" cy="{y}" r="{size}" fill="{color}" stroke="#fff" stroke-width="1.5"/>'
    if state == "in_service":
        r = size - 0.5
        return f'<rect x="{x - r}" y="{y - r}" width="{2 * r}" height="{2 * r}" fill="{color}" stroke="#fff"/>'
    if state == "installed":
        return f'<circle cx="{x}" cy="{y}" r="{size - 1}" fill="#fff" stroke="{color}" stroke-width="3"/>'
    r = size - 1
    return (
        f'<path d="M{x - r},{y - r}L{x + r},{y + r}M{x - r},{y + r}L{x + r},{y - r}" stroke="{color}" '
        'stroke-width="3" stroke-linecap="round"/>'
    )


def _scale_bar(height: float, px_per_km: float) -> str:
    if not px_per_km:
        return ""
    km = next((k for k in (50, 20, 10, 5, 2, 1) if k * px_per_km <= WIDTH / 4), 1)
    x, y, length = PAD, height - 6, km * px_per_km
    return (
        f'<path d="M{x},{y - 4}V{y}H{x + length:.1f}V{y - 4}" fill="none" stroke="#1d2733" stroke-width="1.5"/>'
        f'<text x="{x + length + 4:.1f}" y="{y}" font-size="15" fill="#1d2733">{km} km</text>'
    )


def svg_map(places: Sequence[Place], *, title: str) -> SafeString:
    """The points, each a link with its name and state on hover (<title>), and a scale bar."""
    points, height, px_per_km = layout([(p.lat, p.lon) for p in places])
    labels = state_labels()
    # Smaller points when there are many (194 former communes), so neighbours do not hide each other.
    size = RADIUS if len(places) <= 100 else RADIUS - 1.5
    parts = [
        f'<svg class="commune-map" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}" '
        'font-family="system-ui, sans-serif">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{height}" fill="#f4f7fa" rx="6"/>',
    ]
    # Missing communes drawn first, so a covered neighbour on top of one stays clickable.
    order = sorted(range(len(places)), key=lambda i: -STATES.index(places[i].state))
    for i in order:
        place, (x, y) = places[i], points[i]
        text = f"{place.name} · {labels[place.state]}"
        parts.append(
            f'<a href="{escape(place.url)}" aria-label="{escape(text)}" data-state="{place.state}">'
            f"<title>{escape(text)}</title>{_marker(place.state, x, y, size)}</a>"
        )
    parts.append(_scale_bar(height, px_per_km))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # names and links went through escape()


def legend(counts: dict[str, int]) -> SafeString:
    """The shapes of the map with their meaning and count: the legend says it in words, not colours."""
    labels = state_labels()
    items = []
    for state in STATES:
        items.append(
            f'<li data-state="{state}"><svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">'
            f"{_marker(state, 8, 8)}</svg><span>{escape(labels[state])}: "
            f"<strong>{counts.get(state, 0)}</strong></span></li>"
        )
    return mark_safe(f'<ul class="map-legend">{"".join(items)}</ul>')  # labels went through escape()


def coverage_places(communes: pd.DataFrame, *, structure: str, missing_url: str) -> list[Place]:
    """The communes of a coverage frame (unit, name, installed, in_service, active) that have
    coordinates, each linked to the room that covers it or, when none does, to `missing_url#xa-<code>`."""
    units = communes["unit"].astype(int).tolist()
    located = Unit.objects.filter(pk__in=units, lat__isnull=False, lon__isnull=False)
    where = {
        pk: (lat, lon)
        for pk, lat, lon in located.values_list("pk", "lat", "lon")
        if lat is not None and lon is not None
    }
    rooms: dict[int, int] = {}
    for endpoint, unit in Endpoint.objects.filter(unit__in=units).order_by("-pk").values_list("pk", "unit_id"):
        rooms[unit] = endpoint
    if structure == Structure.LEGACY:
        links = Endpoint.legacy_units.through.objects.filter(unit__in=units)
        served = links.order_by("-endpoint_id").values_list("endpoint_id", "unit_id")
        for endpoint, unit in served:
            rooms.setdefault(unit, endpoint)
    places = []
    for row in communes.itertuples():
        if row.unit not in where:
            continue
        state = state_of(row)
        room = rooms.get(row.unit)
        url = reverse("endpoint-page", args=[room]) if room and state != "missing" else f"{missing_url}#xa-{row.code}"
        places.append(Place(name=row.name, lat=where[row.unit][0], lon=where[row.unit][1], state=state, url=url))
    return places


def coverage_map(communes: pd.DataFrame, *, structure: str, missing_url: str, title: str) -> dict | None:
    """{"svg", "legend", "without_coordinates"} for a template, or None when no commune has coordinates."""
    places = coverage_places(communes, structure=structure, missing_url=missing_url)
    if not places:
        return None
    counts = {state: sum(1 for p in places if p.state == state) for state in STATES}
    return {
        "svg": svg_map(places, title=title),
        "legend": legend(counts),
        "without_coordinates": len(communes) - len(places),
    }
