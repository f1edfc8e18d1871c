"""Recording attendance: an operator's check-in, issue report or check-out for one endpoint.

Records are append-only; the endpoint's state is derived from them (rooms/selectors/attendance.py).
A record carries a client-generated id, so a phone on a poor line can send it again and again:
the first copy counts, every replay answers with it and adds nothing.
"""

import uuid
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rooms.broadcast import broadcast_attendance_changed
from rooms.models import CheckIn, CheckInKind, Endpoint, IssueType, Meeting, MeetingStatus, Participation, TestResult
from rooms.permissions import can_operate
from rooms.selectors.attendance import AttendanceState, checkin_window, endpoint_attendance
from rooms.selectors.readiness import test_opens
from vconf import clock
from vconf.exceptions import Conflict
from vconf.limits import MAX_PEOPLE

# Issue reports per endpoint and meeting: plenty for a bad afternoon, not a flood of them that
# would swell every live-board snapshot.
MAX_ISSUES = 50
# A room holds at most twice its seats (people standing at the back); more is a typing error.
SEATS_FACTOR = 2


def attendee_limit(endpoint: Endpoint) -> int:
    """The largest head count a check-in of this room may carry: the one limit that the page's
    input (max=) and the server both apply."""
    return min(MAX_PEOPLE, endpoint.seats * SEATS_FACTOR)


def _replayed(*, client_id: uuid.UUID, meeting: Meeting, endpoint: Endpoint) -> CheckIn | None:
    first = CheckIn.objects.filter(client_id=client_id).first()
    if first is None:
        return None
    if first.meeting_id != meeting.pk or first.endpoint_id != endpoint.pk:
        raise Conflict(_("Mã client_id này đã được dùng cho một bản ghi khác."))
    return first


def _local(when: datetime) -> str:
    return timezone.localtime(when).strftime("%H:%M %d/%m/%Y")


def _check_meeting(*, meeting: Meeting, now: datetime, kind: str) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError({"meeting": [_("Cuộc họp đã bị hủy, không thể báo danh.")]})
    opens, closes = checkin_window(meeting)
    if kind == CheckInKind.TEST:
        # The test-call window opens earlier than check-ins (TEST_CALL_OPENS_MINUTES, 60).
        opens = test_opens(meeting.start)
        if now < opens:
            raise ValidationError(
                {
                    "meeting": [
                        _("Chưa đến giờ gọi thử: mở lúc %(opens)s (%(minutes)s phút trước giờ họp).")
                        % {"opens": _local(opens), "minutes": settings.VCONF["TEST_CALL_OPENS_MINUTES"]}
                    ]
                }
            )
    if now < opens:
        raise ValidationError(
            {
                "meeting": [
                    _("Chưa đến giờ báo danh: mở lúc %(opens)s (%(minutes)s phút trước giờ họp).")
                    % {"opens": _local(opens), "minutes": settings.VCONF["CHECKIN_OPENS_MINUTES"]}
                ]
            }
        )
    if now > closes:
        raise ValidationError(
            {"meeting": [_("Đã hết giờ báo danh cho cuộc họp này (đóng lúc %(closes)s).") % {"closes": _local(closes)}]}
        )


def _check_test_result(kind: str, result: str, errors: dict[str, list[str]]) -> None:
    if kind == CheckInKind.TEST and result not in TestResult.values:
        errors["result"] = [_("Chọn kết quả gọi thử: %s") % ", ".join(TestResult.values)]
    elif kind != CheckInKind.TEST and result:
        errors["result"] = [_("Chỉ dùng khi báo gọi thử.")]


def _check_fields(
    *, endpoint: Endpoint, kind: str, attendees: int | None, issue_type: str, note: str, result: str = ""
) -> None:
    errors: dict[str, list[str]] = {}
    _check_test_result(kind, result, errors)
    if kind not in CheckInKind.values:
        errors["kind"] = [_("Chọn một trong: %s") % ", ".join(CheckInKind.values)]
    if kind == CheckInKind.IN and attendees is None:
        errors["attendees"] = [_("Hãy nhập số người có mặt.")]
    elif attendees is not None:
        limit = attendee_limit(endpoint)
        if not 0 <= attendees <= limit:
            errors["attendees"] = [
                _("Số người phải từ 0 đến %(limit)s (gấp đôi %(seats)s chỗ ngồi của phòng).")
                % {"limit": limit, "seats": endpoint.seats}
            ]
    if kind == CheckInKind.ISSUE:
        if issue_type not in IssueType.values:
            errors["issue_type"] = [_("Chọn loại sự cố: %s") % ", ".join(IssueType.values)]
        elif issue_type == IssueType.OTHER and not note.strip():
            errors["note"] = [_("Hãy mô tả sự cố.")]
    elif issue_type:
        errors["issue_type"] = [_("Chỉ dùng khi báo sự cố.")]
    if errors:
        raise ValidationError(errors)


def _check_kind_allowed(*, meeting: Meeting, endpoint: Endpoint, kind: str, now: datetime) -> None:
    """Check out only when connected; at most MAX_ISSUES issue reports per room and meeting."""
    if kind == CheckInKind.OUT:
        state = endpoint_attendance(meeting, endpoint, now=now).state
        if state not in (AttendanceState.READY, AttendanceState.CONNECTED):
            message = (
                _("Điểm cầu đã báo kết thúc.") if state == AttendanceState.LEFT else _("Điểm cầu chưa báo kết nối.")
            )
            raise ValidationError({"kind": [message]})
    if kind == CheckInKind.ISSUE and meeting.checkins.filter(endpoint=endpoint, kind=kind).count() >= MAX_ISSUES:
        raise Conflict(_("Điểm cầu đã báo %(n)s sự cố trong cuộc họp này, không nhận thêm.") % {"n": MAX_ISSUES})
    if kind == CheckInKind.TEST and meeting.checkins.filter(endpoint=endpoint, kind=kind).count() >= MAX_ISSUES:
        raise Conflict(_("Điểm cầu đã báo %(n)s lần gọi thử trong cuộc họp này, không nhận thêm.") % {"n": MAX_ISSUES})


@transaction.atomic
def record_checkin(
    *,
    user: User,
    meeting: Meeting,
    endpoint: Endpoint,
    kind: str,
    client_id: uuid.UUID,
    attendees: int | None = None,
    issue_type: str = "",
    note: str = "",
    result: str = "",
) -> tuple[CheckIn, bool]:
    """Record one check-in (or a test call: kind "test" with its `result`); returns (record,
    created). A replay of `client_id` returns the first record with created=False, even once
    the check-in window has closed."""
    if not can_operate(user, endpoint):
        raise PermissionDenied(_("Chỉ kỹ thuật viên của điểm cầu này hoặc quản trị được báo danh."))
    if first := _replayed(client_id=client_id, meeting=meeting, endpoint=endpoint):
        return first, False
    now = clock.now()
    _check_meeting(meeting=meeting, now=now, kind=kind)
    _check_fields(endpoint=endpoint, kind=kind, attendees=attendees, issue_type=issue_type, note=note, result=result)
    # Lock the booking: check-ins of one endpoint in one meeting run one at a time, so "check out
    # only when connected" holds under concurrent taps, and a concurrent replay waits for the first.
    booked = Participation.objects.select_for_update().filter(meeting=meeting, endpoint=endpoint, active=True).first()
    if booked is None:
        if Meeting.objects.filter(pk=meeting.pk, status=MeetingStatus.CANCELLED).exists():
            raise ValidationError({"meeting": [_("Cuộc họp đã bị hủy, không thể báo danh.")]})
        raise ValidationError({"endpoint": [_("Điểm cầu này không tham gia cuộc họp.")]})
    if first := _replayed(client_id=client_id, meeting=meeting, endpoint=endpoint):
        return first, False
    _check_kind_allowed(meeting=meeting, endpoint=endpoint, kind=kind, now=now)
    record = CheckIn(
        meeting=meeting,
        endpoint=endpoint,
        kind=kind,
        attendees=attendees,
        issue_type=issue_type if kind == CheckInKind.ISSUE else "",
        result=result if kind == CheckInKind.TEST else None,
        note=note.strip(),
        client_id=client_id,
        recorded_by=user if user.is_authenticated else None,
        at=now,
    )
    # The fields' own rules (lengths, choices); not the foreign keys, which are the rows locked
    # above, nor the table's constraints, which the checks above cover and the database enforces:
    # each of those is a query per check-in, and a national conference sends thousands a minute.
    record.full_clean(exclude=["meeting", "endpoint", "recorded_by"], validate_unique=False, validate_constraints=False)
    try:
        # A savepoint: if a concurrent replay inserted the same client_id first, the unique
        # constraint refuses ours and the outer transaction stays usable to read the winner.
        with transaction.atomic():
            record.save()
    except IntegrityError:
        if first := _replayed(client_id=client_id, meeting=meeting, endpoint=endpoint):
            return first, False
        raise
    transaction.on_commit(lambda: broadcast_attendance_changed(meeting.pk, endpoints=[endpoint.pk]))
    return record, True


@transaction.atomic
def resolve_issue(*, user: User, record: CheckIn) -> tuple[CheckIn, bool]:
    """Mark an issue report as resolved; returns (record, changed). Resolving it again changes
    nothing and answers with the first resolution, as a replayed check-in does."""
    if not can_operate(user, record.endpoint):
        raise PermissionDenied(_("Chỉ kỹ thuật viên của điểm cầu này hoặc quản trị được báo đã khắc phục."))
    record = CheckIn.objects.select_for_update().get(pk=record.pk)
    if record.kind != CheckInKind.ISSUE:
        raise ValidationError({"kind": [_("Chỉ báo sự cố mới có thể đánh dấu đã khắc phục.")]})
    if record.resolved_at is not None:
        return record, False
    record.resolved_at = clock.now()
    record.resolved_by = user if user.is_authenticated else None
    record.save(update_fields=["resolved_at", "resolved_by"])
    meeting_id, endpoint_id = record.meeting_id, record.endpoint_id
    transaction.on_commit(lambda: broadcast_attendance_changed(meeting_id, endpoints=[endpoint_id]))
    return record, True
