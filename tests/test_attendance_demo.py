"""The attendance demo step: deterministic, idempotent, and shaped like real operators."""

import io
from datetime import timedelta

import pytest
from django.core.management.base import OutputWrapper

from rooms.demo import attendance as demo
from rooms.models import CheckIn, Endpoint, Meeting
from rooms.selectors.attendance import meeting_attendance
from tests.conftest import FIXED_NOW

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


def out() -> OutputWrapper:
    return OutputWrapper(io.StringIO())


@pytest.fixture
def past_meetings(clock, attendance_meeting):
    return [attendance_meeting(start=clock.now() - timedelta(days=d, hours=2), minutes=90) for d in range(1, 8)]


@pytest.mark.django_db
def test_every_started_meeting_gets_check_ins_and_a_second_run_adds_nothing(past_meetings, clock, attendance_meeting):
    future = attendance_meeting(start=clock.now() + timedelta(days=1))
    demo.load(stdout=out())
    first = set(CheckIn.objects.values_list("client_id", "meeting_id", "endpoint_id", "kind", "at"))
    assert {meeting_id for _, meeting_id, *_rest in first} == {m.pk for m in past_meetings}
    assert not CheckIn.objects.filter(meeting=future).exists()
    demo.load(stdout=out())
    assert set(CheckIn.objects.values_list("client_id", "meeting_id", "endpoint_id", "kind", "at")) == first


@pytest.mark.django_db
def test_the_demo_is_the_same_every_time(past_meetings):
    demo.load(stdout=out())
    first = sorted(CheckIn.objects.values_list("meeting_id", "endpoint_id", "kind", "attendees", "at"))
    CheckIn.objects.all().delete()
    demo.load(stdout=out())
    assert sorted(CheckIn.objects.values_list("meeting_id", "endpoint_id", "kind", "attendees", "at")) == first


@pytest.mark.django_db
def test_demo_records_respect_the_rules_of_real_ones(past_meetings, clock, province):
    demo.load(stdout=out())
    for meeting in past_meetings:
        board = meeting_attendance(meeting, now=clock.now())
        host = next(row for row in board.endpoints if row.is_host)
        assert host.derived.state in ("connected", "left") and not host.derived.late
    for record in CheckIn.objects.select_related("meeting", "endpoint"):
        assert record.meeting.start - timedelta(minutes=30) <= record.at <= record.meeting.end + timedelta(minutes=10)
        if record.kind == "in":
            assert 1 <= record.attendees <= record.endpoint.seats * 2


def test_far_communes_are_late_or_absent_more_often():
    def rate(km: float) -> float:
        misses = 0
        for n in range(400):
            meeting = Meeting(uid=f"m{n}@demo", start=FIXED_NOW, end=FIXED_NOW + timedelta(hours=2))
            rooms = [demo.Room(Endpoint(pk=1, seats=20), True, 0.0), demo.Room(Endpoint(pk=2, seats=20), False, km)]
            records = [r for r in demo.plan(meeting, rooms, set(), None) if r.endpoint.pk == 2 and r.kind == "in"]
            misses += not records or records[0].at > meeting.start + timedelta(minutes=10)
        return misses / 400

    assert rate(90) > rate(3) + 0.15
