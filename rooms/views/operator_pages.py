"""Pages of attendance: "My room" for operators, the live board for staff and leaders."""

import uuid
from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from rooms.cdr.verification import verification_labels
from rooms.ical import feed_url
from rooms.models import CheckIn, CheckInKind, Endpoint, IssueType, Meeting, MeetingStatus, Role
from rooms.permissions import board_unit, can_watch_meeting, endpoints_in_scope, has_role
from rooms.selectors.attendance import (
    AttendanceState,
    issues_reported,
    meeting_attendance,
    operator_agenda,
    watchable_meetings,
)
from rooms.selectors.board import endpoints_within, unit_by_code
from rooms.serializers.attendance import CheckInSerializer, MeetingAttendanceSerializer
from rooms.services.attendance import attendee_limit, resolve_issue
from rooms.views.readiness_pages import readiness_words, test_call_forms
from vconf import clock
from vconf.auth import signed_in
from vconf.exceptions import Conflict, validation_lines
from vconf.limits import POLL_SECONDS
from vconf.params import int_or_none

# The live board shows this many rooms per page (a national board has 3,356).
BOARD_PAGE_ROWS = 100

STATE_LABELS = {
    AttendanceState.INVITED: gettext_lazy("Chưa báo danh"),
    AttendanceState.READY: gettext_lazy("Sẵn sàng"),
    AttendanceState.CONNECTED: gettext_lazy("Đã kết nối"),
    AttendanceState.LEFT: gettext_lazy("Đã kết thúc"),
    AttendanceState.NO_SHOW: gettext_lazy("Vắng mặt"),
}


def state_labels() -> dict[str, str]:
    # Evaluated per request so the labels follow the visitor's language.
    return {state: str(label) for state, label in STATE_LABELS.items()}


def _show_refusal(request: HttpRequest, refused: PermissionDenied | ValidationError | Conflict) -> None:
    """A refused report, said on the page the operator comes back to (the no-JavaScript path)."""
    if isinstance(refused, ValidationError):
        for text in validation_lines(refused):
            messages.error(request, text)
    else:
        messages.error(request, refused.detail if isinstance(refused, Conflict) else str(refused))


def _record_from_form(request: HttpRequest) -> None:
    meeting_id = int_or_none(request.POST, "meeting")
    meeting = Meeting.objects.filter(pk=meeting_id).first() if meeting_id else None
    if meeting is None:
        messages.error(request, _("Không tìm thấy cuộc họp."))
        return
    incoming = CheckInSerializer(data=request.POST)
    if not incoming.is_valid():
        for text in validation_lines(ValidationError(incoming.errors)):
            messages.error(request, text)
        return
    try:
        record, created = incoming.record(user=signed_in(request), meeting=meeting)
    except (PermissionDenied, ValidationError, Conflict) as refused:
        _show_refusal(request, refused)
        return
    if not created:
        messages.info(request, _("Bản ghi này đã được gửi trước đó, không ghi thêm."))
    elif record.kind == CheckInKind.IN:
        messages.success(request, _("Đã báo kết nối: %(n)s người.") % {"n": record.attendees})
    elif record.kind == CheckInKind.OUT:
        messages.success(request, _("Đã báo kết thúc."))
    elif record.kind == CheckInKind.TEST:
        messages.success(request, _("Đã báo gọi thử: tốt.") if record.result == "ok" else _("Đã báo gọi thử: lỗi."))
    else:
        messages.success(request, _("Đã báo sự cố."))


def _resolve_from_form(request: HttpRequest) -> None:
    record_id = int_or_none(request.POST, "resolve")
    record = CheckIn.objects.select_related("endpoint").filter(pk=record_id).first() if record_id else None
    if record is None:
        messages.error(request, _("Không tìm thấy báo sự cố."))
        return
    try:
        _record, changed = resolve_issue(user=signed_in(request), record=record)
    except (PermissionDenied, ValidationError) as refused:
        _show_refusal(request, refused)
        return
    messages.success(
        request, _("Đã ghi nhận sự cố đã được khắc phục.") if changed else _("Sự cố này đã được khắc phục.")
    )


def feed_links(endpoint: Endpoint, request: HttpRequest) -> dict[str, str]:
    """The room's calendar feed: https for copying, webcal:// for calendar apps that subscribe."""
    url = feed_url(endpoint, request)
    return {"https": url, "webcal": "webcal://" + url.split("://", 1)[-1]}


@login_required
@require_http_methods(["GET", "POST"])
def my_room(request: HttpRequest) -> HttpResponse:
    """The operator's page: big buttons that work without JavaScript on a slow line (POST, then
    redirect). Each form carries a fresh client_id, so a double tap is recorded once."""
    if not has_role(request.user, Role.OPERATOR):
        raise PermissionDenied
    if request.method == "POST":
        if "resolve" in request.POST:
            _resolve_from_form(request)
        else:
            _record_from_form(request)
        return redirect(reverse("my-room") + (f"#m{request.POST['meeting']}" if request.POST.get("meeting") else ""))
    endpoints = signed_in(request).operated_endpoints.select_related("unit").order_by("unit__code", "name")
    agenda = operator_agenda(endpoints, now=clock.now())
    issue_labels = dict(IssueType.choices)
    for room in agenda:
        room.limit = attendee_limit(room.endpoint)
        room.feed = feed_links(room.endpoint, request)
        room.forms = [
            {
                "meeting": meeting,
                "derived": derived,
                "state_label": STATE_LABELS[derived.state],
                "can_leave": derived.state in (AttendanceState.READY, AttendanceState.CONNECTED),
                "ids": {kind: uuid.uuid4() for kind in ("in", "issue", "out", "test")},
                "test": test_call_forms(meeting, room.endpoint, now=clock.now()),
                "issues": [
                    (issue, issue_labels.get(issue.issue_type, issue.issue_type))
                    for issue in issues_reported(meeting=meeting, endpoint=room.endpoint)
                ],
            }
            for meeting, derived in room.open_meetings
        ]
    return render(request, "rooms/my_room.html", {"agenda": agenda, "issue_types": IssueType.choices})


@login_required
def live_board(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting.objects.select_related("host"), pk=meeting_id)
    if not can_watch_meeting(request.user, meeting.pk):
        raise PermissionDenied
    code = request.GET.get("unit")
    asked = unit_by_code(code.strip()[:20]) if code else None
    if code and asked is None:
        return HttpResponseBadRequest(_("Không có đơn vị mã %(code)s.") % {"code": code[:20]})
    unit = board_unit(request.user, asked)  # PermissionDenied: 403
    board = meeting_attendance(meeting, now=clock.now(), only=endpoints_within(unit))
    payload = MeetingAttendanceSerializer(board).data
    labels = state_labels()
    issue_labels = {value: str(label) for value, label in IssueType.choices}
    # The first page is rendered here (the page works without JavaScript); the script pages
    # through the rest from the socket's snapshot.
    payload["endpoints"] = payload["endpoints"][:BOARD_PAGE_ROWS]
    verification = verification_labels()
    for row in payload["endpoints"]:
        row["label"] = labels[row["state"]]
        row["verification_label"] = verification[row["verification"]]
        for issue in row["issues"]:
            issue["label"] = issue_labels.get(issue["issue_type"], issue["issue_type"])
    query = f"?unit={unit.code}" if unit is not None and code else ""
    config = {
        "meeting": meeting.pk,
        "socket": f"/ws/meetings/{meeting.pk}/{query}",
        "api": reverse("meeting-attendance", args=[meeting.pk]) + query,
        "page_rows": BOARD_PAGE_ROWS,
        "labels": labels,
        "issues": issue_labels,
        "verification": verification,
        "statuses": {status.value: str(status.label) for status in MeetingStatus},
        "poll_seconds": POLL_SECONDS,
        "words": board_words(),
    }
    context = {
        "meeting": meeting,
        "board": board,
        "payload": payload,
        "config": config,
        "unit": unit,
        "status_label": MeetingStatus(board.status).label,
    }
    return render(request, "rooms/live_board.html", context)


def board_words() -> dict[str, str]:
    return {
        "late": _("trễ"),
        "not_ready": _("chưa sẵn sàng"),
        "live": _("Trực tiếp"),
        "polling": _("Cập nhật mỗi %s giây") % POLL_SECONDS,
        "offline": _("Mất kết nối, đang thử lại"),
        "forbidden": _("Không có quyền xem"),
        "host": _("chủ trì"),
        "page": _("Trang %(page)s/%(pages)s (%(rows)s điểm cầu)"),
        "previous": _("Trang trước"),
        "next": _("Trang sau"),
        **readiness_words(),
    }


def _day_bounds(day: datetime) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(timezone.localtime(day).date(), time()))
    return start, start + timedelta(days=1)


@login_required
def live_boards(request: HttpRequest) -> HttpResponse:
    """Today's meetings the user may watch, each linking to its live board."""
    user = signed_in(request)
    if has_role(user, Role.STAFF, Role.LEADER):
        endpoints = endpoints_in_scope(user)
    elif has_role(user, Role.OPERATOR):
        endpoints = user.operated_endpoints.all()
    else:
        endpoints = Endpoint.objects.none()
    now = clock.now()
    day_start, day_end = _day_bounds(now)
    meetings = list(watchable_meetings(endpoints, day_start=day_start, day_end=day_end))
    rows = [(m, MeetingStatus(m.state_at(now)).label) for m in meetings]
    return render(request, "rooms/live_board_list.html", {"rows": rows, "day": timezone.localtime(now).date()})
