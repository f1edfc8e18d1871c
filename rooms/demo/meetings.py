"""Demo step: a year of meetings of the province, on today's tree. Idempotent, deterministic.

What the office of a provincial People's Committee actually runs: the Monday morning briefing
with every commune, a monthly province-to-commune conference (first Thursday afternoon), and a
couple of thematic meetings a week with the communes concerned (disaster prevention, public
investment, digital transformation, ...). Some are cancelled, some moved (SEQUENCE > 0).

Meetings from the 12 months before today are written directly, with the same invariants as the
booking service (bookings copy the meeting, only rooms in pilot or in service on that day, no
overlap: the database guard checks that too), since the service refuses the past; from today to
about two months ahead they are booked, moved and cancelled through the services themselves.
Every meeting has a uid made of its kind and date, so a second run adds nothing.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import OutputWrapper
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from rooms.models import (
    Endpoint,
    Level,
    Meeting,
    MeetingStatus,
    Participation,
    ProvinceSettings,
    Series,
    StatusChange,
    Structure,
)
from rooms.models.endpoints import BOOKABLE_STATUSES
from rooms.services import booking
from vconf import clock
from vconf.exceptions import Conflict

PROVINCE = "20"
ORGANIZER = "vanphong"
PAST_DAYS = 365
AHEAD_DAYS = 60
CANCEL_SHARE = 0.05
MOVE_SHARE = 0.08
BRIEFING = ("demo-giao-ban", "Giao ban sáng thứ Hai của UBND tỉnh", "FREQ=WEEKLY;BYDAY=MO")
MONTHLY = ("demo-hoi-nghi-thang", "Hội nghị trực tuyến UBND tỉnh với các xã, phường", "FREQ=MONTHLY;BYDAY=+1TH")
TOPICS = [
    "Triển khai chuyển đổi số cấp xã",
    "Phòng, chống thiên tai và tìm kiếm cứu nạn",
    "Tiến độ giải ngân vốn đầu tư công",
    "Xây dựng nông thôn mới",
    "Cải cách hành chính, dịch vụ công trực tuyến",
    "Phòng cháy, chữa cháy rừng mùa khô",
    "Chương trình mục tiêu quốc gia giảm nghèo bền vững",
    "Quản lý đất đai, cấp giấy chứng nhận",
    "Phát triển kinh tế cửa khẩu",
    "Tiêm chủng mở rộng và y tế cơ sở",
]
# Thematic meetings: (weekday, start, minutes); Tuesday to Friday, never Monday morning nor the
# first Thursday afternoon, so they never collide with the briefing or the conference.
THEMATIC_SLOTS = [(1, time(9, 0), 120), (2, time(14, 0), 90), (3, time(9, 0), 120), (4, time(14, 0), 120)]


@dataclass
class Plan:
    uid: str
    title: str
    start: datetime
    end: datetime
    endpoints: list[Endpoint]
    series: Series | None = None
    cancelled: bool = False
    moved_to: datetime | None = None  # a later time it was moved to (SEQUENCE 1)


def local(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


class Province:
    """The rooms of today's tree and which of them could be booked on a given day."""

    def __init__(self, host: Endpoint) -> None:
        self.host = host
        rooms = list(
            # The province's own communes: with `demo --national` the others are there too.
            Endpoint.objects.filter(
                unit__structure=Structure.CURRENT, unit__level=Level.COMMUNE, unit__parent=host.unit_id
            )
            .exclude(pk=host.pk)
            .select_related("unit", "legacy_unit")
            .order_by("unit__code", "pk")
        )
        # One room per commune: the commune hall (its legacy seat keeps the commune's code) first.
        self.rooms: list[Endpoint] = []
        seen: set[int] = set()

        def seat_first(e: Endpoint) -> tuple:
            return e.unit.code, e.legacy_unit is None or e.legacy_unit.code != e.unit.code, e.pk

        for room in sorted(rooms, key=seat_first):
            if room.unit_id not in seen:
                seen.add(room.unit_id)
                self.rooms.append(room)
        self.history: dict[int, list[tuple[date, str]]] = {}
        for pk, day, status in (
            StatusChange.objects.filter(endpoint__in=[*self.rooms, host])
            .order_by("effective", "id")
            .values_list("endpoint_id", "effective", "status")
        ):
            self.history.setdefault(pk, []).append((day, status))

    def bookable(self, endpoint: Endpoint, day: date) -> bool:
        changes = self.history.get(endpoint.pk)
        if not changes:  # no history recorded: trust the current status and its date
            return endpoint.status in BOOKABLE_STATUSES and (endpoint.status_since or day) <= day
        status = None
        for effective, value in changes:
            if effective <= day:
                status = value
        return status in BOOKABLE_STATUSES

    def rooms_on(self, day: date) -> list[Endpoint]:
        return [room for room in self.rooms if self.bookable(room, day)]


def mondays(first: date, last: date) -> Iterator[date]:
    day = first + timedelta(days=(7 - first.weekday()) % 7)
    while day <= last:
        yield day
        day += timedelta(days=7)


def first_thursdays(first: date, last: date) -> Iterator[date]:
    month = date(first.year, first.month, 1)
    while month <= last:
        day = month + timedelta(days=(3 - month.weekday()) % 7)
        if first <= day <= last:
            yield day
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)


def occurrence(
    kind: tuple[str, str, str],
    day: date,
    start: datetime,
    minutes: int,
    province: Province,
    series: dict[str, Series],
    *,
    cancelled: bool = False,
    moved_to: datetime | None = None,
) -> Plan:
    """One meeting of a demo series (`kind`: its uid stem, title and rule), with every room of that day."""
    uid, title, _rule = kind
    end = start + timedelta(minutes=minutes)
    rooms = province.rooms_on(day)
    return Plan(f"{uid}-{day:%Y%m%d}@vconf", title, start, end, rooms, series[uid], cancelled, moved_to)


def plans(province: Province, first: date, last: date, series: dict[str, Series]) -> list[Plan]:
    result: list[Plan] = []
    for day in mondays(first, last):
        rng = random.Random(f"{BRIEFING[0]}:{day}")
        start = local(day, time(8, 0))
        plan = occurrence(BRIEFING, day, start, 90, province, series, cancelled=rng.random() < CANCEL_SHARE)
        result.append(plan)
    for day in first_thursdays(first, last):
        rng = random.Random(f"{MONTHLY[0]}:{day}")
        start = local(day, time(14, 0))
        # Now and then the conference moves to the next morning (Friday: no other slot then).
        moved = local(day + timedelta(days=1), time(8, 0)) if rng.random() < MOVE_SHARE * 2 else None
        result.append(occurrence(MONTHLY, day, start, 150, province, series, moved_to=moved))
    for monday in mondays(first - timedelta(days=7), last):
        for weekday, at, minutes in THEMATIC_SLOTS:
            day = monday + timedelta(days=weekday)
            rng = random.Random(f"demo-chuyen-de:{day}:{at}")
            if not first <= day <= last or rng.random() < 0.55 or (weekday == 3 and day.day <= 7):
                continue  # about two thematic meetings a week, none on the conference's Thursday
            rooms = province.rooms_on(day)
            if not rooms:
                continue
            chosen = sorted(rng.sample(rooms, min(len(rooms), rng.randint(4, 18))), key=lambda e: e.pk)
            start = local(day, at)
            roll = rng.random()
            result.append(
                Plan(
                    f"demo-chuyen-de-{day:%Y%m%d}-{at:%H%M}@vconf",
                    rng.choice(TOPICS),
                    start,
                    start + timedelta(minutes=minutes),
                    chosen,
                    cancelled=roll < CANCEL_SHARE,
                    # Moved to the afternoon of the same day (the morning slots only).
                    moved_to=start + timedelta(hours=5)
                    if CANCEL_SHARE <= roll < CANCEL_SHARE + MOVE_SHARE and at.hour < 12
                    else None,
                )
            )
    return sorted(result, key=lambda p: (p.start, p.uid))


def write_past(plan: Plan, *, host: Endpoint, organizer: User) -> bool:
    """A meeting that has started already, written as the service would have left it."""
    start, end = plan.start, plan.end
    sequence = 0
    if plan.moved_to:
        start, end, sequence = plan.moved_to, plan.moved_to + (plan.end - plan.start), 1
    meeting = Meeting(
        uid=plan.uid,
        title=plan.title,
        host=host,
        bridge=host.bridge,
        start=start,
        end=end,
        organizer=organizer,
        series=plan.series,
        recurrence_id=plan.start if plan.series else None,
        sequence=sequence,
    )
    if plan.cancelled:
        meeting.status = MeetingStatus.CANCELLED
        meeting.cancelled_at = start - timedelta(days=2)
        meeting.sequence += 1
    meeting.full_clean(exclude=["host", "bridge", "organizer", "series"])
    try:
        with transaction.atomic():
            meeting.save()
            Participation.objects.bulk_create(
                Participation(
                    meeting=meeting,
                    endpoint=e,
                    is_host=e.pk == host.pk,
                    start=start,
                    end=end,
                    active=not plan.cancelled,
                )
                for e in [host, *plan.endpoints]
            )
    except IntegrityError:  # the no-overlap guard: a demo meeting colliding with data already there
        return False
    return True


def book_future(plan: Plan, *, host: Endpoint, organizer: User) -> bool:
    """A meeting still ahead, booked (then moved or cancelled) through the services."""
    try:
        meeting = booking.book_meeting(
            organizer=organizer,
            title=plan.title,
            start=plan.start,
            end=plan.end,
            host=host,
            endpoints=plan.endpoints,
            uid=plan.uid,
            notify=False,
        )
        if plan.series:
            Meeting.objects.filter(pk=meeting.pk).update(series=plan.series, recurrence_id=plan.start)
        if plan.moved_to:
            booking.reschedule_meeting(
                meeting=meeting,
                actor=organizer,
                start=plan.moved_to,
                end=plan.moved_to + (plan.end - plan.start),
                notify=False,
            )
        if plan.cancelled:
            booking.cancel_meeting(meeting=meeting, actor=organizer, notify=False)
    except (Conflict, ValidationError):
        return False
    return True


def load(*, stdout: OutputWrapper) -> None:
    settings = ProvinceSettings.objects.filter(province_code=PROVINCE).select_related("host", "host__bridge").first()
    organizer = User.objects.filter(username=ORGANIZER).first()
    if settings is None or settings.host is None or organizer is None:
        stdout.write("  meetings: no province host or organizer yet, nothing to add")
        return
    host = settings.host
    now = clock.now()
    today = timezone.localdate(now)
    series = {}
    for key, title, rule in (BRIEFING, MONTHLY):
        series[key], _ = Series.objects.get_or_create(
            uid=f"{key}@vconf", defaults={"title": title, "rrule": rule, "organizer": organizer}
        )
    province = Province(host)
    mine = Q(uid__startswith=BRIEFING[0]) | Q(uid__startswith=MONTHLY[0]) | Q(uid__startswith="demo-chuyen-de")
    existing = set(Meeting.objects.filter(mine).values_list("uid", flat=True))
    added = skipped = 0
    for plan in plans(province, today - timedelta(days=PAST_DAYS), today + timedelta(days=AHEAD_DAYS), series):
        if plan.uid in existing or not plan.endpoints:
            continue
        write = write_past if plan.start <= now + timedelta(minutes=5) else book_future
        if write(plan, host=host, organizer=organizer):
            added += 1
        else:
            skipped += 1
    stdout.write(f"  meetings: {added} added, {skipped} skipped (conflicts), {len(existing)} already there")
