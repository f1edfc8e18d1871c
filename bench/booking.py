"""Benchmark: booking a 250-endpoint meeting in a database holding 100,000 participations.

    .venv/bin/python bench/booking.py                      # SQLite and PostgreSQL
    .venv/bin/python bench/booking.py --database sqlite --runs 50

Fills a temporary database (SQLite file /tmp/vconf_bench_h4.sqlite3, or the PostgreSQL database
vconf_bench_h4 on 127.0.0.1, both removed afterwards) with 2,000 endpoints and 5,000 meetings of 20
endpoints each (100,000 participations, no overlap), then books meetings of 250 of those endpoints
(plus the host) through `POST /api/meetings/` — the whole request: authentication, validation,
scope, locks, conflict and bridge checks, inserts, commit — each at a free time among their
existing bookings. Figures: median and p95 server time (goal p50 ≤ 100 ms), and the ratio to the
bare minimum in raw SQL — the same meeting and 251 participation rows inserted plus one overlap
query, in one transaction (goal ≤ 3×).
"""

import os
import statistics
import time
from datetime import datetime, timedelta

from scratch import Scratch, arguments, percentile

SCRATCH = Scratch(os.environ.get("BENCH_DB", "vconf_bench_h4"))  # BENCH_DB: a scratch name of your own
ENDPOINTS, PER_MEETING, MEETINGS, BOOKED = 2000, 20, 5000, 250


def fill(now: datetime) -> dict:
    """2,000 endpoints in 100 groups of 20; each group meets every day at 09:00 for 50 days."""
    from django.contrib.auth.models import Group, User

    from rooms.models import Bridge, Endpoint, Level, Meeting, Participation, Profile, Structure, Unit

    province = Unit.objects.create(structure=Structure.CURRENT, code="20", name="Tỉnh", level=Level.PROVINCE)
    communes = Unit.objects.bulk_create(
        Unit(structure=Structure.CURRENT, code=f"{10000 + i}", name=f"Xã {i}", level=Level.COMMUNE, parent=province)
        for i in range(ENDPOINTS)
    )
    bridge = Bridge.objects.create(name="MCU", ports=400)
    endpoints = Endpoint.objects.bulk_create(
        Endpoint(name=f"UBND xã {i}", unit=u, status="in_service", bridge=bridge, feed_token=f"t{i}")
        for i, u in enumerate(communes)
    )
    host = Endpoint.objects.create(name="Hội trường tỉnh", unit=province, status="in_service", bridge=bridge)
    staff = User.objects.create_user("vanphong", password="x")
    staff.groups.add(Group.objects.get(name="staff"))
    Profile.objects.create(user=staff, home_unit=province)
    day0 = now.replace(hour=2, minute=0, second=0, microsecond=0) + timedelta(days=1)
    groups = [endpoints[g * PER_MEETING : (g + 1) * PER_MEETING] for g in range(ENDPOINTS // PER_MEETING)]
    meetings = Meeting.objects.bulk_create(
        Meeting(
            uid=f"m{g}-{d}",
            title="Họp",
            host=group[0],
            bridge=bridge,
            start=day0 + timedelta(days=d),
            end=day0 + timedelta(days=d, hours=1),
            organizer=staff,
        )
        for g, group in enumerate(groups)
        for d in range(MEETINGS // len(groups))
    )
    per_group = MEETINGS // len(groups)
    rows = (
        Participation(meeting=m, endpoint=e, is_host=e is groups[i // per_group][0], start=m.start, end=m.end)
        for i, m in enumerate(meetings)
        for e in groups[i // per_group]
    )
    Participation.objects.bulk_create(rows, batch_size=5000)
    return {"staff": staff, "host": host, "endpoints": endpoints[:BOOKED], "day0": day0, "bridge": bridge}


def raw_booking(
    cursor: object, *, slot: datetime, ids: list[int], host_id: int, bridge_id: int, user_id: int, n: int, now: datetime
) -> None:
    from django.db import connection

    # Times as the schema stores them (on SQLite: naive UTC text), as any SQL on it must write them.
    end = connection.ops.adapt_datetimefield_value(slot + timedelta(minutes=30))
    slot = connection.ops.adapt_datetimefield_value(slot)
    now = connection.ops.adapt_datetimefield_value(now)
    cursor.execute(
        "SELECT endpoint_id, meeting_id FROM rooms_participation WHERE endpoint_id IN ({}) AND active "
        'AND "start" < %s AND "end" > %s'.format(",".join(["%s"] * len(ids))),
        [*ids, end, slot],
    )
    cursor.fetchall()
    cursor.execute(
        'INSERT INTO rooms_meeting (uid, title, description, host_id, bridge_id, start, "end", organizer_id, '
        "status, sequence, imported, invitations_unsent, holiday_override_reason, created_at, updated_at) "
        "VALUES (%s, %s, '', %s, %s, %s, %s, "
        "%s, 'scheduled', 0, false, '', '', %s, %s)",
        [f"raw-{n}", "Raw", host_id, bridge_id, slot, end, user_id, now, now],
    )
    cursor.execute("SELECT id FROM rooms_meeting WHERE uid = %s", [f"raw-{n}"])
    meeting_id = cursor.fetchone()[0]
    rows = [(meeting_id, pk, pk == host_id, slot, end) for pk in [host_id, *ids]]
    # One multi-row INSERT, the fastest plain SQL (what bulk_create does too).
    cursor.execute(
        'INSERT INTO rooms_participation (meeting_id, endpoint_id, is_host, start, "end", active) VALUES '
        + ",".join(["(%s, %s, %s, %s, %s, true)"] * len(rows)),
        [value for row in rows for value in row],
    )


def child(database: str, runs: int) -> None:
    SCRATCH.setup_django(database)
    from django.core.management import call_command
    from django.db import connection, transaction
    from rest_framework.test import APIClient

    from rooms.models import Participation
    from vconf import clock

    call_command("migrate", verbosity=0)
    now = clock.now()
    started = time.perf_counter()
    data = fill(now)
    took = time.perf_counter() - started
    print(f"  {database}: filled {Participation.objects.count():,} participations in {took:.1f} s")
    client = APIClient()
    client.force_authenticate(data["staff"])
    ids = [e.pk for e in data["endpoints"]]
    # Free slots: 10:00, 10:30, ... on days that hold the 09:00 meetings of these endpoints. The
    # API and the raw SQL take turns, so both see the same machine (and the same load on it).
    slots = [data["day0"] + timedelta(days=d, hours=1 + 0.5 * k) for d in range(60) for k in range(4)]
    api_times: list[float] = []
    raw_times: list[float] = []
    for n in range(runs + 3):
        api_slot, raw_slot = slots[2 * n], slots[2 * n + 1]
        body = {
            "title": f"Họp {n}",
            "start": api_slot.isoformat(),
            "end": (api_slot + timedelta(minutes=30)).isoformat(),
            "host": data["host"].pk,
            "endpoints": ids,
        }
        t0 = time.perf_counter()
        response = client.post("/api/meetings/", body, format="json")
        api_elapsed = time.perf_counter() - t0
        assert response.status_code == 201, (n, response.content[:500])
        t0 = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            raw_booking(
                cursor,
                slot=raw_slot,
                ids=ids,
                host_id=data["host"].pk,
                bridge_id=data["bridge"].pk,
                user_id=data["staff"].pk,
                n=n,
                now=now,
            )
        raw_elapsed = time.perf_counter() - t0
        if n >= 3:  # the first rounds warm caches and connections
            api_times.append(api_elapsed)
            raw_times.append(raw_elapsed)
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        from django.test.utils import CaptureQueriesContext

        slot = slots[-1]
        body = {
            "title": "P",
            "start": slot.isoformat(),
            "end": (slot + timedelta(minutes=30)).isoformat(),
            "host": data["host"].pk,
            "endpoints": ids,
        }
        profile = cProfile.Profile()
        with CaptureQueriesContext(connection) as queries:
            profile.runcall(client.post, "/api/meetings/", body, format="json")
        for q in queries.captured_queries:
            print(f"    {q['time']}  {q['sql'][:150]}")
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
    p50, p95, raw = statistics.median(api_times), percentile(api_times, 0.95), statistics.median(raw_times)
    print(
        f"  {database}: POST /api/meetings/ with {BOOKED} endpoints: p50 {p50 * 1000:.1f} ms, "
        f"p95 {p95 * 1000:.1f} ms (goal p50 ≤ 100 ms) over {len(api_times)} bookings"
    )
    print(
        f"  {database}: raw SQL (insert + overlap query): p50 {raw * 1000:.1f} ms; ratio {p50 / raw:.2f}× (goal ≤ 3×)"
    )


def main() -> None:
    args = arguments(__doc__.split("\n")[0], runs=30)
    if args.child:
        child(args.child, args.runs)
        return
    print(
        f"Booking a {BOOKED}-endpoint meeting among {ENDPOINTS * MEETINGS // (ENDPOINTS // PER_MEETING):,} "
        "participations"
    )
    SCRATCH.run_children(__file__, args.database, args.runs)


if __name__ == "__main__":
    main()
