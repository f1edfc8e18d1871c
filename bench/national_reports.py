"""Benchmark: the national savings report, `group_by=province,month` over 5,000,000 participations.

    nice -n 10 .venv/bin/python bench/national_reports.py                 # PostgreSQL, 5,000,000
    .venv/bin/python bench/national_reports.py --participations 500000    # a quicker look

The fixture is the national network: VN, 34 provinces, 3,321 communes, a room at each (the
Government hall, 34 provincial halls, the commune rooms), five years of provincial meetings
(a provincial hall with its communes) and national conferences (every room), one head count per
attended participation. It is written with bulk SQL (INSERT ... SELECT generate_series) into a
scratch PostgreSQL database (vconf_bench_natadmin), then a fresh process times
`GET /api/reports/savings/?group_by=province,month` (goal ≤ 2 s) and its peak memory (goal ≤ 2 GB:
the process's peak RSS by resource.getrusage, and tracemalloc's peak of one call).
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from importlib import import_module

from scratch import Scratch

# BENCH_DATABASE names the scratch database, so parallel runs do not drop each other's.
SCRATCH = Scratch(os.environ.get("BENCH_DATABASE", "vconf_bench_natadmin"))
PROVINCES, COMMUNES, DAYS = 34, 3321, 5 * 365
FIRST_DAY = "2021-01-04"
QUERY = {"group_by": "province,month", "start": "2021-01-01", "end": "2025-12-31"}
GOAL_SECONDS, GOAL_MB = 2.0, 2048

# Units: 1 = VN, 2..35 the provinces, then the communes (each under province 2 + n % 34).
# Endpoints share the unit ids: 1 the Government hall, 2..35 the provincial halls, then communes.
UNITS = f"""
INSERT INTO rooms_unit (id, structure, code, name, level, parent_id, lat, lon, especially_difficult, island)
SELECT 1, 'current', 'VN', 'Việt Nam', 'country', NULL, 21.03, 105.85, FALSE, FALSE
UNION ALL
SELECT 1 + p, 'current', lpad(p::text, 2, '0'), 'Tỉnh ' || p, 'province', 1, 21.0, 105.8, FALSE, FALSE
FROM generate_series(1, {PROVINCES}) AS p
UNION ALL
SELECT {PROVINCES + 1} + c, 'current', lpad(c::text, 5, '0'), 'Xã ' || c, 'commune', 2 + c % {PROVINCES},
       21.0, 105.8, c % 5 = 0, FALSE
FROM generate_series(1, {COMMUNES}) AS c
"""
ENDPOINTS = """
INSERT INTO rooms_endpoint (id, name, unit_id, road_km, seats, dial_address, connection, status, status_since,
                            feed_token, created_at, travel_mode)
SELECT id, 'Phòng họp ' || code, id, CASE WHEN id = 1 THEN 0 ELSE round((2 + random() * 150)::numeric, 1) END,
       30, '', 'government_network', 'in_service', DATE '2020-01-01', 't' || id, now(), 'road'
FROM rooms_unit
"""
# Provincial meeting k of province p on day k at 08:00; national conference n on day 6n at 14:00.
MEETINGS = f"""
INSERT INTO rooms_meeting (id, uid, title, description, host_id, start, "end", organizer_id, status, sequence,
                           imported, invitations_unsent, holiday_override_reason, created_at, updated_at)
SELECT row_number() OVER (ORDER BY day, host), 'bench-' || host || '-' || day, 'Họp', '', host,
       TIMESTAMPTZ '{FIRST_DAY} 01:00+00' + day * INTERVAL '1 day' + hour * INTERVAL '1 hour',
       TIMESTAMPTZ '{FIRST_DAY} 01:00+00' + day * INTERVAL '1 day' + (hour + 2) * INTERVAL '1 hour',
       1, 'scheduled', 0, FALSE, '', '', now(), now()
FROM (
    SELECT 1 + p AS host, k AS day, 0 AS hour
    FROM generate_series(1, {PROVINCES}) AS p, generate_series(0, %(provincial)s - 1) AS k
    UNION ALL
    SELECT 1, 6 * n, 6 FROM generate_series(0, %(national)s - 1) AS n
) AS planned
"""
PARTICIPATIONS = f"""
INSERT INTO rooms_participation (meeting_id, endpoint_id, is_host, start, "end", active)
SELECT m.id, e.id, e.id = 1, m.start, m."end", TRUE
FROM rooms_meeting m CROSS JOIN rooms_endpoint e WHERE m.host_id = 1
UNION ALL
SELECT m.id, m.host_id, TRUE, m.start, m."end", TRUE FROM rooms_meeting m WHERE m.host_id <> 1
UNION ALL
SELECT m.id, e.id, FALSE, m.start, m."end", TRUE
FROM rooms_meeting m JOIN rooms_endpoint e
  ON e.id > {PROVINCES + 1} AND 2 + (e.id - {PROVINCES + 1}) % {PROVINCES} = m.host_id
"""
# 95% of participations check in, with 1 to 8 people.
CHECKINS = """
INSERT INTO rooms_checkin (meeting_id, endpoint_id, kind, attendees, issue_type, note, client_id, "at")
SELECT meeting_id, endpoint_id, 'in', 1 + (random() * 7)::int, '', '', md5(id::text)::uuid, start
FROM rooms_participation WHERE random() < 0.95
"""


def generate(participations: int) -> dict:
    from django.core.management import call_command
    from django.db import connection, transaction

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    per_national = 1 + PROVINCES + COMMUNES
    per_provincial = 1 + COMMUNES / PROVINCES
    national = max(1, round(participations * 0.2 / per_national))
    provincial = min(DAYS, round((participations - national * per_national) / per_provincial / PROVINCES))
    guard = import_module("rooms.migrations.0002_no_overlapping_bookings")
    heads = import_module("rooms.migrations.0003_head_counts")
    with transaction.atomic(), connection.cursor() as cursor:
        # The meetings are planned not to overlap, so the no-overlap guard is dropped for the load
        # (the scratch database is dropped afterwards); head counts are filled in one statement.
        cursor.execute(guard.POSTGRES_DROP)
        for sql in heads.POSTGRES_DROP:
            cursor.execute(sql)
        cursor.execute(
            "INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email, is_staff,"
            " is_active, date_joined) VALUES (1, '!', TRUE, 'bench', '', '', '', TRUE, TRUE, now())"
        )
        for sql in (UNITS, ENDPOINTS):
            cursor.execute(sql)
        cursor.execute(MEETINGS, {"provincial": provincial, "national": national})
        cursor.execute(PARTICIPATIONS)
        cursor.execute(CHECKINS)
        cursor.execute(heads.BACKFILL)
        for table in ("rooms_unit", "rooms_endpoint", "rooms_meeting"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        counts = {}
        for table in ("rooms_meeting", "rooms_participation", "rooms_headcount"):
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            counts[table.removeprefix("rooms_")] = cursor.fetchone()[0]
    return {**counts, "seconds": round(time.perf_counter() - started, 1)}


def measure(runs: int) -> dict:
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client()
    client.force_login(User.objects.get(username="bench"))
    first = client.get("/api/reports/savings/", QUERY)
    assert first.status_code == 200, first.content[:500]
    body = first.json()
    times, cpu = [], []
    for _ in range(runs):
        started, used = time.perf_counter(), time.process_time()
        assert client.get("/api/reports/savings/", QUERY).status_code == 200
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    fetch = fetch_times(runs)
    tracemalloc.start()
    client.get("/api/reports/savings/", QUERY)
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "rows": len(body["rows"]),
        "provinces_in_rows": len({row["province"] for row in body["rows"]}),
        "participations_counted": body["totals"]["participations"],
        "seconds_median": round(statistics.median(times), 3),
        "seconds_all": [round(t, 3) for t in times],
        "cpu_seconds_median": round(statistics.median(cpu), 3),
        "peak_rss_mb": round(rss / 2**20),
        "traced_peak_mb": round(traced / 2**20),
        **fetch,
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def fetch_times(runs: int) -> dict:
    """The floor under the report: reading the head counts (one string_agg query)."""
    import datetime as dt

    from django.utils import timezone

    from analytics import frames

    held = frames.held_meetings(
        start=timezone.make_aware(dt.datetime(2021, 1, 1)),
        end=timezone.make_aware(dt.datetime(2026, 1, 1)),
        now=timezone.now(),
    )
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        frames.head_counts_frame(held)
        times.append(time.perf_counter() - started)
    return {"head_counts_fetch_seconds_median": round(statistics.median(times), 3)}


def child(step: str, participations: int, runs: int) -> None:
    SCRATCH.setup_django("postgres")
    result = generate(participations) if step == "generate" else measure(runs)
    print(json.dumps(result))


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--step":
        child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--participations", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database for --skip-generate")
    parser.add_argument("--skip-generate", action="store_true", help="measure the database a --keep run left")
    args = parser.parse_args()
    participations = args.participations
    if not args.skip_generate:
        SCRATCH.reset("postgres")
    try:
        for step in ("measure",) if args.skip_generate else ("generate", "measure"):
            # Each step in its own process: the measured one's memory is the report's own.
            done = subprocess.run(
                [sys.executable, __file__, "--step", step, str(participations), str(args.runs)],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                sys.exit(f"{step} failed:\n{done.stderr[-3000:]}")
            result = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"[{step}] {json.dumps(result)}")
        ok_time = result["seconds_median"] <= GOAL_SECONDS
        ok_memory = result["peak_rss_mb"] <= GOAL_MB
        print(
            f"savings group_by=province,month over {result['participations_counted']:,} counted participations: "
            f"{result['seconds_median']} s (goal ≤ {GOAL_SECONDS}: {'ok' if ok_time else 'MISSED'}), "
            f"peak RSS {result['peak_rss_mb']} MB (goal ≤ {GOAL_MB}: {'ok' if ok_memory else 'MISSED'})"
        )
    finally:
        if not args.keep:
            SCRATCH.drop("postgres")


if __name__ == "__main__":
    main()
