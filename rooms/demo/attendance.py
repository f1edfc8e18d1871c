"""Demo step: check-ins for every demo meeting that has started. Idempotent, deterministic.

Patterns as operators report them: the province hall checks in early and closes the meeting a
little before its scheduled end (so actual and scheduled hours differ); far communes are late or
absent more often (their lines are worse and the operator is often also the commune's only IT
person); a few connection, picture or sound problems; most rooms check out in the last minutes;
and now and then a "ghost" meeting where nobody but the host connected. Records are written
straight in bulk (the demo is history, nobody is watching a live board), recorded by the demo
operator for the room it runs and by nobody for the others.
"""

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.core.management.base import OutputWrapper
from django.db import transaction
from django.db.models import Exists, OuterRef

from rooms.models import CheckIn, CheckInKind, Endpoint, IssueType, Meeting, MeetingStatus, Participation
from rooms.selectors.endpoints import distances_for
from vconf import clock

# uuid5 namespace of demo check-ins: the same meeting always gets the same client ids.
NAMESPACE = uuid.UUID("5b0f3c1e-6a0e-4d8e-9a51-6d1c0a7f2e45")
GHOST_SHARE = 0.03  # about one meeting in thirty: only the host connected
FAR_KM = 80.0  # beyond this, a commune is as far as it gets (Lạng Sơn's remote border communes)
DEFAULT_KM = 25.0
BATCH = 2000
NOTES = ["Mất điện tạm thời", "Đường truyền chập chờn", "Micro hỏng, dùng điện thoại", "Camera mờ"]


@dataclass
class Room:
    endpoint: Endpoint
    is_host: bool
    km: float


def distances(endpoint_ids: list[int]) -> dict[int, float]:
    """One-way km per endpoint, entered or estimated; endpoints of unknown distance are left out."""
    return {pk: km for pk, (km, _estimated) in distances_for(endpoint_ids).items() if km is not None}


def plan(meeting: Meeting, rooms: list[Room], operator_rooms: set[int], operator: User | None) -> list[CheckIn]:
    """The records of one meeting, drawn from a generator seeded by its uid."""
    rng = random.Random(f"vconf-demo-attendance:{meeting.uid}")
    ghost = rng.random() < GHOST_SHARE
    minutes = (meeting.end - meeting.start).total_seconds() / 60
    records: list[CheckIn] = []

    def add(room: Room, kind: str, at: datetime, **fields: object) -> None:
        records.append(
            CheckIn(
                meeting=meeting,
                endpoint=room.endpoint,
                kind=kind,
                at=at,
                client_id=uuid.uuid5(NAMESPACE, f"{meeting.uid}:{room.endpoint.pk}:{len(records)}"),
                recorded_by=operator if room.endpoint.pk in operator_rooms else None,
                **fields,
            )
        )

    for room in rooms:
        far = min(room.km / FAR_KM, 1.0)
        seats = room.endpoint.seats
        if room.is_host:
            # The hall connects early (now and then a few minutes after the start, the chair
            # running late) and usually closes the meeting a little before its scheduled end.
            opened = -rng.uniform(8, 20) if rng.random() < 0.85 else rng.uniform(1, 6)
            add(
                room,
                CheckInKind.IN,
                meeting.start + timedelta(minutes=opened),
                attendees=max(1, round(seats * rng.uniform(0.6, 0.9))),
            )
            if rng.random() < 0.85:
                add(room, CheckInKind.OUT, meeting.end - timedelta(minutes=rng.uniform(0, min(20, minutes / 4))))
            continue
        if ghost or rng.random() < 0.02 + 0.12 * far:
            if not ghost and rng.random() < 0.3:  # tried, could not connect, said so
                add(
                    room,
                    CheckInKind.ISSUE,
                    meeting.start + timedelta(minutes=rng.uniform(0, 10)),
                    issue_type=IssueType.CONNECTION,
                    note=rng.choice(NOTES[:2]),
                )
            continue
        late = rng.random() < 0.05 + 0.25 * far
        offset = rng.uniform(11, min(35, max(12, minutes / 2))) if late else -rng.uniform(2, 25)
        arrived = meeting.start + timedelta(minutes=offset)
        add(room, CheckInKind.IN, arrived, attendees=max(1, round(seats * rng.uniform(0.3, 0.9))))
        if rng.random() < 0.05 + 0.08 * far:
            kind = rng.choices(list(IssueType), weights=[50, 20, 25, 5])[0]
            when = max(arrived, meeting.start) + timedelta(minutes=rng.uniform(3, max(4, minutes * 0.6)))
            add(
                room,
                CheckInKind.ISSUE,
                when,
                issue_type=kind,
                note=rng.choice(NOTES) if kind in (IssueType.OTHER, IssueType.CONNECTION) else "",
            )
            if kind == IssueType.CONNECTION and rng.random() < 0.4:  # dropped out for good
                add(room, CheckInKind.OUT, when + timedelta(minutes=rng.uniform(1, 5)))
                continue
        if rng.random() < 0.75:
            add(room, CheckInKind.OUT, meeting.end + timedelta(minutes=rng.uniform(-8, 4)))
    return records


def load(*, stdout: OutputWrapper) -> None:
    now = clock.now()
    started = (
        Meeting.objects.filter(status=MeetingStatus.SCHEDULED, imported=False, start__lte=now)
        .filter(~Exists(CheckIn.objects.filter(meeting=OuterRef("pk"))))
        .order_by("start", "id")
    )
    operator = User.objects.filter(username="kythuat").first()
    operator_rooms = set(operator.operated_endpoints.values_list("pk", flat=True)) if operator else set()
    meetings = list(started)
    if not meetings:
        stdout.write("  attendance: nothing to add")
        return
    bookings: dict[int, list[Participation]] = {}
    participations = Participation.objects.filter(meeting__in=[m.pk for m in meetings], active=True)
    for p in participations.select_related("endpoint").order_by("meeting_id", "endpoint_id"):
        bookings.setdefault(p.meeting_id, []).append(p)
    km = distances(sorted({p.endpoint_id for ps in bookings.values() for p in ps}))
    pending: list[CheckIn] = []
    count = 0
    with transaction.atomic():
        for meeting in meetings:
            rooms = [
                Room(p.endpoint, p.is_host, km.get(p.endpoint_id, DEFAULT_KM)) for p in bookings.get(meeting.pk, [])
            ]
            # A meeting still running has only what happened so far.
            pending += [r for r in plan(meeting, rooms, operator_rooms, operator) if r.at <= now]
            if len(pending) >= BATCH:
                count += len(CheckIn.objects.bulk_create(pending, ignore_conflicts=True))
                pending = []
        count += len(CheckIn.objects.bulk_create(pending, ignore_conflicts=True))
    stdout.write(f"  attendance: {count} check-ins for {len(meetings)} meetings")
