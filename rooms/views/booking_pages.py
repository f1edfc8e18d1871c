"""Pages of the office staff: the week calendar, the booking form (with a "check" that runs the
booking rules without saving), and the meeting page with its cancel and reschedule forms.

They call the same services as the API, and show every conflict a refusal lists.
"""

from datetime import date, datetime, time, timedelta
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied

from rooms.models import Bridge, Endpoint, Level, Meeting, MeetingStatus, ProvinceSettings, Role, Structure, Unit
from rooms.models.endpoints import BOOKABLE_STATUSES
from rooms.permissions import User, can_watch_meeting, endpoints_in_scope, has_role, home_unit, is_administrator
from rooms.selectors import meetings as selectors
from rooms.selectors.attendance import meeting_attendance
from rooms.selectors.units import unit_subtree_ids
from rooms.services import booking, series
from vconf import clock
from vconf.auth import signed_in
from vconf.exceptions import Conflict

REPEATS = [
    ("", gettext_lazy("Không lặp")),
    ("weekly", gettext_lazy("Hằng tuần")),
    ("monthly", gettext_lazy("Hằng tháng, cùng ngày")),
    ("monthly_weekday", gettext_lazy("Hằng tháng, cùng thứ (ví dụ thứ Hai đầu tiên)")),
]
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


class TimeForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("Ngày"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label=gettext_lazy("Bắt đầu"), widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label=gettext_lazy("Kết thúc"), widget=forms.TimeInput(attrs={"type": "time"}))

    def interval(self) -> tuple[datetime, datetime]:
        day = self.cleaned_data["day"]
        start = timezone.make_aware(datetime.combine(day, self.cleaned_data["start_time"]))
        return start, timezone.make_aware(datetime.combine(day, self.cleaned_data["end_time"]))


class BookingForm(TimeForm):
    title = forms.CharField(label=gettext_lazy("Tiêu đề"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Nội dung"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    host = forms.ModelChoiceField(label=gettext_lazy("Điểm cầu chủ trì"), queryset=Endpoint.objects.none())
    bridge = forms.ModelChoiceField(
        label=gettext_lazy("Cầu MCU"),
        queryset=Bridge.objects.all(),
        required=False,
        empty_label=gettext_lazy("Theo điểm cầu chủ trì"),
    )
    repeat = forms.ChoiceField(label=gettext_lazy("Lặp lại"), choices=REPEATS, required=False)
    count = forms.IntegerField(
        label=gettext_lazy("Số buổi"),
        min_value=2,
        max_value=settings.VCONF["SERIES_MAX_OCCURRENCES"],
        required=False,
        initial=10,
    )
    skip_conflicts = forms.BooleanField(label=gettext_lazy("Bỏ qua các buổi bị trùng lịch"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["host"]).queryset = (
            endpoints_in_scope(user).filter(status__in=BOOKABLE_STATUSES).select_related("unit").order_by("name")
        )

    def recurrence(self) -> str:
        repeat, count = self.cleaned_data.get("repeat"), self.cleaned_data.get("count") or 10
        day: date = self.cleaned_data["day"]
        if repeat == "weekly":
            return f"FREQ=WEEKLY;COUNT={count}"
        if repeat == "monthly":
            return f"FREQ=MONTHLY;COUNT={count}"
        if repeat == "monthly_weekday":
            return f"FREQ=MONTHLY;BYDAY=+{(day.day - 1) // 7 + 1}{WEEKDAYS[day.weekday()]};COUNT={count}"
        return ""


def chosen_participants(request: HttpRequest) -> tuple[list[Endpoint], list[Unit], list[int]]:
    """Endpoints and units ticked in the unit tree (a ticked unit means every endpoint below)."""
    ids = [int(v) for v in request.POST.getlist("endpoints") if v.isdigit() and len(v) < 18]
    endpoints = list(Endpoint.objects.filter(pk__in=ids))
    unit_ids = [int(v) for v in request.POST.getlist("units") if v.isdigit() and len(v) < 18]
    return endpoints, list(Unit.objects.filter(pk__in=unit_ids)), ids


def conflict_rows(error: Conflict) -> list[dict]:
    """A refusal's conflicts with real datetimes, for the page's table."""
    rows = []
    for conflict in error.conflicts:
        row = dict(conflict)
        for key in ("start", "end", "occurrence"):
            if key in row:
                row[key] = datetime.fromisoformat(row[key])
        rows.append(row)
    return rows


def error_lines(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [str(m) for values in error.message_dict.values() for m in values]
    return [str(m) for m in error.messages]


def unit_tree(
    *, user: User, structure: str, checked_endpoints: set[int], checked_units: set[int] | None = None
) -> list[selectors.TreeNode]:
    """The booking form's unit tree: the endpoints this user may book, under their units."""
    home = home_unit(user)
    scope_units = None if is_administrator(user) or home is None else unit_subtree_ids(home)
    endpoints = (
        endpoints_in_scope(user)
        .filter(status__in=BOOKABLE_STATUSES, unit__structure=structure)
        .only("pk", "name", "unit_id", "status")
    )
    return selectors.booking_tree(
        endpoints=endpoints,
        structure=structure,
        scope_unit_ids=scope_units,
        checked_endpoints=checked_endpoints,
        checked_units=checked_units or set(),
    )


def tree_structure(request: HttpRequest) -> str:
    wanted = request.GET.get("structure") or request.POST.get("structure")
    if wanted in Structure.values:
        return wanted
    # Today's tree when it has been loaded; the legacy one otherwise.
    return Structure.CURRENT if Unit.objects.filter(structure=Structure.CURRENT).exists() else Structure.LEGACY


@login_required
def meeting_calendar(request: HttpRequest) -> HttpResponse:
    """The week calendar: every meeting of the week, filtered by endpoint and by unit."""
    today = timezone.localdate(clock.now())
    try:
        anchor = date.fromisoformat(request.GET.get("week", "")) if request.GET.get("week") else today
    except ValueError:
        anchor = today
    monday = anchor - timedelta(days=anchor.weekday())
    start = timezone.make_aware(datetime.combine(monday, time()))
    endpoint_id = request.GET.get("endpoint", "")
    unit_code = request.GET.get("unit", "")
    unit = Unit.objects.filter(pk=int(unit_code)).first() if unit_code.isdigit() and len(unit_code) < 18 else None
    meetings = selectors.meeting_list(
        now=clock.now(),
        start_after=start,
        start_before=start + timedelta(days=7),
        endpoint_id=int(endpoint_id) if endpoint_id.isdigit() and len(endpoint_id) < 18 else None,
        unit_ids=unit_subtree_ids(unit) if unit else None,
    ).select_related("host")
    now = clock.now()
    days: list[dict[str, Any]] = [{"day": monday + timedelta(days=i), "meetings": []} for i in range(7)]
    for meeting in meetings:
        meeting.state = meeting.state_at(now)  # type: ignore[attr-defined]  # read by the template
        days[(timezone.localtime(meeting.start).date() - monday).days]["meetings"].append(meeting)
    context = {
        "days": days,
        "monday": monday,
        "previous": monday - timedelta(days=7),
        "next": monday + timedelta(days=7),
        "today": today,
        "endpoint_choices": Endpoint.objects.filter(status__in=BOOKABLE_STATUSES)
        .select_related("unit")
        .order_by("name"),
        "unit_choices": Unit.objects.exclude(level=Level.COMMUNE).order_by("structure", "code"),
        "endpoint_id": endpoint_id,
        "unit_id": unit.pk if unit else "",
        "can_book": has_role(request.user, Role.STAFF),
    }
    return render(request, "rooms/calendar_week.html", context)


@login_required
def meeting_book(request: HttpRequest) -> HttpResponse:
    """The booking form. "Check" runs every rule without saving; "Book" books."""
    if not has_role(request.user, Role.STAFF):
        return render(request, "rooms/booking_forbidden.html", status=403)
    structure = tree_structure(request)
    province_host = ProvinceSettings.objects.exclude(host=None).values_list("host_id", flat=True).first()
    initial = {
        "day": timezone.localdate(clock.now()),
        "host": province_host,
        "start_time": "08:00",
        "end_time": "09:30",
    }
    form = BookingForm(request.POST or None, user=request.user, initial=initial)
    context: dict = {"form": form, "structure": structure}
    status = 200
    checked_ids: set[int] = set()
    checked_units: set[int] = set()
    if request.method == "POST":
        endpoints, units, ids = chosen_participants(request)
        checked_ids, checked_units = set(ids), {u.pk for u in units}
        if form.is_valid():
            status = handle_booking(request, form, endpoints, units, context)
            if status == 302:
                return context["redirect"]
        else:
            status = 400
    context["tree"] = unit_tree(
        user=request.user, structure=structure, checked_endpoints=checked_ids, checked_units=checked_units
    )
    return render(request, "rooms/booking_form.html", context, status=status)


def handle_booking(request: HttpRequest, form: BookingForm, endpoints: list, units: list, context: dict) -> int:
    start, end = form.interval()
    data = form.cleaned_data
    common = {
        "organizer": request.user,
        "title": data["title"],
        "description": data["description"],
        "start": start,
        "end": end,
        "host": data["host"],
        "endpoints": endpoints,
        "units": units,
        "bridge": data["bridge"],
    }
    recurrence = form.recurrence()
    checking = request.POST.get("action") == "check"
    try:
        if recurrence:
            result = series.book_series(
                **common, recurrence=recurrence, skip_conflicts=data["skip_conflicts"], preview=checking
            )
            if checking:
                context["check_ok"] = _("Có thể đặt %(n)s buổi họp.") % {"n": len(result.meetings)}
                context["skipped"] = [
                    {"start": datetime.fromisoformat(s["start"]), "end": datetime.fromisoformat(s["end"])}
                    for s in result.skipped
                ]
                return 200
            text = _("Đã đặt %(n)s buổi họp.") % {"n": len(result.meetings)}
            if result.skipped:
                text += " " + _("Bỏ qua %(n)s buổi bị trùng lịch.") % {"n": len(result.skipped)}
            messages.success(request, text)
            context["redirect"] = redirect("meeting-detail", pk=result.meetings[0].pk)
            return 302
        if checking:
            plan = booking.check_booking(**common)
            context["check_ok"] = _("Không có xung đột: có thể đặt lịch cho %(n)s điểm cầu.") % {
                "n": len(plan.endpoints)
            }
            return 200
        meeting = booking.book_meeting(**common)
        messages.success(request, _("Đã đặt lịch họp."))
        context["redirect"] = redirect("meeting-detail", pk=meeting.pk)
        return 302
    except ValidationError as error:
        context["errors"] = error_lines(error)
        return 400
    except ApiPermissionDenied as error:
        context["errors"] = [str(error.detail)]
        return 403
    except Conflict as error:
        context["conflict"] = error
        context["conflicts"] = conflict_rows(error)
        return 409


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(
        Meeting.objects.select_related("host", "host__unit", "bridge", "organizer", "series"), pk=pk
    )
    return render_detail(request, meeting)


def render_detail(request: HttpRequest, meeting: Meeting, *, status: int = 200, **extra: object) -> HttpResponse:
    now = clock.now()
    participations = (
        meeting.participations.select_related("endpoint", "endpoint__unit")
        .prefetch_related("endpoint__operators")
        .order_by("-is_host", "endpoint__unit__code", "endpoint__name")
    )
    state = meeting.state_at(now)
    changeable = has_role(request.user, Role.STAFF) and state in (MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS)
    local_start, local_end = timezone.localtime(meeting.start), timezone.localtime(meeting.end)
    context = {
        "meeting": meeting,
        "state": state,
        "participations": participations,
        "changeable": changeable,
        "cancellable": changeable and state == MeetingStatus.SCHEDULED,
        "time_form": TimeForm(
            initial={"day": local_start.date(), "start_time": local_start.time(), "end_time": local_end.time()}
        ),
        "others": list(meeting.series.meetings.exclude(pk=meeting.pk).order_by("start")[:200])
        if meeting.series
        else [],
        # The figures in the page itself, so they show without JavaScript (liveboard.js refreshes them).
        "attendance": meeting_attendance(meeting, now=now) if can_watch_meeting(request.user, meeting.pk) else None,
        **extra,
    }
    if changeable:
        structure = tree_structure(request)
        context["structure"] = structure
        context["tree"] = unit_tree(
            user=request.user, structure=structure, checked_endpoints={p.endpoint_id for p in participations}
        )
    return render(request, "rooms/meeting_detail.html", context, status=status)


@login_required
@require_POST
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting, pk=pk)
    try:
        if request.POST.get("scope") == "following":
            done = series.cancel_following(meeting=meeting, actor=signed_in(request))
            messages.success(request, _("Đã hủy %(n)s buổi họp.") % {"n": len(done)})
        else:
            booking.cancel_meeting(meeting=meeting, actor=signed_in(request))
            messages.success(request, _("Đã hủy cuộc họp."))
    except ApiPermissionDenied as error:
        messages.error(request, str(error.detail))
    except Conflict as error:
        messages.error(request, error.detail)
    return redirect("meeting-detail", pk=meeting.pk)


@login_required
@require_POST
def meeting_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting.objects.select_related("host", "bridge", "organizer", "series"), pk=pk)
    form = TimeForm(request.POST)
    if not form.is_valid():
        return render_detail(request, meeting, status=400, errors=[str(m) for e in form.errors.values() for m in e])
    start, end = form.interval()
    changes: dict = {"start": start, "end": end}
    if request.POST.get("title", "").strip():
        changes["title"] = request.POST["title"].strip()[:200]
    if "participants" in request.POST:
        endpoints, units, _ids = chosen_participants(request)
        changes.update(endpoints=endpoints, units=units)
    try:
        if request.POST.get("scope") == "following":
            series.reschedule_following(meeting=meeting, actor=signed_in(request), **changes)
        else:
            booking.reschedule_meeting(meeting=meeting, actor=signed_in(request), **changes)
    except ValidationError as error:
        return render_detail(request, meeting, status=400, errors=error_lines(error))
    except ApiPermissionDenied as error:
        return render_detail(request, meeting, status=403, errors=[str(error.detail)])
    except Conflict as error:
        return render_detail(request, meeting, status=409, conflict=error, conflicts=conflict_rows(error))
    messages.success(request, _("Đã cập nhật lịch họp."))
    return redirect("meeting-detail", pk=meeting.pk)
