"""Demo of operations: a department's account with a pending request, the province's days off
(and a booking refused on one), and a booking refused for ports for the capacity page. Idempotent."""

from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import OutputWrapper
from django.utils import timezone

from rooms import ical_upload
from rooms.demo.users import PASSWORD
from rooms.models import (
    Bridge,
    DayOff,
    DayOffKind,
    Endpoint,
    Meeting,
    PortRefusal,
    Profile,
    ProvinceSettings,
    Role,
    Structure,
    Unit,
)
from rooms.services import days_off
from rooms.services.booking_rules import BookingRequest, book
from vconf import clock
from vconf.exceptions import Conflict

PROVINCE = "20"
REQUESTER = ("sonoivu", "Sở Nội vụ tỉnh Lạng Sơn", "Chuyên viên Văn phòng Sở")
REQUEST_UID = "demo-de-nghi-hop@vconf"
REFUSAL_TITLE = "Hội nghị toàn bộ các xã (bản thử, bị từ chối vì thiếu cổng)"


def requester() -> User:
    username, full_name, job_title = REQUESTER
    user, created = User.objects.get_or_create(username=username)
    if created:
        user.set_password(PASSWORD)
        user.email = f"{username}@langson.example.vn"
        user.save()
    user.groups.add(Group.objects.get(name=Role.REQUESTER))
    unit = Unit.objects.filter(structure=Structure.CURRENT, code=PROVINCE).first()
    Profile.objects.update_or_create(
        user=user, defaults={"home_unit": unit, "full_name": full_name, "job_title": job_title}
    )
    return user


def at_two(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time(14, 0)))
    return start, start + timedelta(hours=1, minutes=30)


def the_rooms(host: Endpoint) -> list[Endpoint]:
    """Two commune rooms of the province that the request invites."""
    rooms = Endpoint.objects.filter(unit__structure=Structure.CURRENT, status="in_service").exclude(pk=host.pk)
    return list(rooms.order_by("unit__code", "pk")[:2])


def pending_request(user: User, host: Endpoint, stdout: OutputWrapper) -> None:
    if Meeting.objects.filter(uid=REQUEST_UID).exists():
        return
    today = timezone.localdate(clock.now())
    day = days_off.add_working_days(today, 3, province=PROVINCE)
    for _try in range(10):
        start, end = at_two(day)
        title = "Hội nghị triển khai công tác cải cách hành chính"
        request = BookingRequest(user, title, start, end, host, the_rooms(host))
        try:
            meeting = book(request, uid=REQUEST_UID, notify=False).meetings[0]
        except (Conflict, ValidationError, PermissionDenied):
            day = days_off.add_working_days(day, 1, province=PROVINCE)
            continue
        stdout.write(f"  approval: pending request #{meeting.pk} on {day:%d/%m/%Y}, for the office to answer")
        return
    stdout.write("  approval: no free slot for the demo request")


IMPORT_UID = "demo-import-request@vconf"


def imported_request(user: User, host: Endpoint, stdout: OutputWrapper) -> None:
    """A request the department imported from an iCalendar file (rooms/ical_upload.py)."""
    if Meeting.objects.filter(uid=IMPORT_UID).exists():
        return
    day = days_off.add_working_days(timezone.localdate(clock.now()), 4, province=PROVINCE)
    rooms = ",".join(str(e.pk) for e in the_rooms(host))
    for _try in range(10):
        start, end = (timezone.localtime(t).strftime("%Y%m%dT%H%M%S") for t in at_two(day))
        event = f"BEGIN:VEVENT\r\nUID:{IMPORT_UID}\r\nDTSTAMP:20260101T000000Z\r\n"
        event += f"DTSTART;TZID=Asia/Ho_Chi_Minh:{start}\r\nDTEND;TZID=Asia/Ho_Chi_Minh:{end}\r\n"
        event += f"SUMMARY:Họp rà soát thủ tục hành chính (nhập từ lịch)\r\nX-VCONF-HOST:{host.pk}\r\n"
        event += f"X-VCONF-ENDPOINTS:{rooms}\r\nEND:VEVENT\r\n"
        data = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//vconf demo//VI\r\n{event}END:VCALENDAR\r\n"
        if "booked" in ical_upload.import_requests(organizer=user, data=data.encode()):
            stdout.write(f"  approval: imported request on {day:%d/%m/%Y} (from an .ics file)")
            return
        day = days_off.add_working_days(day, 1, province=PROVINCE)
    stdout.write("  approval: no free slot for the imported demo request")


def holiday_refusal(user: User, host: Endpoint, stdout: OutputWrapper) -> None:
    """A booking on the next public holiday, checked (not written): the demo prints the refusal."""
    today = timezone.localdate(clock.now())
    upcoming = sorted(
        (d, n) for year in (today.year, today.year + 1) for d, n in days_off.public_holidays(year).items() if d > today
    )
    if not upcoming:
        return
    day, name = upcoming[0]
    start, end = at_two(day)
    try:
        book(BookingRequest(user, "Giao ban", start, end, host, the_rooms(host)), preview=True)
    except Conflict as refusal:
        stdout.write(f"  approval: booking on {day:%d/%m/%Y} refused (409): {refusal.conflicts}")
    except (ValidationError, PermissionDenied):
        return
    else:
        stdout.write(f"  approval: {day:%d/%m/%Y} ({name}) was not refused")


def province_days() -> None:
    """A day the province gives itself (the make-up working days come with the holiday calendar)."""
    day = date(timezone.localdate(clock.now()).year + 1, 1, 2)
    name = "Nghỉ theo quyết định của UBND tỉnh (ví dụ demo)"
    DayOff.objects.get_or_create(date=day, province_code=PROVINCE, defaults={"name": name, "kind": DayOffKind.DAY_OFF})


def port_refusal(user: User, bridge: Bridge | None) -> None:
    if bridge is None or PortRefusal.objects.filter(meeting_title=REFUSAL_TITLE).exists():
        return
    start, end = at_two(days_off.add_working_days(timezone.localdate(clock.now()), 5, province=PROVINCE))
    PortRefusal.objects.create(
        bridge=bridge,
        at=clock.now(),
        start=start,
        end=end,
        ports_needed=bridge.ports + 40,
        ports_free=bridge.ports,
        meeting_title=REFUSAL_TITLE,
        user=user,
    )


def load(*, stdout: OutputWrapper) -> None:
    settings = ProvinceSettings.objects.filter(province_code=PROVINCE).select_related("host", "host__bridge").first()
    if settings is None or settings.host is None:
        stdout.write("  approval: no province host yet, nothing to add")
        return
    user = requester()
    province_days()
    pending_request(user, settings.host, stdout)
    imported_request(user, settings.host, stdout)
    staff = User.objects.filter(username="vanphong").first() or user
    holiday_refusal(staff, settings.host, stdout)
    port_refusal(staff, settings.host.bridge)
    stdout.write(f"  approval: department login {REQUESTER[0]} (password {PASSWORD})")
