"""Operations pages: the year's days off, the department requests (staff answer them, a
department follows its own), and a bridge's capacity."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from analytics.capacity import bridge_capacity
from rooms.models import Bridge, Meeting, Role
from rooms.permissions import can_read_reports, has_role
from rooms.services import approval, days_off
from rooms.services.request_rules import is_requester
from vconf import clock
from vconf.auth import signed_in
from vconf.exceptions import Conflict, validation_lines


@login_required
def holidays_page(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate(clock.now())
    raw = request.GET.get("nam", "")
    year = int(raw) if raw.isdecimal() and 2000 <= int(raw) <= 2100 else today.year
    rows = [{**row, "day": dt.date.fromisoformat(row["date"])} for row in days_off.year_days(year)]
    context = {"year": year, "rows": rows, "previous": year - 1, "next": year + 1}
    return render(request, "rooms/operations/holidays.html", context)


@login_required
def requests_page(request: HttpRequest, *, status: int = 200, **extra: object) -> HttpResponse:
    """Staff: the requests waiting for them. A department: its own requests and their answers."""
    user = signed_in(request)
    answering = has_role(user, Role.STAFF)
    if not (answering or is_requester(user)):
        raise PermissionDenied
    now = clock.now()
    context = {
        "answering": answering,
        "pending": approval.pending_for(user, now=now) if answering else [],
        "mine": approval.requests_of(user),
        "now": now,
        **extra,
    }
    return render(request, "rooms/operations/requests.html", context, status=status)


@login_required
@require_POST
def request_answer(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    """The approve and reject buttons: the same services as the API."""
    meeting = get_object_or_404(Meeting, pk=pk)
    actor = signed_in(request)
    try:
        if decision == "approve":
            approval.approve_request(meeting=meeting, actor=actor)
            messages.success(request, _("Đã duyệt đề nghị họp “%(title)s”.") % {"title": meeting.title})
        else:
            approval.reject_request(meeting=meeting, actor=actor, reason=request.POST.get("reason", ""))
            messages.success(request, _("Đã từ chối đề nghị họp “%(title)s”.") % {"title": meeting.title})
    except ValidationError as error:
        messages.error(request, " ".join(validation_lines(error)))
    except (PermissionDenied, Conflict) as error:
        messages.error(request, getattr(error, "detail", None) or str(error) or _("Không có quyền."))
    return redirect("meeting-requests")


@login_required
def capacity_page(request: HttpRequest, pk: int) -> HttpResponse:
    if not can_read_reports(request.user):
        raise PermissionDenied
    bridge = get_object_or_404(Bridge.objects.select_related("unit", "unit__parent"), pk=pk)
    now = clock.now()
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    raw = request.GET.get("ngay", "")
    days = int(raw) if raw.isdecimal() and 1 <= int(raw) <= 92 else 28
    body = bridge_capacity(bridge, start=start, end=start + dt.timedelta(days=days), as_of=start.date())
    refusals = [
        {**r, "start": dt.datetime.fromisoformat(r["start"]), "end": dt.datetime.fromisoformat(r["end"])}
        for r in body["refusals"]
    ]
    context = {"bridge": bridge, "c": body, "days": days, "bridges": Bridge.objects.order_by("name")}
    context["refusals"] = refusals
    if body["projection"] and body["projection"]["buy_before"]:
        context["buy_before"] = dt.date.fromisoformat(body["projection"]["buy_before"])
    return render(request, "rooms/operations/capacity.html", context)
