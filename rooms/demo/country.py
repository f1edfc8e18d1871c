"""`manage.py demo --national`: the whole country's network, for scale. Idempotent, deterministic.

Since the 2025 reform: the Government, 34 provinces, 3,321 communes (today's tree from the
packaged `vietnamadminunits` data). Each province gets its hall (its ProvinceSettings host), its
MCU at the provincial IT centre cascaded to the central MCU, and a room in service in every
commune; the Government's monthly conference (rooms.demo.national_meetings) gets every province's
hall and communes; each province holds a monthly briefing with its communes; past meetings get
their check-ins (the same patterns as rooms.demo.attendance). Everything is written in bulk, as
history, since the booking service books one meeting at a time (it would take an hour). A second
run finds every row there and adds nothing. `provinces` and `communes` cut it down for tests.
"""

import random
from datetime import date, time, timedelta
from math import ceil

from django.contrib.auth.models import User
from django.core.management.base import OutputWrapper
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from rooms.demo import attendance
from rooms.demo.meetings import AHEAD_DAYS, PAST_DAYS, first_thursdays, local
from rooms.demo.national import PROVINCE, PROVINCIAL_MCU, central_bridge, ensure_country
from rooms.demo.national_meetings import MINUTES, ORGANIZER, START, TITLE, conference_days, conference_series, uid_of
from rooms.demo.units import hall
from rooms.models import (
    Bridge,
    CheckIn,
    Endpoint,
    EndpointStatus,
    Level,
    Meeting,
    MeetingStatus,
    Participation,
    ProvinceSettings,
    StatusChange,
    Structure,
    Unit,
)
from rooms.services.units import load_packaged_units, packaged_provinces
from vconf import clock

SEED = 2025
BATCH = 2000
# Rooms came into service after the reform, between July and October 2025.
IN_SERVICE_FROM, IN_SERVICE_DAYS = date(2025, 7, 1), 120
BRIEFING_UID = "demo-giao-ban-tinh"
BRIEFING_TITLE = "Giao ban trực tuyến UBND %(province)s với các xã, phường"
BRIEFING_AT, BRIEFING_MINUTES = time(8, 0), 120  # first Thursday morning (Lạng Sơn: its own)


def provinces_wanted(count: int | None) -> list[str]:
    """The provinces' codes: all 34, or the demo province and the first others for a test."""
    codes = sorted(packaged_provinces()[Structure.CURRENT])
    if count is None or count >= len(codes):
        return codes
    return sorted([PROVINCE, *[c for c in codes if c != PROVINCE][: max(count - 1, 0)]])


def domain(province: Unit) -> str:
    return f"mcu.t{province.code}.example.vn"


def ports_for(rooms: int) -> int:
    """A provincial MCU's size: its communes, its hall and its link up, 20% to spare, in tens."""
    return max(60, ceil((rooms + 2) * 1.2 / 10) * 10)


def provincial_network(province: Unit, *, central: Bridge, rooms: int) -> tuple[Bridge, Endpoint]:
    """The province's MCU (cascaded to the central one) and its hall (the ProvinceSettings host)."""
    bridge = (
        Bridge.objects.filter(unit=province).first()
        or Bridge.objects.filter(name=f"MCU UBND {hall_name(province)}").first()
    )
    if bridge is None and province.code == PROVINCE:
        bridge = Bridge.objects.filter(name=PROVINCIAL_MCU).first()
    if bridge is None:
        bridge = Bridge.objects.create(
            name=f"MCU UBND {hall_name(province)}", ports=ports_for(rooms), dial_address=f"sip:mcu@{domain(province)}"
        )
    if bridge.unit_id != province.pk or bridge.parent_id != central.pk:
        Bridge.objects.filter(pk=bridge.pk).update(unit=province, parent=central)
    settings = ProvinceSettings.objects.filter(province_code=province.code).select_related("host").first()
    host = settings.host if settings and settings.host else None
    if host is None:
        host = Endpoint.objects.filter(dial_address=f"sip:ubnd-tinh@{domain(province)}").first()
    if host is None:
        since = IN_SERVICE_FROM - timedelta(days=14)
        host = Endpoint.objects.create(
            name=f"Hội trường {hall(province)}",
            unit=province,
            seats=150,
            dial_address=f"sip:ubnd-tinh@{domain(province)}",
            bridge=bridge,
            status=EndpointStatus.IN_SERVICE,
            status_since=since,
        )
        StatusChange.objects.create(endpoint=host, status=EndpointStatus.IN_SERVICE, effective=since)
    short = province.name.removeprefix("Tỉnh ").removeprefix("Thành phố ")
    ProvinceSettings.objects.get_or_create(province_code=province.code, defaults={"name": short, "host": host})
    if settings is not None and settings.host is None:
        ProvinceSettings.objects.filter(pk=settings.pk).update(host=host)
    return bridge, host


def hall_name(province: Unit) -> str:
    return hall(province).removeprefix("UBND ")


def commune_rooms(provinces: list[Unit], bridges: dict[int, Bridge], *, per_province: int | None) -> int:
    """A room in service in every commune that has none (the first `per_province` of each)."""
    rng = random.Random(SEED)
    equipped = set(Endpoint.objects.filter(unit__parent__in=provinces).values_list("unit_id", flat=True))
    new: list[Endpoint] = []
    for province in provinces:
        communes = Unit.objects.filter(parent=province, level=Level.COMMUNE).order_by("code")
        for commune in communes[:per_province] if per_province else communes:
            if commune.pk in equipped:
                continue
            new.append(
                Endpoint(
                    name=hall(commune),
                    unit=commune,
                    seats=rng.randrange(15, 35, 5),
                    dial_address=f"sip:xa-{commune.code}@{domain(province)}",
                    bridge=bridges[province.pk],
                    status=EndpointStatus.IN_SERVICE,
                    status_since=IN_SERVICE_FROM + timedelta(days=rng.randrange(IN_SERVICE_DAYS)),
                )
            )
    Endpoint.objects.bulk_create(new, batch_size=BATCH)
    StatusChange.objects.bulk_create(
        [StatusChange(endpoint=e, status=e.status, effective=e.status_since or IN_SERVICE_FROM) for e in new],
        batch_size=BATCH,
    )
    return len(new)


def rooms_of(province: Unit, host: Endpoint, day: date) -> list[Endpoint]:
    rooms = Endpoint.objects.filter(
        Q(unit__parent=province) | Q(pk=host.pk), status__in=[EndpointStatus.IN_SERVICE, EndpointStatus.PILOT]
    )
    return list(rooms.filter(Q(status_since__isnull=True) | Q(status_since__lte=day)).order_by("pk"))


def add_rooms(meeting: Meeting, rooms: list[Endpoint], *, checkins: list[CheckIn]) -> int:
    """Book these rooms into a meeting written as history (those already in it are left), with
    the check-ins of the new ones if it has started."""
    have = set(meeting.participations.values_list("endpoint_id", flat=True))
    fresh = [room for room in rooms if room.pk not in have]
    active = meeting.status == MeetingStatus.SCHEDULED
    Participation.objects.bulk_create(
        [
            Participation(
                meeting=meeting,
                endpoint=room,
                is_host=room.pk == meeting.host_id,
                start=meeting.start,
                end=meeting.end,
                active=active,
            )
            for room in fresh
        ],
        batch_size=BATCH,
    )
    if active and meeting.start <= clock.now() and fresh:
        now = clock.now()
        rows = [attendance.Room(room, room.pk == meeting.host_id, attendance.DEFAULT_KM) for room in fresh]
        checkins += [r for r in attendance.plan(meeting, rows, set(), None) if r.at <= now]
    return len(fresh)


def national_conferences(networks: list[tuple[Unit, Endpoint]], *, checkins: list[CheckIn]) -> int:
    """Every province's hall and communes in each monthly conference of the Government."""
    organizer = User.objects.filter(username=ORGANIZER).first()
    top = Endpoint.objects.filter(unit__level=Level.COUNTRY).order_by("pk").first()
    if organizer is None or top is None:
        return 0
    series = conference_series(organizer)
    added = 0
    for day in conference_days():
        start = local(day, START)
        meeting, _ = Meeting.objects.get_or_create(
            uid=uid_of(day),
            defaults={
                "title": TITLE,
                "host": top,
                "bridge": top.bridge,
                "start": start,
                "organizer": organizer,
                "end": start + timedelta(minutes=MINUTES),
                "series": series,
                "recurrence_id": start,
            },
        )
        rooms = [top, *(room for province, host in networks for room in rooms_of(province, host, day))]
        added += add_rooms(meeting, rooms, checkins=checkins)
    return added


def provincial_briefings(networks: list[tuple[Unit, Endpoint]], *, checkins: list[CheckIn]) -> int:
    """Each province's monthly briefing with its communes (Lạng Sơn has its own in the demo)."""
    organizer = User.objects.filter(is_superuser=True).order_by("pk").first()
    if organizer is None:  # no demo users yet (`--only`): nobody to have booked them
        return 0
    today = timezone.localdate(clock.now())
    days = list(first_thursdays(today - timedelta(days=PAST_DAYS), today + timedelta(days=AHEAD_DAYS)))
    added = 0
    for province, host in networks:
        if province.code == PROVINCE:
            continue
        for day in days:
            start = local(day, BRIEFING_AT)
            meeting, _ = Meeting.objects.get_or_create(
                uid=f"{BRIEFING_UID}-{province.code}-{day:%Y%m%d}@vconf",
                defaults={
                    "title": BRIEFING_TITLE % {"province": hall_name(province)},
                    "host": host,
                    "bridge": host.bridge,
                    "start": start,
                    "end": start + timedelta(minutes=BRIEFING_MINUTES),
                    "organizer": organizer,
                },
            )
            added += add_rooms(meeting, rooms_of(province, host, day), checkins=checkins)
    return added


def load(*, stdout: OutputWrapper, provinces: int | None = None, communes: int | None = None) -> None:
    codes = provinces_wanted(provinces)
    with transaction.atomic():
        for line in load_packaged_units(province=",".join(codes), structure=Structure.CURRENT).lines():
            stdout.write(f"  {line}")
        roots = ensure_country()
        central = central_bridge(roots[Structure.CURRENT])
        units = list(Unit.objects.filter(structure=Structure.CURRENT, level=Level.PROVINCE, code__in=codes))
        bridges, networks = {}, []
        for province in sorted(units, key=lambda u: u.code):
            size = Unit.objects.filter(parent=province).count()
            bridges[province.pk], host = provincial_network(
                province, central=central, rooms=min(size, communes or size)
            )
            networks.append((province, host))
        rooms = commune_rooms(units, bridges, per_province=communes)
        checkins: list[CheckIn] = []
        joined = national_conferences(networks, checkins=checkins)
        briefed = provincial_briefings(networks, checkins=checkins)
        CheckIn.objects.bulk_create(checkins, batch_size=BATCH, ignore_conflicts=True)
    stdout.write(
        f"  national: {len(networks)} provinces, {rooms} commune rooms added, {joined} conference places and"
        f" {briefed} briefing places booked, {len(checkins)} check-ins"
    )
