"""Benchmark: booking the 3,356-room national conference over 35 cascaded MCUs, among 1,000,000 participations.

    .venv/bin/python bench/national_booking.py                 # PostgreSQL (+ Redis if REDIS_URL is set)
    .venv/bin/python bench/national_booking.py --runs 10

Fills the scratch PostgreSQL database vconf_bench_cascade_national (removed afterwards) with the country:
VN, 34 provinces, 3,321 communes (about 98 per province); a central MCU (34 links + central rooms)
and 34 provincial MCUs cascaded to it, each sized for its communes; the Government hall and two
central rooms, 34 provincial halls and 3,321 commune rooms. Background: every province's communes
meet in groups of 20 twice a day (07:00 and 10:30) for 151 days, about 1,000,000 participations,
written by bulk SQL (INSERT … SELECT), not row by row.

Then books, through `POST /api/meetings/` as the Government office (the whole request:
authentication, validation, scope, locks of all 35 bridges and 3,356 endpoints, the endpoint
conflict check, the per-bridge port check over the cascade, inserts, commit), the national
conference at 09:00 on successive days: the Government hall hosting 34 provincial halls and 3,321
communes. Figures: p50 and p95 (goal p50 ≤ 500 ms), and the ratio to the raw-SQL floor — the
meeting and its 3,356 participations inserted, one overlap query over the endpoints and one query
summing the other meetings' ports per bridge, in one transaction (goal ≤ 3×).
"""

import os
import statistics
import sys
import time
from datetime import datetime, timedelta

from scratch import ROOT, Scratch, arguments, percentile

# BENCH_DB: another scratch name, so two people measuring on one server do not share a database.
SCRATCH = Scratch(os.environ.get("BENCH_DB", "vconf_bench_cascade_national"))
PROVINCES, COMMUNES, GROUP, DAYS = 34, 3321, 20, 151


def setup_django() -> None:
    """Like Scratch.setup_django, but keeps REDIS_URL: the booking's cache touches go to Redis."""
    os.environ.update(
        DATABASE_URL=SCRATCH.url("postgres"),
        DJANGO_SETTINGS_MODULE="vconf.settings",
        AXES_ENABLED="0",
        LOG_LEVEL="ERROR",
    )
    os.environ.setdefault("REDIS_PREFIX", "bench-national")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def country() -> dict:
    """Units, bridges, endpoints and the Government office's user; returns what the runs need."""
    from django.contrib.auth.models import Group, User

    from rooms.models import Bridge, Endpoint, Level, Profile, Structure, Unit

    cur = Structure.CURRENT
    vn = Unit.objects.create(structure=cur, code="VN", name="Việt Nam", level=Level.COUNTRY)
    provinces = Unit.objects.bulk_create(
        Unit(structure=cur, code=f"{p + 1:02d}", name=f"Tỉnh {p + 1}", level=Level.PROVINCE, parent=vn)
        for p in range(PROVINCES)
    )
    share = [COMMUNES // PROVINCES + (p < COMMUNES % PROVINCES) for p in range(PROVINCES)]
    communes = Unit.objects.bulk_create(
        Unit(structure=cur, code=f"{10000 + p * 200 + i}", name=f"Xã {p}-{i}", level=Level.COMMUNE, parent=province)
        for p, province in enumerate(provinces)
        for i in range(share[p])
    )
    central = Bridge.objects.create(name="MCU trung ương", ports=PROVINCES + 16, unit=vn)
    mcus = Bridge.objects.bulk_create(
        Bridge(name=f"MCU tỉnh {p + 1}", ports=share[p] + 12, parent=central, unit=province)
        for p, province in enumerate(provinces)
    )
    mcu_of = {province.pk: mcu for province, mcu in zip(provinces, mcus, strict=True)}
    ok = {"status": "in_service"}
    gov = Endpoint.objects.create(name="Hội trường Chính phủ", unit=vn, bridge=central, **ok)
    Endpoint.objects.bulk_create(
        Endpoint(name=f"Phòng họp trung ương {i}", unit=vn, bridge=central, feed_token=f"vn{i}", **ok) for i in (1, 2)
    )
    halls = Endpoint.objects.bulk_create(
        Endpoint(name=f"Hội trường {p.name}", unit=p, bridge=mcu_of[p.pk], feed_token=f"h{p.pk}", **ok)
        for p in provinces
    )
    rooms = Endpoint.objects.bulk_create(
        Endpoint(name=f"UBND {c.name}", unit=c, bridge=mcu_of[c.parent_id], feed_token=f"c{c.pk}", **ok)
        for c in communes
    )
    staff = User.objects.create_user("vpcp", password="x")
    staff.groups.add(Group.objects.get(name="staff"))
    Profile.objects.create(user=staff, home_unit=vn)
    return {"staff": staff, "host": gov, "endpoints": [*halls, *rooms], "bridges": 1 + len(mcus)}


def background(day0: datetime, organizer_id: int) -> None:
    """Groups of 20 communes of one province meet at 07:00 and 10:30 (local) for DAYS days, from
    75 days ago: meetings by bulk_create, their participations by one INSERT … SELECT."""
    from django.db import connection

    from rooms.models import Endpoint, Meeting

    by_province: dict[int, list[tuple[int, int]]] = {}
    for pk, unit_parent, bridge in Endpoint.objects.filter(unit__level="commune").values_list(
        "pk", "unit__parent_id", "bridge_id"
    ):
        by_province.setdefault(unit_parent, []).append((pk, bridge))
    groups = [rows[i : i + GROUP] for rows in by_province.values() for i in range(0, len(rows), GROUP)]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_group (host_id integer, endpoint_id integer)")
        cursor.execute(
            "INSERT INTO bench_group VALUES " + ",".join(["(%s, %s)"] * sum(map(len, groups))),
            [v for g in groups for pk, _b in g for v in (g[0][0], pk)],
        )
    first = day0 - timedelta(days=75)
    starts = [first + timedelta(days=d, hours=h) for d in range(DAYS) for h in (-2, 1.5)]
    for start in starts:
        Meeting.objects.bulk_create(
            Meeting(
                uid=f"bg-{g[0][0]}-{start:%Y%m%d%H%M}",
                title="Giao ban",
                host_id=g[0][0],
                bridge_id=g[0][1],
                start=start,
                end=start + timedelta(hours=1),
                organizer_id=organizer_id,
            )
            for g in groups
        )
    with connection.cursor() as cursor:
        cursor.execute(
            'INSERT INTO rooms_participation (meeting_id, endpoint_id, is_host, start, "end", active) '
            'SELECT m.id, g.endpoint_id, g.endpoint_id = m.host_id, m.start, m."end", true '
            "FROM rooms_meeting m JOIN bench_group g ON g.host_id = m.host_id"
        )
        cursor.execute("DROP TABLE bench_group")
        cursor.execute("ANALYZE")


def raw_booking(cursor: object, *, slot: datetime, ids: list[int], host_id: int, user_id: int, n: int) -> None:
    """The floor: what any implementation must do, in plain SQL."""
    end = slot + timedelta(hours=1)
    marks = ",".join(["%s"] * len(ids))
    cursor.execute(  # type: ignore[attr-defined]
        f"SELECT endpoint_id, meeting_id FROM rooms_participation WHERE endpoint_id IN ({marks}) AND active "
        'AND "start" < %s AND "end" > %s',
        [*ids, end, slot],
    )
    cursor.fetchall()  # type: ignore[attr-defined]
    cursor.execute(  # type: ignore[attr-defined]
        "SELECT p.meeting_id, m.bridge_id, e.bridge_id, count(*) FROM rooms_participation p "
        "JOIN rooms_meeting m ON m.id = p.meeting_id JOIN rooms_endpoint e ON e.id = p.endpoint_id "
        "WHERE p.active AND m.status = 'scheduled' AND m.start < %s AND m.\"end\" > %s AND m.start > %s "
        "GROUP BY p.meeting_id, m.bridge_id, e.bridge_id",
        [end, slot, slot - timedelta(hours=24)],
    )
    cursor.fetchall()  # type: ignore[attr-defined]
    cursor.execute(  # type: ignore[attr-defined]
        'INSERT INTO rooms_meeting (uid, title, description, host_id, bridge_id, start, "end", organizer_id, '
        "status, sequence, imported, invitations_unsent, holiday_override_reason, created_at, updated_at) "
        "VALUES (%s, 'Raw', '', %s, NULL, "
        "%s, %s, %s, 'scheduled', 0, false, '', '', now(), now()) RETURNING id",
        [f"raw-{n}", host_id, slot, end, user_id],
    )
    meeting_id = cursor.fetchone()[0]  # type: ignore[attr-defined]
    rows = [(meeting_id, pk, pk == host_id, slot, end) for pk in [host_id, *ids]]
    cursor.execute(  # type: ignore[attr-defined]
        'INSERT INTO rooms_participation (meeting_id, endpoint_id, is_host, start, "end", active) VALUES '
        + ",".join(["(%s, %s, %s, %s, %s, true)"] * len(rows)),
        [value for row in rows for value in row],
    )


def child(runs: int) -> None:
    setup_django()
    from django.core.management import call_command
    from django.db import connection, transaction
    from rest_framework.test import APIClient

    from rooms.models import Participation
    from vconf import clock

    call_command("migrate", verbosity=0)
    now = clock.now()
    # 09:00 in Hanoi tomorrow (02:00 UTC).
    day0 = now.replace(hour=2, minute=0, second=0, microsecond=0) + timedelta(days=1)
    started = time.perf_counter()
    data = country()
    background(day0, data["staff"].pk)
    took = time.perf_counter() - started
    print(f"  postgres: filled {Participation.objects.count():,} participations in {took:.1f} s")
    client = APIClient()
    client.force_authenticate(data["staff"])
    ids = [e.pk for e in data["endpoints"]]
    api_times: list[float] = []
    raw_times: list[float] = []
    for n in range(runs + 2):
        api_slot, raw_slot = day0 + timedelta(days=2 * n), day0 + timedelta(days=2 * n + 1)
        body = {
            "title": f"Hội nghị trực tuyến toàn quốc {n}",
            "start": api_slot.isoformat(),
            "end": (api_slot + timedelta(hours=1)).isoformat(),
            "host": data["host"].pk,
            "endpoints": ids,
        }
        t0 = time.perf_counter()
        response = client.post("/api/meetings/", body, format="json")
        api_elapsed = time.perf_counter() - t0
        assert response.status_code == 201, (n, response.content[:500])
        assert len(response.json()["bridges"]) == data["bridges"]
        t0 = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            raw_booking(cursor, slot=raw_slot, ids=ids, host_id=data["host"].pk, user_id=data["staff"].pk, n=n)
        raw_elapsed = time.perf_counter() - t0
        if n >= 2:  # the first rounds warm caches and connections
            api_times.append(api_elapsed)
            raw_times.append(raw_elapsed)
    if os.environ.get("BENCH_PROFILE"):
        profile(
            client,
            body={
                **body,
                "start": (api_slot + timedelta(days=2)).isoformat(),
                "end": (api_slot + timedelta(days=2, hours=1)).isoformat(),
            },
        )
    p50, p95, raw = statistics.median(api_times), percentile(api_times, 0.95), statistics.median(raw_times)
    print(
        f"  postgres: POST /api/meetings/ with {len(ids) + 1:,} rooms over {data['bridges']} bridges: "
        f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms (goal p50 ≤ 500 ms) over {len(api_times)} bookings"
    )
    print(f"  postgres: raw SQL floor: p50 {raw * 1000:.0f} ms; ratio {p50 / raw:.2f}× (goal ≤ 3×)")


def profile(client: object, *, body: dict) -> None:
    """One more booking with its queries timed and the Python profile's top entries."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    runner = cProfile.Profile()
    with CaptureQueriesContext(connection) as queries:
        runner.runcall(client.post, "/api/meetings/", body, format="json")  # type: ignore[attr-defined]
    for q in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:12]:
        print(f"    {q['time']}  {q['sql'][:140]}")
    print(
        f"    {len(queries.captured_queries)} queries, {sum(float(q['time']) for q in queries.captured_queries):.3f} s"
    )
    pstats.Stats(runner).sort_stats("cumulative").print_stats(25)


def main() -> None:
    args = arguments(__doc__.split("\n")[0], runs=15)
    if args.child:
        child(args.runs)
        return
    print("Booking the national conference (3,356 rooms, 35 MCUs) among ~1,000,000 participations")
    SCRATCH.run_children(__file__, "postgres", args.runs)


if __name__ == "__main__":
    main()
