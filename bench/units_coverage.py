"""Benchmark: administrative units and coverage at national size.

    .venv/bin/python bench/units_coverage.py

Prints (1) the time to load both trees for the whole country from the packaged data (goal
≤ 60 s), and again (the idempotent re-run); (2) the time of the coverage report on a
national-size database — 10,000 communes, 20,000 endpoints, 5 years of status history, a
quarter's check-ins — (goal ≤ 1 s), for the whole country and for one province; (3) the bulk
distance lookup for all 20,000 endpoints. It runs on a temporary SQLite file, never on the
development database; BENCH_DATABASE_URL selects another (empty) database, e.g. PostgreSQL.
"""

import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = tempfile.mkdtemp(prefix="vconf-bench-")
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{TMP}/bench.db"
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vconf.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from analytics.coverage import coverage_report  # noqa: E402
from rooms.models import (  # noqa: E402
    CheckIn,
    Endpoint,
    EndpointStatus,
    Level,
    Meeting,
    ProvinceSettings,
    StatusChange,
    Structure,
    Unit,
)
from rooms.selectors.endpoints import distances_for  # noqa: E402
from rooms.services.units import load_packaged_units, successor_codes  # noqa: E402

AS_OF = dt.date(2025, 12, 31)
ENDPOINTS = 20_000
COMMUNES = 10_000


def timed(label: str, func: object, repeat: int = 1) -> object:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    detail = f"  (best {min(times):.2f} s, median {statistics.median(times):.2f} s of {repeat})" if repeat > 1 else ""
    print(f"{label:<58} {times[0]:7.2f} s{detail}")
    return result


def build_rollout() -> None:
    """20,000 endpoints on 10,000 legacy communes: one carried onto the current commune that
    absorbed it (legacy_unit kept), one left on the legacy commune; 5 years of status history."""
    rng = random.Random(5)
    legacy = list(
        Unit.objects.filter(structure=Structure.LEGACY, level=Level.COMMUNE).order_by("code").values_list("pk", "code")
    )[:COMMUNES]
    current = dict(Unit.objects.filter(structure=Structure.CURRENT, level=Level.COMMUNE).values_list("code", "pk"))
    successor = successor_codes()
    endpoints = []
    for pk, code in legacy:
        new = current.get(successor.get(code, ""))
        endpoints.append(Endpoint(name=f"UBND {code}", unit_id=new or pk, legacy_unit_id=pk if new else None))
        endpoints.append(Endpoint(name=f"Phòng 2 {code}", unit_id=pk))
    with transaction.atomic():
        Endpoint.objects.bulk_create(endpoints, batch_size=2000)
        ids = list(Endpoint.objects.order_by("pk").values_list("pk", flat=True))
        changes = []
        first = dt.date(2021, 1, 1)
        for pk in ids:
            day = first + dt.timedelta(days=rng.randrange(900))
            steps = [EndpointStatus.PLANNED, EndpointStatus.PILOT, EndpointStatus.IN_SERVICE]
            if rng.random() < 0.1:
                steps.append(EndpointStatus.RETIRED)
            for status in steps:
                if day > AS_OF:
                    break
                changes.append(StatusChange(endpoint_id=pk, status=status, effective=day))
                day += dt.timedelta(days=rng.randrange(30, 300))
        StatusChange.objects.bulk_create(changes, batch_size=5000)
        host = Endpoint.objects.order_by("pk").first()
        ProvinceSettings.objects.bulk_create(
            [ProvinceSettings(province_code=code, name=code, host=host) for code in ("01", "20", "79")]
        )
        # A quarter of meetings: 60 meetings, each with 300 endpoints checking in.
        organizer = User.objects.create(username="bench")
        meetings = Meeting.objects.bulk_create(
            [
                Meeting(
                    title=f"Giao ban {n}",
                    host=host,
                    organizer=organizer,
                    start=dt.datetime(2025, 10, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=n * 1.5),
                    end=dt.datetime(2025, 10, 1, 3, tzinfo=dt.UTC) + dt.timedelta(days=n * 1.5),
                    imported=True,
                )
                for n in range(60)
            ]
        )
        checkins = [
            CheckIn(meeting=m, endpoint_id=pk, kind="in", attendees=10, client_id=uuid.uuid4(), at=m.start)
            for m in meetings
            for pk in rng.sample(ids, 300)
        ]
        CheckIn.objects.bulk_create(checkins, batch_size=5000)
    # Fresh planner statistics, as autovacuum (PostgreSQL) or a nightly ANALYZE would leave them.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"  built: {Unit.objects.filter(level=Level.COMMUNE).count():,} communes on both trees, "
        f"{Endpoint.objects.count():,} endpoints, {StatusChange.objects.count():,} status changes, "
        f"{CheckIn.objects.count():,} check-ins"
    )


def main() -> None:
    print(f"database: {connection.vendor} ({os.environ['DATABASE_URL']})")
    call_command("migrate", verbosity=0)
    timed(
        "load both trees, whole country (goal <= 60 s)", lambda: load_packaged_units(province="all", structure="both")
    )
    result = timed(
        "load both trees again (idempotent, nothing new)", lambda: load_packaged_units(province="all", structure="both")
    )
    print("  " + " | ".join(result.lines()))
    timed("build the national rollout (setup, not measured)", build_rollout)
    print("coverage report (goal <= 1 s):")
    country = timed(
        "  whole country, legacy tree (10,000 communes)",
        lambda: coverage_report(province_code="all", structure=Structure.LEGACY, as_of=AS_OF),
        repeat=3,
    )
    print(
        f"    -> {country['installed']:,} / {country['communes']:,} installed, {country['active']:,} active, "
        f"{len(country['trend'])} months of trend, {len(country['by_district'])} districts"
    )
    timed(
        "  whole country, current tree (3,321 communes)",
        lambda: coverage_report(province_code="all", structure=Structure.CURRENT, as_of=AS_OF),
        repeat=3,
    )
    timed(
        "  one province (Lạng Sơn), legacy tree",
        lambda: coverage_report(province_code="20", structure=Structure.LEGACY, as_of=AS_OF),
        repeat=3,
    )
    ids = list(Endpoint.objects.values_list("pk", flat=True))
    timed(f"distances_for({len(ids):,} endpoints)", lambda: distances_for(ids), repeat=3)


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
