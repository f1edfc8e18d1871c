"""The booking rules of a department's request (role `requester`): its status, its notice and
its answer due time. Read by rooms/services/booking_rules.py; the answers are in approval.py."""

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from rooms.models import Endpoint, Meeting, MeetingRequest, MeetingStatus, ProvinceSettings, Role
from rooms.permissions import has_role, roles_of
from rooms.services import days_off

DEFAULT_LEAD_DAYS = 2


def is_requester(user: User | AnonymousUser) -> bool:
    """A department's account: it may ask for meetings, never decide them (staff role wins)."""
    return Role.REQUESTER in roles_of(user) and not has_role(user, Role.STAFF)


def require_booker_or_requester(user: User) -> None:
    if not may_book(user):
        raise PermissionDenied(_("Chỉ văn phòng, quản trị và sở, ngành đề nghị được đặt lịch họp."))


def may_book(user: User | AnonymousUser) -> bool:
    return user.is_authenticated and (has_role(user, Role.STAFF) or is_requester(user))


def initial_status(organizer: User) -> str:
    return MeetingStatus.PENDING if is_requester(organizer) else MeetingStatus.SCHEDULED


def meeting_fields(organizer: User, holiday_override_reason: str) -> dict[str, str]:
    """What a new meeting takes from who books it: pending for a department, and the
    administrator's reason for a start on a day off."""
    return {"status": initial_status(organizer), "holiday_override_reason": holiday_override_reason.strip()}


def lead_days(province_code: str) -> int:
    found = ProvinceSettings.objects.filter(province_code=province_code).values_list("request_lead_days", flat=True)
    return found[0] if found else DEFAULT_LEAD_DAYS


def check_lead_time(*, organizer: User, start: datetime, host: Endpoint, now: datetime) -> None:
    """400 on `start` for a request with less notice than the province asks (working days)."""
    if not is_requester(organizer):
        return
    host_province = days_off.endpoint_province(host)
    days = lead_days(host_province)
    earliest = days_off.add_working_days(days_off.local_day(now), days, province=host_province)
    if days_off.local_day(start) < earliest:
        message = _("Đề nghị họp phải gửi trước ít nhất %(n)s ngày làm việc (sớm nhất ngày %(day)s).")
        raise ValidationError({"start": [message % {"n": days, "day": earliest.strftime("%d/%m/%Y")}]})


def answer_due(*, start: datetime, host_province: str, now: datetime) -> datetime:
    """The office answers within the lead time in working days, and before the meeting starts."""
    local_now = timezone.localtime(now)
    day = days_off.add_working_days(local_now.date(), lead_days(host_province), province=host_province)
    return min(local_now.replace(year=day.year, month=day.month, day=day.day), start)


def open_requests(meetings: Iterable[Meeting], *, host: Endpoint, now: datetime) -> None:
    """A MeetingRequest for every pending meeting just booked (in the booking's transaction)."""
    meetings = [m for m in meetings if m.status == MeetingStatus.PENDING]
    if not meetings:
        return
    host_province = days_off.endpoint_province(host)
    rows = [
        MeetingRequest(meeting=m, answer_due=answer_due(start=m.start, host_province=host_province, now=now))
        for m in meetings
    ]
    MeetingRequest.objects.bulk_create(rows)
