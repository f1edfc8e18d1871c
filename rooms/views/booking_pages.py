"""Pages of the office staff: the week calendar, the booking form (with a "check" that runs the
booking rules without saving), and the meeting page with its cancel and reschedule forms.

They call the same services as the API, and show every conflict a refusal lists.
"""

from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rooms.models import Level, Meeting, MeetingStatus, ProvinceSettings, Role, Structure, Unit
from rooms.permissions import board_unit, can_watch_meeting, has_role, is_administrator
from rooms.recurrence_text import describe_rule
from rooms.selectors import meetings as selectors
from rooms.selectors.attendance import meeting_attendance
from rooms.selectors.board import endpoints_within
from rooms.selectors.bridges import meeting_bridge_load
from rooms.selectors.groups import group_choices, rooms_of_ticked_groups
from rooms.selectors.units import unit_subtree_ids
from rooms.services import booking, meeting_edits, series
from rooms.services.booking_rules import Booking
from rooms.services.port_refusals import record_port_refusals
from rooms.services.request_rules import is_requester, may_book
from rooms.views import booking_office as office
from rooms.views.booking_forms import BookingForm, CalendarForm, DelegatesForm, ParticipantsForm, RescheduleForm
from rooms.views.booking_refusals import conflicts_csv, refusal
from rooms.views.booking_tree import opened_units, unit_tree
from rooms.views.calendar_filters import room_filter
from vconf import clock
from vconf.auth import signed_in
from vconf.exceptions import Conflict, validation_lines
from vconf.limits import MAX_YEAR, MIN_YEAR


def tree_structure(request: HttpRequest) -> str:
    wanted = request.POST.get("switch_structure") or request.GET.get("structure") or request.POST.get("structure")
    if wanted in Structure.values:
        return wanted
    # Today's tree when it has been loaded; the legacy one otherwise.
    return Structure.CURRENT if Unit.objects.filter(structure=Structure.CURRENT).exists() else Structure.LEGACY


@login_required
def meeting_calendar(request: HttpRequest) -> HttpResponse:
    """The week calendar: every meeting of the week, filtered by endpoint and by unit."""
    today = timezone.localdate(clock.now())
    filters = CalendarForm(request.GET)
    filters.is_valid()  # what does not parse is simply not applied
    endpoint, unit = filters.cleaned_data.get("endpoint"), filters.cleaned_data.get("unit")
    # Weeks outside the years the product books are shown as its first or last week.
    anchor = min(max(filters.cleaned_data.get("week") or today, date(MIN_YEAR, 1, 1)), date(MAX_YEAR, 12, 31))
    monday = anchor - timedelta(days=anchor.weekday())
    start = timezone.make_aware(datetime.combine(monday, time()))
    now = clock.now()
    meetings = selectors.meeting_list(
        now=now,
        start_after=start,
        start_before=start + timedelta(days=7),
        endpoint_id=endpoint.pk if endpoint else None,
        unit_ids=unit_subtree_ids(unit) if unit else None,
    ).select_related("host")
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
        "room_filter": room_filter(request, selected=endpoint),
        "unit_choices": Unit.objects.exclude(level=Level.COMMUNE).order_by("structure", "code"),
        "endpoint_id": str(endpoint.pk) if endpoint else "",
        "unit_id": unit.pk if unit else "",
        "can_book": has_role(request.user, Role.STAFF),
    }
    return render(request, "rooms/calendar_week.html", context)


@login_required
def meeting_book(request: HttpRequest) -> HttpResponse:
    """The booking form. "Check" runs every rule without saving; "Book" books."""
    if not may_book(request.user):
        return render(request, "rooms/booking_forbidden.html", status=403)
    province_host = ProvinceSettings.objects.exclude(host=None).values_list("host_id", flat=True).first()
    initial = {
        "day": timezone.localdate(clock.now()),
        "host": province_host,
        "start_time": "08:00",
        "end_time": "09:30",
    }
    if request.method == "POST":
        # "Họp ngay", "the next free slot", "without the busy rooms": the form as if typed so.
        request.POST = office.rewrite_post(request.POST, now=clock.now())  # type: ignore[assignment]
    if "switch_structure" in request.POST or "open_unit" in request.POST:
        return shown_again(request, initial)
    form = BookingForm(request.POST or None, user=request.user, initial=initial)
    participants = ParticipantsForm(request.POST or None)
    context = {"form": form, "structure": tree_structure(request)}
    if request.method != "POST":
        return booking_page(request, context, participants)
    if not (form.is_valid() and participants.is_valid()):
        context["errors"] = [m for errors in participants.errors.values() for m in errors]
        return booking_page(request, context, participants, status=400)
    return handle_booking(request, form, participants, context)


def shown_again(request: HttpRequest, initial: dict) -> HttpResponse:
    """The form again with what was typed, unchecked (no errors yet), after switching trees or
    opening a folded province. A unit ticked on one tree becomes its rooms, which the other tree
    shows under their own units; opening a province keeps the ticked units as they are."""
    form = BookingForm(user=request.user, initial={**initial, **request.POST.dict()})
    participants = ParticipantsForm(request.POST)
    participants.is_valid()
    context: dict = {"form": form, "structure": tree_structure(request)}
    if "open_unit" in request.POST:
        return booking_page(request, context, participants)
    ticked, _units = participants.checked()
    switched = office.switched_selection(endpoint_ids=ticked, units=participants.cleaned_data.get("units", []))
    return booking_page(request, context, participants, checked_endpoints=switched)


def booking_page(
    request: HttpRequest,
    context: dict,
    participants: ParticipantsForm,
    *,
    status: int = 200,
    checked_endpoints: set[int] | None = None,
) -> HttpResponse:
    ticked_endpoints, checked_units = participants.checked()
    if checked_endpoints is not None:
        ticked_endpoints, checked_units = checked_endpoints, set()
    context["tree"] = unit_tree(
        user=request.user,
        structure=context["structure"],
        checked_endpoints=ticked_endpoints,
        checked_units=checked_units,
        opened=opened_units(request),
    )
    context["groups"] = group_choices(user=request.user, checked=request.POST.getlist("groups"))
    context["may_override_days_off"] = is_administrator(request.user)
    return render(request, "rooms/booking_form.html", context, status=status)


def handle_booking(
    request: HttpRequest, form: BookingForm, participants: ParticipantsForm, context: dict
) -> HttpResponse:
    """Check or book what a valid form asks for; the page again with the answer, or the meeting."""
    group_rooms = rooms_of_ticked_groups(user=request.user, checked=request.POST.getlist("groups"))
    booking_request = form.booking_request(
        organizer=signed_in(request), participants=participants, group_rooms=group_rooms
    )
    action = request.POST.get("action")
    # "Tải CSV" of a summed-up refusal checks again and answers every conflict as a file.
    recurrence, checking = form.recurrence(), action in ("check", "conflicts_csv")
    try:
        result = booking.book(
            booking_request, rule=recurrence, skip_conflicts=form.cleaned_data["skip_conflicts"], preview=checking
        )
    except ValidationError as error:
        context["errors"] = validation_lines(error)
        return booking_page(request, context, participants, status=400)
    except PermissionDenied as error:
        context["errors"] = [str(error)]
        return booking_page(request, context, participants, status=403)
    except Conflict as error:
        if action == "conflicts_csv":
            return conflicts_csv(error)
        if not checking:
            record_port_refusals(error, user=signed_in(request), title=booking_request.title)
        context.update(refusal(error), csv_download=True)
        if not recurrence:
            context.update(office.way_out(request=booking_request, conflicts=error.conflicts, now=clock.now()))
        return booking_page(request, context, participants, status=409)
    if checking:
        context["check_ok"] = checked_text(result, in_series=bool(recurrence))
        if recurrence:
            start = booking_request.start
            context["series_words"] = describe_rule(recurrence, start=start, skipped=len(result.skipped))
        context["skipped"] = office.skipped_rows(result.skipped)
        return booking_page(request, context, participants)
    if recurrence:
        text = office.series_booked_text(recurrence, start=booking_request.start, result=result)
    else:
        text = _("Đã đặt lịch họp.")
    messages.success(request, text)
    return redirect("meeting-detail", pk=result.meetings[0].pk)


def checked_text(result: Booking, *, in_series: bool) -> str:
    if in_series:
        return _("Có thể đặt %(n)s buổi họp.") % {"n": len(result.meetings)}
    return _("Không có xung đột: có thể đặt lịch cho %(n)s điểm cầu.") % {"n": len(result.participants.endpoints)}


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
        .prefetch_related("endpoint__operators__profile")
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
        "time_form": RescheduleForm(
            user=request.user,
            initial={"day": local_start.date(), "start_time": local_start.time(), "end_time": local_end.time()},
        ),
        "may_override_days_off": is_administrator(request.user),
        "others": list(meeting.series.meetings.exclude(pk=meeting.pk).order_by("start")[:200])
        if meeting.series
        else [],
        # The figures in the page itself, so they show without JavaScript (liveboard.js refreshes them).
        # Delegated scope: a province reads its part of a national meeting, as on the board.
        "attendance": meeting_attendance(meeting, now=now, only=endpoints_within(board_unit(request.user)))
        if can_watch_meeting(request.user, meeting.pk)
        else None,
        "bridge_load": meeting_bridge_load(meeting),
        # A department asking for meetings is no operator: no attendance section for it.
        "shows_attendance": not (is_requester(request.user) and not has_role(request.user, Role.OPERATOR)),
        **extra,
    }
    if changeable:
        structure = tree_structure(request)
        context["structure"] = structure
        context["tree"] = unit_tree(
            user=request.user,
            structure=structure,
            checked_endpoints={p.endpoint_id for p in participations},
            opened=opened_units(request),
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
    except PermissionDenied as error:
        messages.error(request, str(error))
    except Conflict as error:
        messages.error(request, error.detail)
    return redirect("meeting-detail", pk=meeting.pk)


@login_required
@require_POST
def meeting_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting.objects.select_related("host", "bridge", "organizer", "series"), pk=pk)
    form = RescheduleForm(request.POST, user=request.user)
    participants = ParticipantsForm(request.POST)
    if not (form.is_valid() and participants.is_valid()):
        errors = [m for f in (form, participants) for e in f.errors.values() for m in e]
        return render_detail(request, meeting, status=400, errors=errors)
    start, end = form.interval()
    changes: booking.Changes = {"start": start, "end": end}
    if form.cleaned_data["title"]:
        changes["title"] = form.cleaned_data["title"]
    if reason := form.override_reason():
        changes["holiday_override_reason"] = reason
    if "participants" in request.POST:
        changes["endpoints"] = list(participants.cleaned_data["endpoints"])
        changes["units"] = list(participants.cleaned_data["units"])
    try:
        if request.POST.get("scope") == "following":
            series.reschedule_following(meeting=meeting, actor=signed_in(request), **changes)
        else:
            booking.reschedule_meeting(meeting=meeting, actor=signed_in(request), **changes)
    except ValidationError as error:
        return render_detail(request, meeting, status=400, errors=validation_lines(error))
    except PermissionDenied as error:
        return render_detail(request, meeting, status=403, errors=[str(error)])
    except Conflict as error:
        return render_detail(request, meeting, status=409, **refusal(error))
    messages.success(request, _("Đã cập nhật lịch họp."))
    return redirect("meeting-detail", pk=meeting.pk)


@login_required
def meeting_delegates(request: HttpRequest, pk: int) -> HttpResponse:
    """Office staff change "Thành phần: mỗi điểm cầu N người" after booking; the savings follow."""
    meeting = get_object_or_404(Meeting, pk=pk)
    if not has_role(request.user, Role.STAFF):
        return render(request, "rooms/booking_forbidden.html", status=403)
    form = DelegatesForm(request.POST or None, initial={"delegates_per_site": meeting.delegates_per_site})
    if request.method != "POST":
        return render(request, "rooms/meeting_delegates.html", {"meeting": meeting, "form": form})
    if not form.is_valid():
        return render(request, "rooms/meeting_delegates.html", {"meeting": meeting, "form": form}, status=400)
    meeting_edits.set_delegates_per_site(
        meeting=meeting, actor=signed_in(request), delegates_per_site=form.cleaned_data["delegates_per_site"]
    )
    messages.success(request, _("Đã cập nhật thành phần."))
    return redirect("meeting-detail", pk=meeting.pk)
