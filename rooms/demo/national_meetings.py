"""Demo step: the Government's monthly online conference with the provinces and their communes,
a year of it (past and about two months ahead). Idempotent, deterministic.

The Government office (user `chinhphu`, home unit VN) hosts it from the Government hall on the
central MCU; Lạng Sơn's hall and every commune room in service that day join through the
province's MCU, cascaded to the central one. Past conferences are written as the booking service
would have left them, future ones are booked through it (rooms.demo.meetings does the same for
the province's own meetings). Second Monday of the month, 14:00–16:30: the province's own
meetings never take Monday afternoons. `manage.py demo --national` adds the other provinces'
rooms to the same meetings.
"""

from datetime import date, time, timedelta

from django.contrib.auth.models import User
from django.core.management.base import OutputWrapper
from django.utils import timezone

from rooms.demo.meetings import AHEAD_DAYS, PAST_DAYS, Plan, Province, book_future, local, write_past
from rooms.demo.national import GOVERNMENT_HALL, PROVINCE
from rooms.models import Endpoint, Meeting, ProvinceSettings, Series
from vconf import clock

ORGANIZER = "chinhphu"
UID = "demo-hoi-nghi-quoc-gia"
TITLE = "Hội nghị trực tuyến Chính phủ với các tỉnh, thành phố và xã, phường"
RULE = "FREQ=MONTHLY;BYDAY=+2MO"
START, MINUTES = time(14, 0), 150


def second_mondays(first: date, last: date) -> list[date]:
    days = []
    month = date(first.year, first.month, 1)
    while month <= last:
        day = month + timedelta(days=(0 - month.weekday()) % 7 + 7)
        if first <= day <= last:
            days.append(day)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return days


def uid_of(day: date) -> str:
    return f"{UID}-{day:%Y%m%d}@vconf"


def conference_days() -> list[date]:
    today = timezone.localdate(clock.now())
    return second_mondays(today - timedelta(days=PAST_DAYS), today + timedelta(days=AHEAD_DAYS))


def conference_series(organizer: User) -> Series:
    series, _ = Series.objects.get_or_create(
        uid=f"{UID}@vconf", defaults={"title": TITLE, "rrule": RULE, "organizer": organizer}
    )
    return series


def load(*, stdout: OutputWrapper) -> None:
    hall = Endpoint.objects.filter(name=GOVERNMENT_HALL, unit__code="VN").select_related("bridge").first()
    settings = ProvinceSettings.objects.filter(province_code=PROVINCE).select_related("host").first()
    organizer = User.objects.filter(username=ORGANIZER).first()
    if hall is None or organizer is None or settings is None or settings.host is None:
        stdout.write("  national conferences: no Government hall, organizer or province host yet, nothing to add")
        return
    series = conference_series(organizer)
    province = Province(settings.host)
    existing = set(Meeting.objects.filter(uid__startswith=UID).values_list("uid", flat=True))
    now = clock.now()
    added = skipped = 0
    for day in conference_days():
        if uid_of(day) in existing:
            continue
        start = local(day, START)
        rooms = [settings.host, *province.rooms_on(day)]
        plan = Plan(uid_of(day), TITLE, start, start + timedelta(minutes=MINUTES), rooms, series)
        write = write_past if start <= now + timedelta(minutes=5) else book_future
        if write(plan, host=hall, organizer=organizer):
            added += 1
        else:
            skipped += 1
    stdout.write(f"  national conferences: {added} added, {skipped} skipped, {len(existing)} already there")
