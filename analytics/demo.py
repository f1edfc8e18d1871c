"""Demo step: what Lạng Sơn spent on its network and the meetings it held from 2010 until a year
ago, so the leaders' dashboard tells the whole story. Idempotent, deterministic.

- Investments: the 2010 province–district system (about Bắc Kạn's 3.6 billion VND), the 2018
  commune pilot, the 2019–2021 expansion to the communes, the 2025 rollout on the new tree.
- History, imported through the same service as a CSV upload (analytics/history.py): the Monday
  briefing of the province with its district halls from 2010 (communes join after the July 2025
  merger, when districts are gone), and from 2018 a monthly province–district–commune conference.
  Who takes part follows each endpoint's rollout history: only rooms in pilot or in service then.
- The last year is left to the Scheduling and Attendance demos, which run before this step.
"""

import bisect
import datetime as dt
import random
from collections import defaultdict

from django.contrib.auth.models import User
from django.core.management.base import OutputWrapper
from django.db.models import Min
from django.utils import timezone

from analytics.history import import_history_rows
from analytics.models import Investment
from rooms.models import Endpoint, EndpointStatus, Level, Meeting, ProvinceSettings, StatusChange

PROVINCE = "20"
SEED = 2010
REF = "demo-history"
MERGER = dt.date(2025, 7, 1)
BOOKABLE = {EndpointStatus.PILOT, EndpointStatus.IN_SERVICE}

INVESTMENTS = [
    (
        dt.date(2010, 3, 1),
        3_500_000_000,
        "Hệ thống hội nghị truyền hình tỉnh – 11 huyện, thành phố: MCU, thiết bị đầu cuối, đường truyền "
        "(tương tự hệ thống 3,6 tỷ đồng của Bắc Kạn)",
    ),
    (dt.date(2018, 3, 15), 1_320_000_000, "Thí điểm 22 điểm cầu cấp xã (60 triệu đồng/điểm)"),
    (dt.date(2019, 6, 3), 4_200_000_000, "Mở rộng điểm cầu đến UBND các xã, giai đoạn 2019–2021"),
    (
        dt.date(2025, 6, 16),
        2_800_000_000,
        "Triển khai trên cây hành chính mới: nâng cấp MCU, điểm cầu các xã, phường mới",
    ),
]


def load_investments(stdout: OutputWrapper) -> None:
    added = 0
    for day, amount, description in INVESTMENTS:
        _investment, created = Investment.objects.get_or_create(
            province_code=PROVINCE, date=day, defaults={"amount_vnd": amount, "description": description}
        )
        added += created
    stdout.write(f"  investments: {added} added")


class Rollout:
    """Each endpoint's status on any day, from its StatusChange history (one query)."""

    def __init__(self, endpoints: list[Endpoint]) -> None:
        self.changes: dict[int, tuple[list[dt.date], list[str]]] = defaultdict(lambda: ([], []))
        history = StatusChange.objects.filter(endpoint__in=endpoints).order_by("endpoint_id", "effective", "id")
        for endpoint_id, effective, status in history.values_list("endpoint_id", "effective", "status"):
            days, statuses = self.changes[endpoint_id]
            days.append(effective)
            statuses.append(status)

    def bookable(self, endpoint: Endpoint, day: dt.date) -> bool:
        days, statuses = self.changes.get(endpoint.pk, ([], []))
        position = bisect.bisect_right(days, day)
        return position > 0 and statuses[position - 1] in BOOKABLE


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def history_rows(*, host: Endpoint, districts: list[Endpoint], communes: list[Endpoint], until: dt.date) -> list:
    """The CSV rows of every demo meeting before `until`, as (row number, {column: text})."""
    rng = random.Random(SEED)
    rollout = Rollout([host, *districts, *communes])
    rows: list[tuple[int, dict[str, str]]] = []

    def meeting(ref: str, title: str, start: dt.datetime, minutes: int, rooms: list[Endpoint], heads: range) -> None:
        end = start + dt.timedelta(minutes=minutes)
        for room in [host, *rooms]:
            # About one room in twenty is booked but never connects (line down, nobody there).
            absent = room is not host and rng.random() < 0.05
            attendees = (
                "" if absent else str(rng.randint(15, 40) if room is host else rng.randint(heads.start, heads.stop))
            )
            rows.append(
                (
                    len(rows) + 2,
                    {
                        "meeting_ref": ref,
                        "title": title,
                        "start": start.isoformat(),
                        "end": end.isoformat(),
                        "host_endpoint": f"id:{host.pk}",
                        "endpoint": f"id:{room.pk}",
                        "attendees": attendees,
                    },
                )
            )

    # The Monday briefing: province and districts (communes after the merger), most weeks.
    day = dt.date(2010, 3, 1)
    while day < until:
        if rng.random() < 0.85:
            short = rng.random() < 0.02  # a test call that never became a meeting: under the minimum
            on = [e for e in (communes if day >= MERGER else districts) if rollout.bookable(e, day)]
            if on and rollout.bookable(host, day):
                title = "Kiểm tra kết nối" if short else "Giao ban trực tuyến UBND tỉnh"
                meeting(f"{REF}-giao-ban-{day}", title, local(day, 7, 30), 20 if short else 120, on, range(2, 8))
        day += dt.timedelta(days=7)
    # The monthly conference to commune level, from the 2018 pilot: the second Thursday.
    month = dt.date(2018, 4, 1)
    while month < until:
        thursday = month + dt.timedelta(days=(3 - month.weekday()) % 7 + 7)
        rooms = [e for e in districts + communes if rollout.bookable(e, thursday)]
        if thursday < until and rooms:
            title = "Hội nghị trực tuyến tỉnh – huyện – xã" if thursday < MERGER else "Hội nghị trực tuyến tỉnh – xã"
            meeting(f"{REF}-hoi-nghi-{thursday}", title, local(thursday, 8), 210, rooms, range(2, 5))
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return rows


def history_until() -> dt.date:
    """A year ago, or earlier if the Scheduling demo's meetings start before that."""
    today = timezone.localdate()
    first_booked = Meeting.objects.filter(imported=False).aggregate(first=Min("start"))["first"]
    until = today - dt.timedelta(days=365)
    if first_booked is not None:
        until = min(until, timezone.localtime(first_booked).date())
    return until


def load(*, stdout: OutputWrapper) -> None:
    load_investments(stdout)
    settings = ProvinceSettings.objects.filter(province_code=PROVINCE).select_related("host").first()
    organizer = User.objects.filter(username="admin").first() or User.objects.filter(is_superuser=True).first()
    if settings is None or settings.host is None or organizer is None:
        stdout.write("  history: skipped (run the units and users steps first)")
        return
    endpoints = Endpoint.objects.exclude(pk=settings.host.pk).order_by("pk")
    districts = list(endpoints.filter(unit__level=Level.DISTRICT, unit__parent__code=PROVINCE))
    communes = list(
        endpoints.filter(unit__level=Level.COMMUNE, unit__parent__code=PROVINCE)
        | endpoints.filter(unit__level=Level.COMMUNE, unit__parent__parent__code=PROVINCE)
    )
    rows = history_rows(host=settings.host, districts=districts, communes=communes, until=history_until())
    refs = {values["meeting_ref"] for _number, values in rows}
    done = set(Meeting.objects.filter(uid__startswith=REF).values_list("uid", flat=True))
    new_rows = [(number, values) for number, values in rows if values["meeting_ref"] not in done]
    if not new_rows:
        stdout.write(f"  history: {len(refs)} meetings already there")
        return
    result = import_history_rows(rows=new_rows, by=organizer)
    summary = result.as_dict()
    stdout.write(
        f"  history: {summary['meetings']} meetings, {summary['participations']} participations, "
        f"{summary['checkins']} check-ins since 2010"
    )
