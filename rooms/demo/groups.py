"""Demo endpoint groups and a meeting booked by former district, as office staff work: "Khối
huyện cũ Cao Lộc" (every room serving a commune of the former Cao Lộc district) and "Các xã biên
giới" (a selection of the border communes), both saved by the office's demo user."""

from datetime import datetime, time, timedelta

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import OutputWrapper
from django.utils import timezone

from rooms.models import EndpointGroup, Level, Meeting, ProvinceSettings, Structure, Unit
from rooms.selectors.meetings import bookable_endpoints_under
from rooms.services import booking
from vconf import clock
from vconf.exceptions import Conflict

PROVINCE = "20"
FORMER_DISTRICT = "Huyện Cao Lộc"
BORDER_COMMUNES = [
    "Xã Quốc Khánh",
    "Xã Đoàn Kết",
    "Xã Tân Tiến",
    "Xã Thụy Hùng",
    "Xã Hoàng Văn Thụ",
    "Xã Đồng Đăng",
    "Xã Ba Sơn",
    "Xã Mẫu Sơn",
]
DISTRICT_MEETING = "Giao ban khối huyện cũ Cao Lộc"


def load(*, stdout: OutputWrapper) -> None:
    owner = User.objects.filter(username="vanphong").first()
    district = Unit.objects.filter(structure=Structure.LEGACY, level=Level.DISTRICT, name=FORMER_DISTRICT).first()
    if owner is None or district is None:
        return
    district_rooms = list(bookable_endpoints_under([district]))
    border = Unit.objects.filter(
        structure=Structure.CURRENT, level=Level.COMMUNE, name__in=BORDER_COMMUNES, parent__code=PROVINCE
    )
    border_rooms = list(bookable_endpoints_under(list(border)))
    for name, rooms in (
        (f"Khối huyện cũ {FORMER_DISTRICT.removeprefix('Huyện ')}", district_rooms),
        ("Các xã biên giới", border_rooms),
    ):
        group, _created = EndpointGroup.objects.get_or_create(name=name, defaults={"owner": owner})
        group.endpoints.set(rooms)
    book_by_former_district(owner=owner, district=district)
    stdout.write(f"  Nhóm điểm cầu: {len(district_rooms)} + {len(border_rooms)} điểm cầu")


def book_by_former_district(*, owner: User, district: Unit) -> None:
    """Next week's meeting of the former district, booked by its legacy unit as staff would."""
    settings = ProvinceSettings.objects.filter(province_code=PROVINCE).select_related("host").first()
    if settings is None or settings.host is None or Meeting.objects.filter(title=DISTRICT_MEETING).exists():
        return
    today = timezone.localdate(clock.now())
    for offset in range(7, 21):
        day = today + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        start = timezone.make_aware(datetime.combine(day, time(14, 0)))
        try:
            booking.book_meeting(
                organizer=owner,
                title=DISTRICT_MEETING,
                start=start,
                end=start + timedelta(hours=1, minutes=30),
                host=settings.host,
                units=[district],
                notify=False,
            )
        except (Conflict, ValidationError):
            continue
        return
