"""Benchmark: bridge call records in, and the savings report with verification.

    .venv/bin/python bench/cdr.py ingest  [--records 100000]       # PostgreSQL
    .venv/bin/python bench/cdr.py savings [--participations 1000000]
    .venv/bin/python bench/cdr.py both

ingest: 100,000 call-leg records (callLegStart, callLegUpdate, callLegEnd of ~33,000 legs of 1,000
rooms, in time order, 100 records per delivery as a Cisco Meeting Server batches them) posted through
the receiver (Django test client, PostgreSQL scratch database vconf_bench_cdr): records per second,
and the ratio to parsing the same XML with the standard library alone (goal ≤ 3×, reported both for
the whole ingest and for the receiver's own parse step). A second pass redelivers everything: it
must store nothing.

savings: bench/reports.py's million participations, with a bridge leg for 90% of the checked-in
ones, then `GET /api/reports/savings/?group_by=month,district` (goal ≤ 1.5 s) with its
verified_money_vnd.
"""

import argparse
import os
import statistics
import sys
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from scratch import Scratch

# BENCH_CDR_DB: another scratch database name, when two copies of the benchmark share the server.
SCRATCH = Scratch(os.environ.get("BENCH_CDR_DB", "vconf_bench_cdr"))
# The worker's queue: a scratch SQLite file, tasks left queued until the benchmark runs them.
HUEY_FILE = f"/tmp/{SCRATCH.name}_huey.sqlite3"
# The savings run has its own database, so both parts may run side by side.
SAVINGS_SCRATCH = Scratch("vconf_bench_cdr_savings")
PER_DELIVERY = 100
ROOMS = 1000
START = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)


def _z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def deliveries(records: int) -> list[bytes]:
    """CMS deliveries of `records` call-leg records, in time order."""
    events: list[tuple[datetime, str, str, int]] = []
    legs = records // 3
    for n in range(legs):
        meeting, room = divmod(n, ROOMS)
        begin = START + timedelta(days=meeting // 4, hours=2 * (meeting % 4), seconds=room % 60)
        events += [
            (begin, "callLegStart", f"leg-{n}", room),
            (begin + timedelta(seconds=5), "callLegUpdate", f"leg-{n}", room),
        ]
        events.append((begin + timedelta(minutes=85), "callLegEnd", f"leg-{n}", room))
    events.sort()
    bodies = []
    for first in range(0, len(events), PER_DELIVERY):
        parts = ['<?xml version="1.0"?><records session="bench" callBridge="cb-1">']
        for index, (at, kind, leg, room) in enumerate(events[first : first + PER_DELIVERY], start=first + 1):
            if kind == "callLegStart":
                inner = f"<remoteAddress>sip:room{room}@bench.gov.vn</remoteAddress><type>sip</type>"
            elif kind == "callLegUpdate":
                inner = "<state>connected</state><call>call-1</call>"
            else:
                inner = "<reason>remoteTeardown</reason><durationSeconds>5095</durationSeconds>"
            head = f'<record type="{kind}" time="{_z(at)}" recordIndex="{index}">'
            parts.append(f'{head}<callLeg id="{leg}">{inner}</callLeg></record>')
        parts.append("</records>")
        bodies.append("".join(parts).encode())
    return bodies


def stdlib_parse(bodies: list[bytes]) -> float:
    started = time.perf_counter()
    for body in bodies:
        for record in ET.fromstring(body).iter("record"):
            record.get("type")
    return time.perf_counter() - started


def ingest(records: int) -> None:
    SCRATCH.reset("postgres")
    Path(HUEY_FILE).unlink(missing_ok=True)
    try:
        # The queue's settings before Django reads them: else the default queue file next to the
        # code, which may hold another run's tasks.
        os.environ.update(HUEY_FILE=HUEY_FILE, HUEY_IMMEDIATE="0")
        SCRATCH.setup_django("postgres")
        from django.core.management import call_command
        from django.test import Client
        from huey.contrib.djhuey import HUEY

        from rooms.cdr.parsing import parse_delivery
        from rooms.models import Bridge, BridgeLeg, BridgeRecord, Endpoint, Level, Structure, Unit

        call_command("migrate", verbosity=0)
        province = Unit.objects.create(structure=Structure.CURRENT, code="20", name="Tỉnh", level=Level.PROVINCE)
        bridge = Bridge.objects.create(name="MCU bench", ports=2000)
        Endpoint.objects.bulk_create(
            [
                Endpoint(name=f"Room {n}", unit=province, dial_address=f"sip:room{n}@bench.gov.vn", feed_token=f"t{n}")
                for n in range(ROOMS)
            ]
        )
        bodies = deliveries(records)
        count = sum(body.count(b"<record ") for body in bodies)
        baseline = min(stdlib_parse(bodies) for _ in range(3))
        started = time.perf_counter()
        for body in bodies:
            parse_delivery(body, "application/xml")
        own_parse = time.perf_counter() - started
        client = Client()
        url = f"/api/bridges/{bridge.pk}/cdr/?token={bridge.cdr_token}"
        started = time.perf_counter()
        for body in bodies:
            response = client.post(url, body, content_type="application/xml")
            assert response.status_code == 200, response.content[:300]
        elapsed = time.perf_counter() - started
        queued = HUEY.pending_count()
        started = time.perf_counter()
        work(HUEY)
        derivation = time.perf_counter() - started
        started = time.perf_counter()
        stored_again = sum(client.post(url, b, content_type="application/xml").json()["stored"] for b in bodies)
        work(HUEY)
        again = time.perf_counter() - started
        stored, legs = BridgeRecord.objects.count(), BridgeLeg.objects.count()
        print(f"records: {count} in {len(bodies)} deliveries; stored {stored}, legs {legs}")
        print(f"ingest through the receiver: {elapsed:.1f} s = {count / elapsed:,.0f} records/s")
        print(f"standard library parse alone: {baseline:.2f} s; ingest / parse = {elapsed / baseline:.1f}× (goal ≤ 3×)")
        print(
            f"receiver's parse step (defusedxml + records): {own_parse:.2f} s = {own_parse / baseline:.1f}× the stdlib"
        )
        print(
            f"worker's derivation: {queued} task(s) queued, {derivation:.1f} s;"
            f" ingest + derivation = {(elapsed + derivation) / baseline:.1f}× the stdlib parse"
        )
        print(f"redelivery of everything: {again:.1f} s, {stored_again} stored (must be 0)")
    finally:
        SCRATCH.drop("postgres")
        Path(HUEY_FILE).unlink(missing_ok=True)


def work(huey: Any) -> None:
    """What `run_huey` would do with the queue: run every queued task, here and now."""
    while (task := huey.dequeue()) is not None:
        huey.execute(task)


def savings(participations: int) -> None:
    import reports

    reports.SCRATCH = SAVINGS_SCRATCH
    facts = reports.generate("postgres", participations, 10_000)
    print(f"generated: {facts}")
    try:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO rooms_bridge (name, ports, dial_address, cdr_token)"
                " VALUES ('MCU bench', 2000, '', 'bench')"
            )
            # A leg for 90% of the checked-in participations, inside their booking.
            cursor.execute(
                "INSERT INTO rooms_bridgeleg (bridge_id, leg, remote, connected_at, disconnected_at, endpoint_id,"
                " participation_id) SELECT b.id, 'leg-' || p.id, 'r' || p.endpoint_id, p.start, p.end,"
                " p.endpoint_id, p.id FROM rooms_participation p JOIN rooms_headcount h ON h.meeting_id ="
                " p.meeting_id AND h.endpoint_id = p.endpoint_id, rooms_bridge b WHERE p.id % 10 <> 0"
            )
            cursor.execute("SELECT COUNT(*) FROM rooms_bridgeleg")
            print(f"legs: {cursor.fetchone()[0]:,}")
            cursor.execute("ANALYZE")
        from django.contrib.auth.models import User
        from django.test import Client

        client = Client()
        client.force_login(User.objects.get(username="bench"))
        times = []
        for _ in range(4):
            started = time.perf_counter()
            response = client.get("/api/reports/savings/", reports.QUERY)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200
        totals = response.json()["totals"]
        print(
            f"savings by month × district with verification: median {statistics.median(times[1:]):.2f} s (goal ≤ 1.5 s)"
        )
        print(f"  money_vnd {totals['money_vnd']:,}, verified_money_vnd {totals['verified_money_vnd']:,}")
    finally:
        SAVINGS_SCRATCH.drop("postgres")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["ingest", "savings", "both"])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--participations", type=int, default=1_000_000)
    args = parser.parse_args()
    if args.what in ("ingest", "both"):
        ingest(args.records)
    if args.what in ("savings", "both"):
        if args.what == "both":
            sys.exit("run `savings` in its own process (Django is already set up on another database)")
        savings(args.participations)


if __name__ == "__main__":
    main()
