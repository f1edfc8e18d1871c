"""Benchmark: an endpoint's calendar feed of 500 events, and the repeat request answered 304.

    .venv/bin/python bench/feeds.py                        # SQLite and PostgreSQL
    .venv/bin/python bench/feeds.py --database sqlite --runs 30

Books 500 meetings of one endpoint (one a day, from 170 days ago on) into a temporary database
(SQLite file /tmp/vconf_bench_h4_feeds.sqlite3, or the PostgreSQL database vconf_bench_h4_feeds,
removed afterwards), then times `GET /api/endpoints/<id>/calendar.ics?token=...`:
- rendered afresh (the cache emptied before each request), against a bare `icalendar`
  serialisation of the same 500 events from rows already in memory (goal ≤ 1.5×);
- repeated with the ETag in If-None-Match, answered 304 from the cache (goal ≤ 5 ms).
"""

import statistics
import time
from datetime import timedelta

from scratch import Scratch, arguments

SCRATCH = Scratch("vconf_bench_h4_feeds")
EVENTS = 500


def fill() -> object:
    from django.contrib.auth.models import User

    from rooms.models import Bridge, Endpoint, Level, Meeting, Participation, Structure, Unit
    from vconf import clock

    province = Unit.objects.create(structure=Structure.CURRENT, code="20", name="Tỉnh Lạng Sơn", level=Level.PROVINCE)
    commune = Unit.objects.create(
        structure=Structure.CURRENT, code="06001", name="Xã Đoàn Kết", level=Level.COMMUNE, parent=province
    )
    bridge = Bridge.objects.create(name="MCU UBND tỉnh", ports=120, dial_address="sip:mcu@langson.example.vn")
    host = Endpoint.objects.create(
        name="Hội trường UBND tỉnh",
        unit=province,
        status="in_service",
        bridge=bridge,
        dial_address="sip:hoitruong@langson.example.vn",
    )
    room = Endpoint.objects.create(name="UBND xã Đoàn Kết", unit=commune, status="in_service", bridge=bridge)
    organizer = User.objects.create_user("vanphong", password="x", email="vanphong@langson.example.vn")
    first = clock.now().replace(hour=2, minute=0, second=0, microsecond=0) - timedelta(days=170)
    meetings = Meeting.objects.bulk_create(
        Meeting(
            uid=f"bench-{i}@vconf",
            title=f"Giao ban số {i}",
            host=host,
            bridge=bridge,
            organizer=organizer,
            start=first + timedelta(days=i),
            end=first + timedelta(days=i, minutes=90),
            sequence=i % 3,
        )
        for i in range(EVENTS)
    )
    Participation.objects.bulk_create(
        Participation(meeting=m, endpoint=e, is_host=e is host, start=m.start, end=m.end)
        for m in meetings
        for e in (host, room)
    )
    return room


def bare_icalendar(rows: list[tuple]) -> bytes:
    """The same events with icalendar alone: no database, no view, no cache."""
    import icalendar

    from rooms.ical import LOCAL, vtimezone

    cal = icalendar.Calendar()
    cal.add("prodid", "-//bench//EN")
    cal.add("version", "2.0")
    cal.add_component(vtimezone())
    for uid, sequence, stamp, start, end, title, location, url, description in rows:
        event = icalendar.Event()
        event.add("uid", uid)
        event.add("sequence", sequence)
        event.add("dtstamp", stamp)
        event.add("dtstart", start.astimezone(LOCAL))
        event.add("dtend", end.astimezone(LOCAL))
        event.add("summary", title)
        event.add("location", location)
        event.add("status", "CONFIRMED")
        event.add("url", url)
        event.add("description", description)
        cal.add_component(event)
    return cal.to_ical()


def child(database: str, runs: int) -> None:
    SCRATCH.setup_django(database)
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client

    from rooms.models import Meeting

    call_command("migrate", verbosity=0)
    room = fill()
    url = f"/api/endpoints/{room.pk}/calendar.ics?token={room.feed_token}"
    client = Client()
    rows = [
        (
            m.uid,
            m.sequence,
            m.updated_at,
            m.start,
            m.end,
            m.title,
            m.host.name,
            f"http://x/lich-hop/{m.pk}/",
            f"Điểm cầu chủ trì: {m.host.name} — {m.host.dial_address}\n"
            f"Cầu MCU: {m.bridge.name} — {m.bridge.dial_address}",
        )
        for m in Meeting.objects.select_related("host", "bridge").order_by("start")
    ]
    # The view and the bare serialisation take turns, so both see the same machine load.
    cold: list[float] = []
    bare: list[float] = []
    for n in range(runs + 2):
        cache.clear()
        t0 = time.perf_counter()
        response = client.get(url)
        feed_elapsed = time.perf_counter() - t0
        assert response.status_code == 200
        t0 = time.perf_counter()
        bare_icalendar(rows)
        bare_elapsed = time.perf_counter() - t0
        if n >= 2:
            cold.append(feed_elapsed)
            bare.append(bare_elapsed)
    assert response.content.count(b"BEGIN:VEVENT") == EVENTS
    etag = response["ETag"]
    repeat: list[float] = []
    for _ in range(200):
        t0 = time.perf_counter()
        again = client.get(url, HTTP_IF_NONE_MATCH=etag)
        repeat.append(time.perf_counter() - t0)
        assert again.status_code == 304
    feed, baseline, hit = statistics.median(cold), statistics.median(bare), statistics.median(repeat)
    print(
        f"  {database}: feed of {EVENTS} events rendered afresh: p50 {feed * 1000:.1f} ms; bare icalendar "
        f"{baseline * 1000:.1f} ms; ratio {feed / baseline:.2f}× (goal ≤ 1.5×)"
    )
    print(f"  {database}: repeat with If-None-Match → 304: p50 {hit * 1000:.2f} ms (goal ≤ 5 ms)")


def main() -> None:
    args = arguments(__doc__.split("\n")[0], runs=20)
    if args.child:
        child(args.child, args.runs)
        return
    print(f"Calendar feed of one endpoint with {EVENTS} meetings")
    SCRATCH.run_children(__file__, args.database, args.runs)


if __name__ == "__main__":
    main()
