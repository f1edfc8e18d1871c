"""The worker's minute tick over a national-size database (#16, Operations).

Fixture (bulk SQL on a scratch PostgreSQL database): Vietnam's root, 34 provinces and 3,321
communes; 3,356 endpoints (the Government hall, 34 province halls, one room per commune), each
with an operator who has an e-mail address; a year of meetings — every province three times a
week with all its communes (Mon, Wed, Fri 14:00–16:00), a national meeting every Tuesday
08:00–10:00 with every endpoint — half in the past with two check-ins per room.

Figures:
1. one tick at an idle minute, at the 16:00 reminder minute before a national meeting (3,356
   reminders) and at 13:30 on a Monday (34 province meetings escalated, ~3,400 rooms);
   the promise is an idle or ordinary tick ≤ 2 s;
2. two worker processes running 1,000 ticks each over the same 1,000 minutes (Monday 12:00 to
   Tuesday 04:40, so both rungs fall inside), concurrently: notices recorded, messages sent
   (locmem backend, per process), duplicates (the same message to the same address twice) = 0.

    BENCH_REDIS_URL=redis://127.0.0.1:6379/2 REDIS_PREFIX=ticks nice -n 10 .venv/bin/python bench/tick.py

3. the mail drain: the deliveries the tick queued, run in this process as the worker would.
"""

import multiprocessing
import os
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scratch import Scratch

SCRATCH = Scratch(os.environ.get("BENCH_TICK_DB", "vconf_ticks"))  # a database of its own
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
PROVINCES, COMMUNES = 34, 3321
# Monday 2 March 2026 in the middle of the year of meetings (1 Sep 2025 – 31 Aug 2026).
MONDAY = datetime(2026, 3, 2, tzinfo=HANOI)
YEAR_START = datetime(2025, 9, 1, tzinfo=HANOI)  # a Monday


def setup() -> None:
    # The worker's queue on Redis when BENCH_REDIS_URL is set (else a scratch SQLite file); mail
    # kept in memory per process (locmem), so each process counts what it sent.
    os.environ.update(
        HUEY_FILE="/tmp/bench_tick_huey.sqlite3", EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
    )
    redis_url = os.environ.get("BENCH_REDIS_URL")
    if not redis_url:
        SCRATCH.setup_django("postgres")
        return
    os.environ.update(
        DATABASE_URL=SCRATCH.url("postgres"),
        DJANGO_SETTINGS_MODULE="vconf.settings",
        AXES_ENABLED="0",
        LOG_LEVEL="ERROR",
        REDIS_URL=redis_url,
    )
    os.environ.setdefault("REDIS_PREFIX", "ticks")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()


def drain() -> int:
    """Run every queued task in this process (as a consumer would); returns the tasks run."""
    from huey.contrib.djhuey import HUEY

    ran = 0
    # pending_count first: on Redis an empty dequeue blocks for a second (BZPOPMIN's timeout)
    while HUEY.pending_count() and (task := HUEY.dequeue()) is not None:
        HUEY.execute(task)
        ran += 1
    return ran


FIXTURE = [
    # Units: VN, 34 provinces, 3,321 communes (current structure), spread over the provinces.
    """INSERT INTO rooms_unit (structure, code, name, level, especially_difficult, island, parent_id)
       VALUES ('current', 'VN', 'Việt Nam', 'country', false, false, NULL)""",
    """INSERT INTO rooms_unit (structure, code, name, level, especially_difficult, island, parent_id)
       SELECT 'current', lpad(p::text, 2, '0'), 'Tỉnh ' || p, 'province', false, false,
              (SELECT id FROM rooms_unit WHERE code = 'VN') FROM generate_series(1, {P}) p""",
    """INSERT INTO rooms_unit (structure, code, name, level, especially_difficult, island, parent_id)
       SELECT 'current', lpad((10000 + c)::text, 5, '0'), 'Xã ' || c, 'commune', false, false,
              (SELECT id FROM rooms_unit WHERE code = lpad((1 + mod(c, {P}))::text, 2, '0') AND level = 'province')
       FROM generate_series(1, {C}) c""",
    # One endpoint per unit, one operator per endpoint.
    """INSERT INTO rooms_endpoint (name, seats, dial_address, connection, status, feed_token, created_at, unit_id,
                                   travel_mode)
       SELECT 'Điểm cầu ' || u.name, 30, '', 'h323', 'in_service', md5(u.id::text), now(), u.id, 'road'
       FROM rooms_unit u""",
    """INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active,
                              date_joined)
       SELECT '!', false, 'op' || e.id, '', 'Kỹ thuật ' || e.id, 'op' || e.id || '@example.vn', false, true, now()
       FROM rooms_endpoint e""",
    """INSERT INTO rooms_endpoint_operators (endpoint_id, user_id)
       SELECT e.id, u.id FROM rooms_endpoint e JOIN auth_user u ON u.username = 'op' || e.id""",
    """INSERT INTO rooms_provincesettings (province_code, name, circuity_factor, desk_email, desk_phone,
                                           request_lead_days)
       SELECT code, name, 1.4, 'desk' || code || '@example.vn', '', 2 FROM rooms_unit WHERE level = 'province'""",
    """INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active,
                              date_joined) VALUES ('!', false, 'office', '', '', '', false, true, now())""",
    # Province meetings Mon/Wed/Fri 14:00-16:00 local (07:00-09:00 UTC), national Tuesdays 01:00-03:00 UTC.
    """INSERT INTO rooms_meeting (uid, title, description, host_id, start, "end", organizer_id, status, sequence,
                                  imported, invitations_unsent, holiday_override_reason, created_at, updated_at)
       SELECT 'p' || p.id || '-' || d, 'Họp tỉnh ' || p.code, '', h.id,
              %(year)s::timestamptz + (d || ' days')::interval + interval '14 hours',
              %(year)s::timestamptz + (d || ' days')::interval + interval '16 hours',
              (SELECT id FROM auth_user WHERE username = 'office'), 'scheduled', 0, false, '', '', now(), now()
       FROM rooms_unit p JOIN rooms_endpoint h ON h.unit_id = p.id, generate_series(0, 364) d
       WHERE p.level = 'province' AND mod(d, 7) IN (0, 2, 4)""",
    """INSERT INTO rooms_meeting (uid, title, description, host_id, start, "end", organizer_id, status, sequence,
                                  imported, invitations_unsent, holiday_override_reason, created_at, updated_at)
       SELECT 'vn-' || d, 'Họp Chính phủ với các địa phương', '', h.id,
              %(year)s::timestamptz + (d || ' days')::interval + interval '8 hours',
              %(year)s::timestamptz + (d || ' days')::interval + interval '10 hours',
              (SELECT id FROM auth_user WHERE username = 'office'), 'scheduled', 0, false, '', '', now(), now()
       FROM rooms_endpoint h JOIN rooms_unit u ON u.id = h.unit_id AND u.code = 'VN', generate_series(1, 364, 7) d""",
    """INSERT INTO rooms_participation (meeting_id, endpoint_id, is_host, start, "end", active)
       SELECT m.id, e.id, e.id = m.host_id, m.start, m."end", true
       FROM rooms_meeting m JOIN rooms_endpoint h ON h.id = m.host_id JOIN rooms_unit hu ON hu.id = h.unit_id
       JOIN rooms_unit u ON (hu.level = 'country') OR (u.id = hu.id OR u.parent_id = hu.id)
       JOIN rooms_endpoint e ON e.unit_id = u.id""",
    """INSERT INTO rooms_checkin (meeting_id, endpoint_id, kind, attendees, issue_type, note, client_id, at)
       SELECT p.meeting_id, p.endpoint_id, k.kind, CASE WHEN k.kind = 'in' THEN 8 END, '', '', gen_random_uuid(),
              CASE WHEN k.kind = 'in' THEN p.start - interval '5 minutes' ELSE p."end" END
       FROM rooms_participation p, (VALUES ('in'), ('out')) k(kind) WHERE p."end" < %(now)s""",
    # Every meeting up to Monday was reminded the day before (a worker that ran all year).
    """INSERT INTO rooms_notice (kind, meeting_id, endpoint_id, sent_at, sent_to)
       SELECT 'reminder', p.meeting_id, p.endpoint_id, '2000-01-01', '' FROM rooms_participation p
       WHERE p.start < %(tuesday)s""",
    "ANALYZE",
]


def build() -> dict[str, int]:
    from django.db import connection

    params = {
        "year": YEAR_START.isoformat(),
        "now": MONDAY.isoformat(),
        "tuesday": (MONDAY + timedelta(days=1)).isoformat(),
    }
    with connection.cursor() as cursor:
        for sql in FIXTURE:
            sql = sql.replace("{P}", str(PROVINCES)).replace("{C}", str(COMMUNES))
            cursor.execute(sql, params if "%(" in sql else None)
        counts = {}
        for table in ("rooms_endpoint", "rooms_meeting", "rooms_participation", "rooms_checkin"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    return counts


def timed_tick(now: datetime) -> tuple[float, dict[str, int], int]:
    from django.core import mail

    from rooms import jobs

    mail.outbox = []
    began = time.perf_counter()
    done = jobs.run_tick(now)
    return time.perf_counter() - began, done, len(mail.outbox)  # 0: the tick only records mail


def worker(number: int, start: datetime, ticks: int, queue: "multiprocessing.Queue") -> None:
    setup()
    from django.core import mail

    from rooms import jobs

    mail.outbox = []
    for i in range(ticks):
        jobs.run_tick(start + timedelta(minutes=i))
        drain()  # both processes also consume the one queue
    queue.put([(m.subject, tuple(m.to)) for m in mail.outbox])


def main() -> None:
    SCRATCH.reset("postgres")
    try:
        setup()
        from django.core import mail
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from huey.contrib.djhuey import HUEY

        HUEY.storage.flush_queue()  # this benchmark's own queue (REDIS_PREFIX) only
        began = time.perf_counter()
        counts = build()
        print(f"fixture: {counts} in {time.perf_counter() - began:.0f} s")
        for label, when in [
            ("idle minute (Monday 10:07)", MONDAY.replace(hour=10, minute=7)),
            ("13:30, 34 province meetings escalated", MONDAY.replace(hour=13, minute=30)),
            ("16:00, national meeting reminded", MONDAY.replace(hour=16)),
            ("16:01, the minute after", MONDAY.replace(hour=16, minute=1)),
        ]:
            seconds, done, sent = timed_tick(when)
            began = time.perf_counter()
            tasks = drain()
            print(
                f"tick at {label}: {seconds:.2f} s, {done}; mail drain: {tasks} deliveries in "
                f"{time.perf_counter() - began:.2f} s, {len(mail.outbox)} messages"
            )
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM rooms_notice WHERE sent_at > '2000-01-02'")
            cursor.execute("DELETE FROM rooms_noticemail")
        connection.close()
        queue: multiprocessing.Queue = multiprocessing.Queue()
        start, ticks = MONDAY.replace(hour=12), 1000
        began = time.perf_counter()
        procs = [multiprocessing.Process(target=worker, args=(n, start, ticks, queue)) for n in range(2)]
        for proc in procs:
            proc.start()
        sent = [queue.get() for _ in procs]
        for proc in procs:
            proc.join()
        elapsed = time.perf_counter() - began
        from rooms.models import Notice

        notices = Counter(Notice.objects.filter(sent_at__year__gt=2000).values_list("kind", flat=True))
        messages = Counter(item for batch in sent for item in batch)
        duplicates = sum(n - 1 for n in messages.values() if n > 1)
        print(
            f"two workers x {ticks} ticks in {elapsed:.0f} s: notices {dict(notices)}, "
            f"messages {[len(batch) for batch in sent]} (total {sum(messages.values())}), duplicates {duplicates}"
        )
    finally:
        from django.db import connection

        connection.close()
        SCRATCH.drop("postgres")


if __name__ == "__main__":
    main()
