"""Web pages of the bridges (MCUs): the cascade as a list, and one bridge's booked ports per day."""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from rooms.models import Bridge
from rooms.selectors.bridges import daily_peaks
from vconf import clock

DAYS_AHEAD, DAYS_BACK = 28, 90


@login_required
def bridge_list(request: HttpRequest) -> HttpResponse:
    bridges = Bridge.objects.select_related("parent", "unit").annotate(endpoint_count=Count("endpoints"))
    return render(request, "rooms/bridge_list.html", {"bridges": bridges.order_by("parent_id", "name")})


@login_required
def bridge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bridge = get_object_or_404(Bridge.objects.select_related("parent", "unit"), pk=pk)
    today = timezone.localtime(clock.now()).date()
    peaks = daily_peaks(bridge, first=today - timedelta(days=DAYS_BACK), days=DAYS_BACK + DAYS_AHEAD)
    rows = [(day, peak, round(100 * peak / bridge.ports)) for day, peak in peaks]
    context = {
        "bridge": bridge,
        "children": bridge.children.order_by("name"),
        "endpoint_count": bridge.endpoints.count(),
        "ahead": [row for row in rows if row[0] >= today],
        # The past only where something was booked: three months of empty days say nothing.
        "past": [row for row in reversed(rows) if row[0] < today and row[1]],
        "days_back": DAYS_BACK,
    }
    return render(request, "rooms/bridge_detail.html", context)
