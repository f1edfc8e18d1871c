"""Coverage: the leaders' page ("x / N xã", the road to 100%); the API report is in views/reports.py."""

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers

from analytics import charts, maps
from analytics.coverage import coverage_with_communes
from analytics.serializers import CoverageQuerySerializer
from rooms.models import Level, ProvinceSettings, Structure, Unit
from rooms.permissions import can_read_reports
from vconf import clock
from vconf.exceptions import validation_messages

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 14, 34


def _x(day: dt.date, start: dt.date, end: dt.date) -> float:
    span = max((end - start).days, 1)
    return round(LEFT + (WIDTH - LEFT - RIGHT) * (day - start).days / span, 1)


def _y(value: float) -> float:
    return round(TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / 100), 1)


def trend_chart(report: dict) -> dict | None:
    """Coordinates for the page's inline SVG: the installed and in-service lines, the 100% line,
    the target, and the projection from today's pace."""
    as_of = dt.date.fromisoformat(report["as_of"])
    trend = report["trend"]
    if not trend:
        return None
    start = dt.date.fromisoformat(trend[0]["date"]).replace(day=1)
    end = as_of
    target = report["target"]
    if target:
        end = max(end, dt.date.fromisoformat(target["due"]))
    projected = report["projected_full_coverage"]
    projected_day = dt.date.fromisoformat(projected) if projected else None
    if projected_day and projected_day > as_of and projected_day.year <= as_of.year + 10:
        end = max(end, projected_day)

    def points(key: str) -> str:
        return " ".join(f"{_x(dt.date.fromisoformat(p['date']), start, end)},{_y(p[key])}" for p in trend)

    years = list(range(start.year + (start.month > 1), end.year + 1))
    step = max(1, len(years) // 8)
    ticks = charts.axis_ticks(100)
    chart = {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "bottom": HEIGHT - BOTTOM,
        "installed": points("percent_installed"),
        "in_service": points("percent_in_service"),
        "y100": _y(100),
        "gridlines": [{"y": _y(v), "label": t} for v, t in zip(ticks, charts.tick_labels(ticks), strict=True)],
        "years": [{"x": _x(dt.date(y, 1, 1), start, end), "label": y} for y in years[::step]],
        "now_x": _x(as_of, start, end),
        "now_y": _y(report["percent_installed"]),
        "target": None,
        "projection": None,
    }
    if target:
        due = dt.date.fromisoformat(target["due"])
        x = _x(due, start, end)
        # The label sits right of the marker, or left of it near the right edge.
        anchor = "start" if x < WIDTH * 0.7 else "end"
        label_x = x + 6 if anchor == "start" else x - 6
        chart["target"] = {"x": x, "y": _y(target["percent"]), "anchor": anchor, "label_x": label_x, **target}
    if projected_day and as_of < projected_day <= end:
        chart["projection"] = {"x": _x(projected_day, start, end), "y": _y(100), "date": projected}
    return chart


def province_choices(structure: str) -> list[tuple[str, str]]:
    configured = set(ProvinceSettings.objects.values_list("province_code", flat=True))
    provinces = Unit.objects.filter(structure=structure, level=Level.PROVINCE).order_by("code")
    choices = [(code, name) for code, name in provinces.values_list("code", "name")]
    # The configured province first: it is the one the office runs.
    return sorted(choices, key=lambda item: (item[0] not in configured, item[0]))


@login_required
def coverage_page(request: HttpRequest) -> HttpResponse:
    if not can_read_reports(request.user):
        raise PermissionDenied
    context: dict = {"structures": Structure.choices, "today": timezone.localtime(clock.now()).date()}
    parsed = CoverageQuerySerializer(data=request.GET, context={"user": request.user})
    try:
        parsed.is_valid(raise_exception=True)
        province, structure, as_of = (parsed.validated_data[key] for key in ("province", "structure", "as_of"))
        report, communes = coverage_with_communes(province_code=province, structure=structure, as_of=as_of)
    except (ValidationError, serializers.ValidationError) as error:
        # The query is refused by its serializer (DRF), the report's own rules by Django.
        detail: Mapping[str, Any]
        if isinstance(error, ValidationError):
            detail = validation_messages(error)
        else:
            detail = error.detail if isinstance(error.detail, dict) else {"": error.detail}
        context.update(
            errors=[str(m) for ms in detail.values() for m in ms],
            structure=request.GET.get("structure", Structure.CURRENT),
        )
        context["provinces"] = province_choices(Structure.CURRENT)
        return render(request, "analytics/coverage.html", context, status=400)
    query = {"province": province, "structure": structure, "as_of": as_of.isoformat()}
    api = reverse("coverage-report")
    context.update(
        report=report,
        chart=trend_chart(report),
        structure=structure,
        province=province,
        as_of=as_of,
        provinces=province_choices(structure),
        csv_url=f"{api}?{urlencode({**query, 'format': 'csv'})}",
        xlsx_url=f"{api}?{urlencode({**query, 'format': 'xlsx'})}",
        json_url=f"{api}?{urlencode(query)}",
        unit_word=_("xã") if structure == Structure.LEGACY else _("xã, phường"),
        commune_map=maps.coverage_map(communes, structure=structure, missing_url="", title=_("Bản đồ phủ sóng các xã")),
    )
    return render(request, "analytics/coverage.html", context)
