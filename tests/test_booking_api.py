"""Booking through POST /api/meetings/: every rule refuses and leaves the database unchanged,
and a refusal lists every conflict."""

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from rooms.models import Bridge, Endpoint, EndpointStatus, Meeting, Participation
from tests.conftest import make_endpoint, make_user
from tests.helpers import HANOI, at, book, snapshot
from tests.helpers import meeting_body as body

pytestmark = pytest.mark.django_db


def test_staff_books_a_meeting_and_gets_the_contract_fields(api, staff, province, clock):
    response = api(staff).post(
        "/api/meetings/", body(province, at(3, 9), at(3, 10), [province.ep_c1, province.ep_c2]), format="json"
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert set(data) >= {
        "id",
        "uid",
        "title",
        "start",
        "end",
        "host",
        "endpoints",
        "bridge",
        "status",
        "sequence",
        "organizer",
        "series",
    }
    assert data["start"] == "2026-03-03T09:00:00+07:00"
    assert data["host"] == province.host.pk
    assert data["endpoints"] == sorted([province.ep_c1.pk, province.ep_c2.pk])
    assert data["bridge"] == province.bridge.pk  # the host's bridge by default
    assert (data["status"], data["sequence"], data["organizer"], data["series"]) == ("scheduled", 0, "vanphong", None)
    booked = Participation.objects.filter(meeting_id=data["id"])
    assert sorted(booked.values_list("endpoint_id", "is_host")) == sorted(
        [(province.host.pk, True), (province.ep_c1.pk, False), (province.ep_c2.pk, False)]
    )
    assert all(p.start == at(3, 9) and p.end == at(3, 10) and p.active for p in booked)


def test_a_time_without_offset_is_read_as_hanoi_time(api, staff, province, clock):
    data = body(province, at(3, 9), at(3, 10))
    data["start"], data["end"] = "2026-03-03T09:00:00", "2026-03-03T10:00"
    response = api(staff).post("/api/meetings/", data, format="json")
    assert response.status_code == 201
    assert Meeting.objects.get().start == at(3, 9)


def test_units_select_every_bookable_endpoint_below_them(api, staff, province, clock):
    province.ep_c2.status = EndpointStatus.PLANNED
    province.ep_c2.save()
    response = api(staff).post(
        "/api/meetings/", body(province, at(3, 9), at(3, 10), endpoints=[], units=["178"]), format="json"
    )
    assert response.status_code == 201, response.content
    # District Văn Lãng: its own room and Tân Thanh; Hoàng Việt is only planned.
    assert response.json()["endpoints"] == sorted([province.ep_d1.pk, province.ep_c1.pk])


def test_back_to_back_meetings_are_allowed(api, staff, province, clock):
    client = api(staff)
    assert client.post("/api/meetings/", body(province, at(3, 9), at(3, 10)), format="json").status_code == 201
    assert client.post("/api/meetings/", body(province, at(3, 10), at(3, 11)), format="json").status_code == 201


def test_an_overlap_is_refused_with_every_conflict_and_nothing_changes(api, staff, province, clock):
    client = api(staff)
    first = client.post(
        "/api/meetings/", body(province, at(3, 9), at(3, 10), [province.ep_c1, province.ep_c2]), format="json"
    ).json()
    before = snapshot()
    response = client.post(
        "/api/meetings/",
        body(province, at(3, 9, 30), at(3, 11), [province.ep_c1, province.ep_c2, province.ep_c3]),
        format="json",
    )
    assert response.status_code == 409
    conflicts = response.json()["conflicts"]
    assert response.json()["detail"]
    # The host, Tân Thanh and Hoàng Việt are all busy in the first meeting: three conflicts.
    assert sorted(c["endpoint"] for c in conflicts) == sorted([province.host.pk, province.ep_c1.pk, province.ep_c2.pk])
    assert all(c["meeting"] == first["id"] for c in conflicts)
    assert conflicts[0]["start"] == "2026-03-03T09:00:00+07:00" and conflicts[0]["end"] == "2026-03-03T10:00:00+07:00"
    assert snapshot() == before


def test_bridge_ports_are_not_over_committed(api, staff, province, clock):
    small = Bridge.objects.create(name="MCU nhỏ", ports=4)
    # Endpoints use their own bridge; these have none, so they take the meeting's.
    Endpoint.objects.update(bridge=None)
    client = api(staff)
    ok = client.post(
        "/api/meetings/",
        body(province, at(3, 9), at(3, 11), [province.ep_c1, province.ep_c2], bridge=small.pk),
        format="json",
    )
    assert ok.status_code == 201  # 3 ports of 4
    other_host = province.ep_d2
    before = snapshot()
    refused = client.post(
        "/api/meetings/",
        {**body(province, at(3, 10), at(3, 12), [province.ep_c3], bridge=small.pk), "host": other_host.pk},
        format="json",
    )
    assert refused.status_code == 409
    (conflict,) = refused.json()["conflicts"]
    assert conflict == {
        "bridge": small.pk,
        "bridge_name": "MCU nhỏ",
        "start": "2026-03-03T10:00:00+07:00",
        "end": "2026-03-03T11:00:00+07:00",
        "ports_needed": 2,
        "ports_free": 1,
    }
    assert snapshot() == before
    # Once the first meeting ends its ports are free again.
    later = {**body(province, at(3, 11), at(3, 12), [province.ep_c3], bridge=small.pk), "host": other_host.pk}
    assert client.post("/api/meetings/", later, format="json").status_code == 201


def test_a_meeting_larger_than_the_bridge_is_refused(api, staff, province, clock):
    tiny = Bridge.objects.create(name="MCU 2 cổng", ports=2)
    Endpoint.objects.update(bridge=None)  # they take the meeting's bridge
    response = api(staff).post(
        "/api/meetings/",
        body(province, at(3, 9), at(3, 10), [province.ep_c1, province.ep_c2], bridge=tiny.pk),
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["conflicts"][0]["ports_free"] == 2
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("status", [EndpointStatus.PLANNED, EndpointStatus.RETIRED])
def test_only_pilot_and_in_service_endpoints_can_be_booked(api, staff, province, clock, status):
    province.ep_c3.status = status
    province.ep_c3.save()
    response = api(staff).post("/api/meetings/", body(province, at(3, 9), at(3, 10), [province.ep_c3]), format="json")
    assert response.status_code == 400
    assert province.ep_c3.name in response.json()["endpoints"][0]
    assert not Meeting.objects.exists() and not Participation.objects.exists()


def test_a_pilot_endpoint_can_be_booked(api, staff, province, clock):
    province.ep_c3.status = EndpointStatus.PILOT
    province.ep_c3.save()
    response = api(staff).post("/api/meetings/", body(province, at(3, 9), at(3, 10), [province.ep_c3]), format="json")
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (at(2, 7), at(2, 9), "start"),  # started an hour ago
        (at(3, 10), at(3, 9), "end"),  # backwards
        (at(3, 10), at(3, 10), "end"),  # empty
        (at(3, 8), at(5, 8), "end"),  # two days long
        (datetime(2027, 4, 1, 9, tzinfo=HANOI), datetime(2027, 4, 1, 10, tzinfo=HANOI), "end"),  # beyond the horizon
    ],
)
def test_times_that_cannot_be_booked_are_400_naming_the_field(api, staff, province, clock, start, end, field):
    response = api(staff).post("/api/meetings/", body(province, start, end), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"host": 999999}, "host"),
        ({"endpoints": [999999]}, "endpoints"),
        ({"units": ["nope"]}, "units"),
        ({"bridge": 999999}, "bridge"),
        ({"endpoints": [], "units": []}, "endpoints"),
        ({"title": ""}, "title"),
        ({"start": "yesterday"}, "start"),
        ({"start": "1900-01-01T08:00"}, "start"),
        ({"endpoints": "abc"}, "endpoints"),
    ],
)
def test_bad_input_is_400_with_field_messages(api, staff, province, clock, change, field):
    response = api(staff).post("/api/meetings/", {**body(province, at(3, 9), at(3, 10)), **change}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Meeting.objects.exists()


def test_only_office_staff_and_administrators_book(api, operator, leader, admin_user, province, clock):
    for user in (operator, leader):
        response = api(user).post("/api/meetings/", body(province, at(3, 9), at(3, 10)), format="json")
        assert response.status_code == 403
    assert not Meeting.objects.exists()
    assert api(admin_user).post("/api/meetings/", body(province, at(3, 9), at(3, 10)), format="json").status_code == 201


def test_staff_book_only_inside_their_home_unit(api, district_staff, province, clock):
    data = {**body(province, at(3, 9), at(3, 10), [province.ep_c1, province.ep_c3]), "host": province.ep_d1.pk}
    response = api(district_staff).post("/api/meetings/", data, format="json")
    assert response.status_code == 403
    assert province.ep_c3.name in response.json()["detail"]
    assert not Meeting.objects.exists()
    inside = {**body(province, at(3, 9), at(3, 10), [province.ep_c1, province.ep_c2]), "host": province.ep_d1.pk}
    assert api(district_staff).post("/api/meetings/", inside, format="json").status_code == 201


def test_the_setup_buffer_counts_as_busy_before_each_booking(api, staff, province, clock, settings):
    client = api(staff)
    settings.VCONF = {**settings.VCONF, "SETUP_BUFFER_MINUTES": 15}
    assert client.post("/api/meetings/", body(province, at(3, 9), at(3, 10)), format="json").status_code == 201
    refused = client.post("/api/meetings/", body(province, at(3, 10), at(3, 11)), format="json")
    assert refused.status_code == 409  # its test call at 09:45 falls in the first meeting
    earlier = client.post("/api/meetings/", body(province, at(3, 8, 30), at(3, 8, 50)), format="json")
    assert earlier.status_code == 409  # the first meeting's test call starts at 08:45
    assert client.post("/api/meetings/", body(province, at(3, 10, 15), at(3, 11)), format="json").status_code == 201
    assert client.post("/api/meetings/", body(province, at(3, 8, 15), at(3, 8, 30)), format="json").status_code == 201


def test_invitations_are_mailed_after_commit_with_the_ics(
    api, staff, operator, province, clock, django_capture_on_commit_callbacks
):
    operator.email = "kythuat@example.vn"
    operator.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = api(staff).post("/api/meetings/", body(province, at(3, 9), at(3, 10)), format="json")
    assert response.status_code == 201
    (message,) = mail.outbox
    assert message.to == ["kythuat@example.vn"]
    assert "Họp giao ban" in message.subject
    (part,) = message.attachments
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "REQUEST"
    assert "METHOD:REQUEST" in part.get_payload(decode=True).decode()


def test_a_refused_booking_mails_nobody(api, staff, operator, province, clock, django_capture_on_commit_callbacks):
    operator.email = "kythuat@example.vn"
    operator.save()
    client = api(staff)
    book(province, staff, at(3, 9), at(3, 10), [province.ep_c2], title="A")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/api/meetings/", body(province, at(3, 9), at(3, 10)), format="json").status_code == 409
    assert mail.outbox == []


def test_the_database_refuses_overlapping_participations_by_itself(staff, province, clock):
    meeting = book(province, staff, at(3, 9), at(3, 10), title="A")
    other = Meeting.objects.create(title="B", host=province.ep_d1, start=at(3, 9, 30), end=at(3, 11), organizer=staff)
    with pytest.raises(IntegrityError), transaction.atomic():
        Participation.objects.create(meeting=other, endpoint=province.ep_c1, start=other.start, end=other.end)
    assert Participation.objects.filter(endpoint=province.ep_c1).count() == 1
    assert meeting.participations.count() == 2


def test_what_slips_past_the_service_is_a_409_not_a_500(api, staff, province, clock, monkeypatch):
    client = api(staff)
    assert client.post("/api/meetings/", body(province, at(3, 9), at(3, 10)), format="json").status_code == 201
    # Pretend the service's check saw nothing (a race it lost): the database guard answers.
    monkeypatch.setattr("rooms.selectors.meetings.busy_participations", lambda **kwargs: [])
    before = snapshot()
    response = client.post("/api/meetings/", body(province, at(3, 9, 30), at(3, 10, 30)), format="json")
    assert response.status_code == 409
    assert snapshot() == before


def test_an_endpoint_that_is_not_bookable_as_host_names_the_host(api, staff, province, clock):
    retired = make_endpoint(province.d2, "Phòng họp cũ", status=EndpointStatus.RETIRED)
    response = api(staff).post(
        "/api/meetings/", {**body(province, at(3, 9), at(3, 10)), "host": retired.pk}, format="json"
    )
    assert response.status_code == 400
    assert "host" in response.json()


def test_a_superuser_without_profile_books_anywhere(api, province, clock):
    root = make_user("root", None, is_superuser=True)
    response = api(root).post("/api/meetings/", body(province, at(3, 9), at(3, 10)), format="json")
    assert response.status_code == 201
    assert timedelta(hours=1) == Meeting.objects.get().end - Meeting.objects.get().start
