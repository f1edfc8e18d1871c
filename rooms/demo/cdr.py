"""Demo: the provincial MCU sends call records for the recent past meetings (rooms/cdr/).

Most checked-in rooms have a matching leg (confirmed); a few checked-in rooms have none (operator
only: the list to check) and a few rooms that never checked in were on the bridge (bridge only).
Each meeting also has a cascade link and a streaming leg, which the derivation leaves out. A few
rooms are reported by an E.164 alias rather than their SIP address. Idempotent: the records' keys
are fixed, so a second run stores nothing.
"""

import random
from datetime import datetime, timedelta

from django.core.management.base import OutputWrapper
from django.db.models import Min

from rooms.cdr.ingest import store_records
from rooms.cdr.parsing import ParsedRecord
from rooms.cdr.tasks import derive_pending
from rooms.models import Bridge, CheckIn, CheckInKind, Endpoint, Meeting, MeetingStatus, Participation, RecordSource
from vconf import clock

BRIDGE = "MCU UBND tỉnh Lạng Sơn"
DAYS = 60
SEED = 15
OPERATOR_ONLY, BRIDGE_ONLY, BY_ALIAS = 0.06, 0.25, 0.15


def _leg_records(tag: str, remote: str, start: datetime, end: datetime, **marks: str) -> list[ParsedRecord]:
    """callLegStart, callLegUpdate (connected), callLegEnd of one leg, as a CMS would post them."""
    leg = f"demo-{tag}"
    begin = {"type": "callLegStart", "id": leg, "remoteAddress": remote, "direction": "incoming", **marks}
    seconds = int((end - start).total_seconds())
    return [
        ParsedRecord(f"cms:demo:{tag}:1", leg, "callLegStart", start - timedelta(seconds=20), begin, remote.lower()),
        ParsedRecord(f"cms:demo:{tag}:2", leg, "callLegUpdate", start, {"state": "connected", "id": leg}, ""),
        ParsedRecord(f"cms:demo:{tag}:3", leg, "callLegEnd", end, {"durationSeconds": str(seconds), "id": leg}, ""),
    ]


def _aliases(rng: random.Random, endpoints: list[Endpoint]) -> dict[int, str]:
    """Give some rooms an E.164 alias (idempotent: kept once set) and report them by it."""
    chosen = {}
    for endpoint in endpoints:
        if endpoint.aliases:
            chosen[endpoint.pk] = endpoint.aliases[0]
        elif rng.random() < BY_ALIAS:
            endpoint.aliases = [f"+84205{endpoint.pk:07d}"]
            endpoint.save(update_fields=["aliases"])
            chosen[endpoint.pk] = endpoint.aliases[0]
    return chosen


def _meeting_records(meeting: Meeting, rng: random.Random, aliases: dict[int, str]) -> list[ParsedRecord]:
    first_in = dict(
        CheckIn.objects.filter(meeting=meeting, kind=CheckInKind.IN)
        .values_list("endpoint_id")
        .annotate(first=Min("at"))
        .values_list("endpoint_id", "first")
    )
    records = []
    rooms = Participation.objects.filter(meeting=meeting, active=True).values_list(
        "endpoint_id", "endpoint__dial_address"
    )
    for endpoint_id, dial in rooms.order_by("endpoint_id"):
        checked = endpoint_id in first_in
        if not dial or (checked and rng.random() < OPERATOR_ONLY) or (not checked and rng.random() > BRIDGE_ONLY):
            continue
        start = (first_in.get(endpoint_id) or meeting.start) + timedelta(minutes=rng.uniform(-3, 2))
        end = meeting.end - timedelta(minutes=rng.uniform(-3, 6))
        remote = aliases.get(endpoint_id) or dial.removeprefix("sip:")
        records += _leg_records(f"{meeting.pk}:{endpoint_id}", remote, start, max(end, start + timedelta(minutes=5)))
    extra = (meeting.start, meeting.end)
    records += _leg_records(f"{meeting.pk}:cascade", "mcu.trunguong.gov.vn", *extra, subType="distributionLink")
    records += _leg_records(f"{meeting.pk}:stream", "stream@langson.gov.vn", *extra, subType="streaming")
    return records


def load(*, stdout: OutputWrapper) -> None:
    bridge = Bridge.objects.filter(name=BRIDGE).first()
    if bridge is None:
        stdout.write("  cdr: no demo bridge")
        return
    now = clock.now()
    meetings = Meeting.objects.filter(
        status=MeetingStatus.SCHEDULED, imported=False, end__lte=now, start__gte=now - timedelta(days=DAYS)
    ).order_by("start", "id")
    rng = random.Random(SEED)
    aliases = _aliases(rng, list(Endpoint.objects.filter(bridge=bridge).order_by("pk")))
    stored = 0
    for meeting in meetings:
        rng.seed(f"{SEED}:{meeting.pk}")
        stored += store_records(
            bridge=bridge, source=RecordSource.CMS, records=_meeting_records(meeting, rng, aliases)
        ).stored
    derive_pending(bridge_id=bridge.pk)  # the demo's legs at once, worker or not
    stdout.write(f"  cdr: {stored} call records from {BRIDGE} (receiver token: {bridge.cdr_token})")
