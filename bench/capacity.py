"""Benchmark: a bridge's capacity over the longest range the API serves (92 days).

    .venv/bin/python bench/capacity.py                      # SQLite and PostgreSQL
    .venv/bin/python bench/capacity.py --database postgres --runs 5

Books 1,500 meetings on one 120-port bridge (about 16 a day, 30 to 90 minutes, 2 to 40 rooms, a
few cascaded through a district bridge) into a temporary database (SQLite file
/tmp/vconf_bench_approval_capacity.sqlite3, or the PostgreSQL database of that name, removed
afterwards), then times `bridge_capacity` (peak, p95, hours above 80%, per-day rows, projection)
for 92 days. Goal: under 2 s, so the page answers while a planner waits.
"""

import random
import statistics
import time
from datetime import timedelta

from scratch import Scratch, arguments

SCRATCH = Scratch("vconf_bench_approval_capacity")
MEETINGS = 1500
DAYS = 92


def fill() -> object:
    from django.contrib.auth.models import User

    from rooms.models import Bridge, Endpoint, Level, Meeting, Participation, Structure, Unit
    from vconf import clock

    province = Unit.objects.create(structure=Structure.CURRENT, code="20", name="Tỉnh Lạng Sơn", level=Level.PROVINCE)
    bridge = Bridge.objects.create(name="MCU UBND tỉnh", ports=120, unit=province)
    district = Bridge.objects.create(name="MCU khu vực", ports=40, parent=bridge)
    rooms = []
    for n in range(400):
        commune = Unit.objects.create(
            structure=Structure.CURRENT, code=f"{n:05d}", name=f"Xã {n}", level=Level.COMMUNE, parent=province
        )
        rooms.append(
            Endpoint(name=f"UBND xã {n}", unit=commune, status="in_service", bridge=district if n % 10 == 0 else bridge)
        )
    rooms = Endpoint.objects.bulk_create(rooms)
    organizer = User.objects.create_user("vanphong", password="x")
    rng = random.Random(20)
    first = clock.now().replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(hours=1)
    meetings, participants = [], []
    # Rooms are free only once their last meeting ended: book each room at most once per slot.
    for i in range(MEETINGS):
        day, slot = divmod(i, MEETINGS // DAYS + 1)
        start = first + timedelta(days=day, minutes=30 * slot)
        chosen = rng.sample(rooms[(slot * 25) % 375 : (slot * 25) % 375 + 25], rng.randint(2, 25))
        meetings.append(
            Meeting(title=f"Họp {i}", host=chosen[0], bridge=bridge, organizer=organizer, start=start,
                    end=start + timedelta(minutes=rng.choice([30, 60, 90])), uid=f"bench-{i}@vconf")
        )  # fmt: skip
        participants.append(chosen)
    meetings = Meeting.objects.bulk_create(meetings)
    Participation.objects.bulk_create(
        Participation(meeting=m, endpoint=e, is_host=e is chosen[0], start=m.start, end=m.end)
        for m, chosen in zip(meetings, participants, strict=True)
        for e in chosen
    )
    return bridge, first


def child(database: str, runs: int) -> None:
    SCRATCH.setup_django(database)
    from django.core.management import call_command

    from analytics.capacity import bridge_capacity

    call_command("migrate", verbosity=0)
    bridge, first = fill()
    elapsed, body = [], {}
    for _ in range(runs):
        t0 = time.perf_counter()
        body = bridge_capacity(bridge, start=first, end=first + timedelta(days=DAYS), as_of=first.date())
        elapsed.append(time.perf_counter() - t0)
    print(
        f"  {database}: {MEETINGS} meetings over {DAYS} days: p50 {statistics.median(elapsed) * 1000:.0f} ms, "
        f"max {max(elapsed) * 1000:.0f} ms (goal < 2,000 ms); peak {body['peak']}, p95 {body['p95']}, "
        f"hours above 80% {body['hours_above_80']}"
    )


def main() -> None:
    args = arguments(__doc__.split("\n")[0], runs=5)
    if args.child:
        child(args.child, args.runs)
        return
    print(f"Capacity of one bridge over {DAYS} days")
    SCRATCH.run_children(__file__, args.database, args.runs)


if __name__ == "__main__":
    main()
