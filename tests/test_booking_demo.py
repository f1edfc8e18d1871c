"""The demo meetings step: a realistic year on today's tree, deterministic and idempotent."""

import io
import itertools
from datetime import date

import pytest
from django.core.management.base import OutputWrapper
from django.db.models import Count
from django.utils import timezone

from rooms.demo import meetings as demo
from rooms.models import (
    Bridge,
    EndpointStatus,
    Level,
    Meeting,
    MeetingStatus,
    Participation,
    ProvinceSettings,
    Role,
    Series,
    StatusChange,
    Structure,
    Unit,
)
from tests.conftest import make_endpoint, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def current_tree(db):
    """Today's Lạng Sơn in miniature: the province hall and six communes, one not yet equipped."""
    province = Unit.objects.create(structure=Structure.CURRENT, code="20", name="Tỉnh Lạng Sơn", level=Level.PROVINCE)
    bridge = Bridge.objects.create(name="MCU tỉnh", ports=120)
    host = make_endpoint(province, "Hội trường UBND tỉnh", bridge=bridge, status_since=date(2010, 3, 1))
    StatusChange.objects.create(endpoint=host, status=EndpointStatus.IN_SERVICE, effective=date(2010, 3, 1))
    rooms = []
    for i in range(6):
        commune = Unit.objects.create(
            structure=Structure.CURRENT, code=f"0{6100 + i}", name=f"Xã Số {i}", level=Level.COMMUNE, parent=province
        )
        room = make_endpoint(commune, bridge=bridge)
        # The last commune's room only enters service in 2026-02: earlier meetings leave it out.
        effective = date(2026, 2, 2) if i == 5 else date(2019, 1, 1)
        StatusChange.objects.create(endpoint=room, status=EndpointStatus.IN_SERVICE, effective=effective)
        rooms.append(room)
    ProvinceSettings.objects.create(province_code="20", name="Lạng Sơn", host=host)
    organizer = make_user("vanphong", Role.STAFF, province)
    return host, rooms, organizer


def run() -> str:
    out = io.StringIO()
    demo.load(stdout=OutputWrapper(out))
    return out.getvalue()


def test_a_year_of_meetings_with_briefings_conferences_cancellations_and_moves(current_tree, clock):
    host, _rooms, _organizer = current_tree
    run()
    meetings = Meeting.objects.all()
    now = clock.now()
    assert meetings.filter(start__lt=now).count() > 100
    assert meetings.filter(start__gt=now).count() > 10  # about two months ahead, booked by the services
    first, last = meetings.order_by("start").first().start, meetings.order_by("start").last().start
    assert (now - first).days >= 360 and 50 <= (last - now).days <= 61
    briefings = Series.objects.get(uid="demo-giao-ban@vconf").meetings.all()
    assert 55 <= briefings.count() <= 62
    assert {(timezone.localtime(m.start).weekday(), timezone.localtime(m.start).hour) for m in briefings} == {(0, 8)}
    assert Series.objects.get(uid="demo-hoi-nghi-thang@vconf").meetings.count() >= 13
    assert meetings.filter(status=MeetingStatus.CANCELLED).exists()
    assert meetings.filter(sequence__gt=0, status=MeetingStatus.SCHEDULED).exists()
    # Every meeting is hosted by the province hall, with the host booked as host.
    assert set(meetings.values_list("host_id", flat=True)) == {host.pk}
    assert Participation.objects.filter(is_host=True).count() == meetings.count()


def test_the_invariants_of_the_booking_service_hold(current_tree, clock):
    _host, rooms, _organizer = current_tree
    run()
    for meeting in Meeting.objects.prefetch_related("participations"):
        parts = list(meeting.participations.all())
        assert all(p.start == meeting.start and p.end == meeting.end for p in parts)
        assert all(p.active == (meeting.status == MeetingStatus.SCHEDULED) for p in parts)
        assert (meeting.cancelled_at is None) == (meeting.status == MeetingStatus.SCHEDULED)
    # The room that entered service in February 2026 is in no meeting before then.
    late = rooms[5]
    assert not Participation.objects.filter(endpoint=late, start__date__lt=date(2026, 2, 2)).exists()
    assert Participation.objects.filter(endpoint=late).exists()
    # No endpoint is in two live meetings at once.
    live = sorted(Participation.objects.filter(active=True).values_list("endpoint_id", "start", "end"))
    for (e1, _s1, end1), (e2, s2, _end2) in itertools.pairwise(live):
        assert e1 != e2 or end1 <= s2


def test_a_second_run_adds_nothing_and_the_same_data_comes_out(current_tree, clock):
    run()
    snapshot = list(Meeting.objects.order_by("uid").values_list("uid", "title", "start", "end", "status", "sequence"))
    counts = list(Meeting.objects.annotate(n=Count("participations")).order_by("uid").values_list("uid", "n"))
    output = run()
    assert "0 added" in output
    assert list(Meeting.objects.order_by("uid").values_list("uid", "title", "start", "end", "status", "sequence")) == (
        snapshot
    )
    assert list(Meeting.objects.annotate(n=Count("participations")).order_by("uid").values_list("uid", "n")) == counts


def test_without_a_province_host_it_adds_nothing(db, clock):
    assert "nothing to add" in run()
    assert not Meeting.objects.exists()
