"""Benchmark: the savings report by month × district over a million participations.

    .venv/bin/python bench/reports.py                       # SQLite and PostgreSQL, 1,000,000 participations
    .venv/bin/python bench/reports.py --backend sqlite --participations 200000

Generates five years of district meetings for 10,000 communes with bulk SQL into a temporary
database (SQLite file /tmp/vconf_bench_h6.sqlite3; PostgreSQL database vconf_bench_h6), then in a
fresh process times `GET /api/reports/savings/?group_by=month,district` (goal ≤ 1.5 s, peak memory
≤ 1.5 GB) against loading the same rows straight from SQL into pandas and grouping them
(goal ≤ 3×). Each step runs in its own process so memory figures are that step's own.
"""

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
import warnings
from importlib import import_module

from scratch import ROOT, Scratch

SCRATCH = Scratch("vconf_bench_h6")
FIRST_YEAR, YEARS = 2021, 5
QUERY = {"group_by": "month,district", "start": f"{FIRST_YEAR}-01-01", "end": f"{FIRST_YEAR + YEARS - 1}-12-31"}


def setup_django(backend: str) -> None:
    os.environ["DATABASE_URL"] = SCRATCH.url(backend)
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vconf.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def generate(backend: str, participations: int, communes: int) -> dict:
    """Fill the database with bulk SQL: units, endpoints, meetings, participations, check-ins."""
    import numpy as np
    from django.core.management import call_command
    from django.db import connection, transaction

    SCRATCH.reset(backend)
    setup_django(backend)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    rng = np.random.default_rng(6)
    districts = max(1, round(communes / 14.3))
    per_meeting = communes / districts + 1  # the district hall hosts its communes
    meetings_per_district = max(1, math.ceil(participations / per_meeting / districts))
    now = "2026-01-01 00:00:00"

    unit_rows, endpoint_rows = [], []
    # Ids are assigned here so every table can be written in one bulk statement.
    unit_rows.append((1, "legacy", "20", "Tỉnh Bench", "province", None, 21.85, 106.76, False))
    endpoint_rows.append((1, "Hội trường UBND tỉnh", 1, 0.0))
    district_of = np.repeat(np.arange(districts), int(np.ceil(communes / districts)))[:communes]
    for d in range(districts):
        uid = 2 + d
        unit_rows.append((uid, "legacy", f"{d:03d}", f"Huyện {d}", "district", 1, 21.8, 106.7, False))
        endpoint_rows.append((uid, f"UBND huyện {d}", uid, round(float(rng.uniform(10, 80)), 1)))
    for c in range(communes):
        uid = 2 + districts + c
        difficult = bool(rng.random() < 0.2)
        unit_rows.append(
            (uid, "legacy", f"{c:05d}", f"Xã {c}", "commune", 2 + int(district_of[c]), 21.9, 106.6, difficult)
        )
        km = round(float(rng.uniform(2, 140)), 1) if rng.random() < 0.9 else None
        endpoint_rows.append((uid, f"UBND xã {c}", uid, km))

    members = {d: [2 + districts + int(c) for c in np.flatnonzero(district_of == d)] for d in range(districts)}
    span = YEARS * 365 * 24 * 3600
    base = int(np.datetime64(f"{FIRST_YEAR}-01-01T01:00:00", "s").astype("int64"))
    meeting_rows, participation_rows, checkin_rows = [], [], []
    meeting_id = participation_id = checkin_id = 0
    for d in range(districts):
        host = 2 + d
        gap = span // meetings_per_district
        for k in range(meetings_per_district):
            meeting_id += 1
            start = base + k * gap + int(rng.integers(0, 8)) * 3600
            minutes = 20 if rng.random() < 0.05 else int(rng.choice([60, 90, 120, 180]))
            end = start + minutes * 60
            cancelled = rng.random() < 0.02
            s, e = _ts(start), _ts(end)
            meeting_rows.append((meeting_id, f"bench-{meeting_id}", f"Họp huyện {d} #{k}", host, s, e, cancelled))
            for endpoint in [host, *members[d]]:
                participation_id += 1
                participation_rows.append(
                    (participation_id, meeting_id, endpoint, endpoint == host, s, e, not cancelled)
                )
                if cancelled or rng.random() < 0.05:
                    continue
                checkin_id += 1
                checkin_rows.append((checkin_id, meeting_id, endpoint, "in", int(rng.integers(1, 9)), s))
                if rng.random() < 0.03:  # a re-check-in with a corrected head count
                    checkin_id += 1
                    checkin_rows.append(
                        (checkin_id, meeting_id, endpoint, "in", int(rng.integers(1, 9)), _ts(start + 600))
                    )
                checkin_id += 1
                checkin_rows.append((checkin_id, meeting_id, endpoint, "out", None, e))

    tables = [
        (
            "rooms_unit",
            ["id", "structure", "code", "name", "level", "parent_id", "lat", "lon", "especially_difficult", "island"],
            [(*row, False) for row in unit_rows],
        ),
        (
            "rooms_endpoint",
            [
                "id",
                "name",
                "unit_id",
                "road_km",
                "travel_mode",
                "seats",
                "dial_address",
                "connection",
                "status",
                "status_since",
                "feed_token",
                "created_at",
            ],
            [
                (i, n, u, km, "road", 30, "", "government_network", "in_service", "2020-01-01", f"t{i}", now)
                for i, n, u, km in endpoint_rows
            ],
        ),
        (
            "rooms_meeting",
            [
                "id",
                "uid",
                "title",
                "description",
                "host_id",
                "start",
                "end",
                "organizer_id",
                "status",
                "sequence",
                "imported",
                "invitations_unsent",
                "holiday_override_reason",
                "created_at",
                "updated_at",
                "cancelled_at",
            ],
            [
                (i, u, t, "", h, s, e, 1, state, 0, False, "", "", now, now, now if state == "cancelled" else None)
                for i, u, t, h, s, e, c in meeting_rows
                for state in ["cancelled" if c else "scheduled"]
            ],
        ),
        (
            "rooms_participation",
            ["id", "meeting_id", "endpoint_id", "is_host", "start", "end", "active"],
            participation_rows,
        ),
        (
            "rooms_checkin",
            ["id", "meeting_id", "endpoint_id", "kind", "attendees", "issue_type", "note", "client_id", "at"],
            [(i, m, e, k, a, "", "", f"00000000-0000-4000-8000-{i:012d}", at) for i, m, e, k, a, at in checkin_rows],
        ),
    ]
    guard = import_module("rooms.migrations.0002_no_overlapping_bookings")
    with transaction.atomic(), connection.cursor() as cursor:
        # The no-overlap guard checks every row; the generated meetings never overlap, so it is
        # dropped for the load and put back afterwards.
        if backend == "sqlite":
            for sql in guard.SQLITE_DROP:
                cursor.execute(sql)
        else:
            cursor.execute(guard.POSTGRES_DROP)
        cursor.execute(
            "INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email, is_staff,"
            " is_active, date_joined) VALUES (1, '!', TRUE, 'bench', '', '', '', TRUE, TRUE, %s)",
            [now],
        )
        for table, columns, rows in tables:
            write(cursor, backend, table, columns, rows)
        cursor.execute(
            "INSERT INTO rooms_provincesettings (province_code, name, host_id, circuity_factor, desk_email,"
            " desk_phone, request_lead_days) VALUES ('20', 'Bench', 1, 1.4, '', '', 2)"
        )
        for table in ("rooms_unit", "rooms_endpoint", "rooms_meeting", "rooms_participation", "rooms_checkin"):
            if backend == "postgres":
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
    # After the commit: PostgreSQL checks the deferred foreign keys first, then may alter the table.
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in guard.SQLITE_ADD if backend == "sqlite" else [guard.POSTGRES_ADD]:
            cursor.execute(sql)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "units": len(unit_rows),
        "endpoints": len(endpoint_rows),
        "meetings": len(meeting_rows),
        "participations": len(participation_rows),
        "checkins": len(checkin_rows),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _ts(epoch: int) -> str:
    """A UTC time as the databases store it (SQLite: text without offset)."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch))


def write(cursor: object, backend: str, table: str, columns: list[str], rows: list[tuple]) -> None:
    """Bulk SQL: executemany on SQLite, COPY on PostgreSQL."""
    quoted = ", ".join(f'"{c}"' for c in columns)
    raw = cursor.cursor  # the driver's own cursor under Django's wrapper
    if backend == "sqlite":
        marks = ", ".join("?" for _ in columns)
        raw.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", rows)
        return
    with raw.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def measure(backend: str, repeat: int) -> dict:
    """Time the API call and the raw baseline; report peak memory of the API call."""
    setup_django(backend)
    import numpy as np
    import pandas as pd
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client

    client = Client()
    client.force_login(User.objects.get(username="bench"))
    first = client.get("/api/reports/savings/", QUERY)
    assert first.status_code == 200, first.content[:500]
    body = first.json()
    api_times, api_cpu = [], []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        response = client.get("/api/reports/savings/", QUERY)
        api_times.append(time.perf_counter() - started)
        # CPU time of this process: what the request costs here whatever else the machine runs
        # (with PostgreSQL the server's own work is not in it).
        api_cpu.append(time.process_time() - cpu)
        assert response.status_code == 200
    tracemalloc.start()
    client.get("/api/reports/savings/", QUERY)
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rss_after_api = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    month = (
        "strftime('%Y-%m', m.start, '+7 hours')"
        if backend == "sqlite"
        else "to_char(m.start AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM')"
    )
    sql = f"""
        SELECT {month} AS month, u.parent_id AS district, c.attendees, e.road_km
        FROM rooms_checkin c JOIN rooms_meeting m ON m.id = c.meeting_id
        JOIN rooms_endpoint e ON e.id = c.endpoint_id JOIN rooms_unit u ON u.id = e.unit_id
        WHERE c.kind = 'in' AND m.status = 'scheduled' AND m.start >= %s AND m.start < %s AND m."end" <= %s
    """
    if backend == "sqlite":
        sql = sql.replace("%s", "?")
    params = ["2021-01-01 00:00:00", "2026-01-01 00:00:00", "2026-01-01 00:00:00"]
    raw_times = []
    connection.ensure_connection()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas prefers SQLAlchemy; a DBAPI connection is what we compare with
        for _ in range(repeat):
            started = time.perf_counter()
            frame = pd.read_sql_query(sql, connection.connection, params=params)
            frame["person_km"] = frame["attendees"] * 2 * frame["road_km"].astype("float64")
            frame.groupby(["month", "district"]).agg(
                attendees=("attendees", "sum"), participations=("attendees", "size"), person_km=("person_km", "sum")
            )
            raw_times.append(time.perf_counter() - started)
    # The floor under the API figure: the one big query (latest head counts) and the meetings.
    import datetime as dt

    from django.utils import timezone

    from analytics import frames

    fetch_times = []
    held = frames.held_meetings(
        start=timezone.make_aware(dt.datetime(FIRST_YEAR, 1, 1)),
        end=timezone.make_aware(dt.datetime(FIRST_YEAR + YEARS, 1, 1)),
        now=timezone.now(),
    )
    for _ in range(repeat):
        started = time.perf_counter()
        frames.meetings_frame(held)
        frames.head_counts_frame(held)
        fetch_times.append(time.perf_counter() - started)
    api, raw = statistics.median(api_times), statistics.median(raw_times)
    return {
        "backend": backend,
        "rows": len(body["rows"]),
        "participations_counted": body["totals"]["participations"],
        "api_seconds_median": round(api, 3),
        "api_seconds_all": [round(t, 3) for t in api_times],
        "api_cpu_seconds_median": round(statistics.median(api_cpu), 3),
        "raw_sql_pandas_seconds_median": round(raw, 3),
        "ratio": round(api / raw, 2),
        "of_which_sql_fetch_seconds_median": round(statistics.median(fetch_times), 3),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "traced_peak_mb": round(traced_peak / 2**20),
        "process_peak_rss_mb": round(rss_after_api / 2**20),
        "baseline_rows": int(np.int64(len(frame))),
    }


def run_worker(args: argparse.Namespace) -> None:
    if args.worker == "generate":
        result = generate(args.backend, args.participations, args.communes)
    else:
        result = measure(args.backend, args.repeat)
    print(json.dumps(result))


def run_step(command: list[str]) -> str:
    """Run one step in its own process; its last line of output is its JSON result."""
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"step failed: {' '.join(command[2:])}\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--participations", type=int, default=1_000_000)
    parser.add_argument("--communes", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-generate", action="store_true", help="reuse the database of the last run")
    parser.add_argument("--worker", choices=["generate", "measure"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        run_worker(args)
        return
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    for backend in backends:
        common = [
            sys.executable,
            __file__,
            "--backend",
            backend,
            "--participations",
            str(args.participations),
            "--communes",
            str(args.communes),
            "--repeat",
            str(args.repeat),
        ]
        if not args.skip_generate:
            out = run_step([*common, "--worker", "generate"])
            print(f"[{backend}] generated: {out}")
        result = json.loads(run_step([*common, "--worker", "measure"]))
        print(f"[{backend}] {json.dumps(result)}")
        ok_time = result["api_seconds_median"] <= 1.5
        ok_memory = result["process_peak_rss_mb"] <= 1536
        ok_ratio = result["ratio"] <= 3
        print(
            f"[{backend}] API {result['api_seconds_median']} s (goal ≤ 1.5: {'ok' if ok_time else 'MISSED'}), "
            f"peak RSS {result['process_peak_rss_mb']} MB (goal ≤ 1536: {'ok' if ok_memory else 'MISSED'}), "
            f"ratio to raw SQL + pandas {result['ratio']}× (goal ≤ 3: {'ok' if ok_ratio else 'MISSED'})"
        )


if __name__ == "__main__":
    main()
