"""Nobody out of scope: office staff book only inside their home unit's subtree, operators act only
on their endpoints, leaders only read. Every test tries an escape through the public API (API.md)
and checks both the answer and that the database did not change.

The province fixture: Văn Lãng district (d1) holds Tân Thanh (c1) and Hoàng Việt (c2); Cao Lộc (d2)
holds Thụy Hùng (c3); the province hall is the host. `district_staff` lives in Văn Lãng, `staff` in
the province, `operator` runs the Tân Thanh room only, `leader` reads.
"""

import datetime as dt
import uuid

import pytest
from django.test import Client

from rooms.models import Endpoint, Participation, Unit
from tests.helpers import HANOI, snapshot

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=HANOI)  # an hour after the fixed clock
END = START + dt.timedelta(hours=1)


def refused(response, status: int = 403) -> None:
    assert response.status_code == status, (response.status_code, response.content[:300])


def booking(province, *, host=None, endpoints=(), start=START, **extra) -> dict:
    body = {
        "title": "Họp thử phạm vi",
        "start": start.isoformat(),
        "end": (start + dt.timedelta(hours=1)).isoformat(),
        "host": (host or province.ep_d1).pk,
        **extra,
    }
    if endpoints:
        body["endpoints"] = [e.pk for e in endpoints]
    return body


@pytest.fixture
def meeting(province, staff, api, clock) -> dict:
    """A meeting the province office booked: the host, Tân Thanh (c1) and Thụy Hùng (c3)."""
    response = api(staff).post(
        "/api/meetings/",
        booking(province, host=province.host, endpoints=[province.ep_c1, province.ep_c3]),
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


# Office staff book only inside their home unit's subtree ---------------------------------------


def test_district_staff_books_inside_their_district(province, district_staff, api, clock):
    response = api(district_staff).post(
        "/api/meetings/", booking(province, endpoints=[province.ep_c1, province.ep_c2]), format="json"
    )
    assert response.status_code == 201, response.content
    booked = set(Participation.objects.filter(meeting_id=response.json()["id"]).values_list("endpoint_id", flat=True))
    assert booked == {province.ep_d1.pk, province.ep_c1.pk, province.ep_c2.pk}


@pytest.mark.parametrize(
    "escape",
    ["endpoint in another district", "host outside the district", "host and endpoints outside"],
)
def test_district_staff_cannot_book_endpoints_outside_their_district(province, district_staff, api, clock, escape):
    body = {
        "endpoint in another district": booking(province, endpoints=[province.ep_c1, province.ep_c3]),
        "host outside the district": booking(province, host=province.host, endpoints=[province.ep_c1]),
        "host and endpoints outside": booking(province, host=province.ep_d2, endpoints=[province.ep_c3]),
    }[escape]
    before = snapshot()
    refused(api(district_staff).post("/api/meetings/", body, format="json"))
    assert snapshot() == before


@pytest.mark.parametrize("codes", [["180"], ["20"], ["06310"], ["178", "180"]])
def test_district_staff_cannot_reach_outside_through_units(province, district_staff, api, clock, codes):
    outside = {province.host.pk, province.ep_d2.pk, province.ep_c3.pk}
    response = api(district_staff).post("/api/meetings/", booking(province, units=codes), format="json")
    # A unit reaching outside the home subtree is refused whole, naming what is out of scope.
    assert response.status_code == 403, response.content
    assert not Participation.objects.filter(endpoint_id__in=outside).exists()


def test_district_staff_cannot_book_a_series_reaching_outside(province, district_staff, api, clock):
    body = booking(province, endpoints=[province.ep_c3], recurrence="FREQ=WEEKLY;BYDAY=MO;COUNT=3")
    before = snapshot()
    refused(api(district_staff).post("/api/meetings/", body, format="json"))
    body["skip_conflicts"] = True  # skipping conflicts must not turn a scope refusal into a skip
    refused(api(district_staff).post("/api/meetings/", body, format="json"))
    assert snapshot() == before


def test_district_staff_cannot_widen_their_own_meeting_outside(province, district_staff, api, clock):
    client = api(district_staff)
    created = client.post("/api/meetings/", booking(province, endpoints=[province.ep_c1]), format="json")
    assert created.status_code == 201, created.content
    url = f"/api/meetings/{created.json()['id']}/"
    before = snapshot()
    refused(client.patch(url, {"endpoints": [province.ep_c1.pk, province.ep_c3.pk]}, format="json"))
    # The host cannot be changed by PATCH at all: the field is ignored.
    assert client.patch(url, {"host": province.host.pk}, format="json").status_code == 200
    assert snapshot() == before


def test_district_staff_cannot_change_or_cancel_a_meeting_reaching_outside(province, district_staff, meeting, api):
    client = api(district_staff)
    before = snapshot()
    refused(client.patch(f"/api/meetings/{meeting['id']}/", {"title": "Đổi tên"}, format="json"))
    refused(client.post(f"/api/meetings/{meeting['id']}/cancel/", format="json"))
    assert snapshot() == before


def test_district_staff_cannot_reschedule_someone_elses_meeting_onto_their_rooms(
    province, district_staff, meeting, api
):
    client = api(district_staff)
    before = snapshot()
    later = (START + dt.timedelta(hours=3)).isoformat()
    refused(client.patch(f"/api/meetings/{meeting['id']}/", {"start": later}, format="json"))
    assert snapshot() == before


# Operators act only on their endpoints -----------------------------------------------------------


def checkin(endpoint: Endpoint, kind: str = "in") -> dict:
    return {"endpoint": endpoint.pk, "kind": kind, "attendees": 9, "client_id": str(uuid.uuid4())}


def test_an_operator_checks_in_their_own_room(province, operator, meeting, api, clock):
    clock.set(START.astimezone(dt.UTC) + dt.timedelta(minutes=2))
    response = api(operator).post(f"/api/meetings/{meeting['id']}/checkins/", checkin(province.ep_c1), format="json")
    assert response.status_code == 201, response.content


def test_an_operator_cannot_check_in_someone_elses_room(province, operator, meeting, api, clock):
    clock.set(START.astimezone(dt.UTC) + dt.timedelta(minutes=2))
    url = f"/api/meetings/{meeting['id']}/checkins/"
    before = snapshot()
    for endpoint in (province.ep_c3, province.host):  # both booked into the meeting, neither theirs
        for kind in ("in", "out", "issue"):
            refused(api(operator).post(url, checkin(endpoint, kind), format="json"))
    refused(api(operator).post(url, checkin(province.ep_c2), format="json"))  # not even booked
    assert snapshot() == before


def test_an_operator_cannot_change_an_endpoint_that_is_not_theirs(province, operator, api):
    before = snapshot()
    client = api(operator)
    url = f"/api/endpoints/{province.ep_c2.pk}/"
    refused(client.patch(url, {"seats": 99}, format="json"))
    refused(client.patch(url, {"operators": [operator.username]}, format="json"))
    refused(client.patch(url, {"status": "retired"}, format="json"))
    assert snapshot() == before


def test_an_operator_cannot_hand_their_room_to_someone_else(province, operator, district_staff, api):
    before = snapshot()
    body = {"operators": [operator.username, district_staff.username]}
    response = api(operator).patch(f"/api/endpoints/{province.ep_c1.pk}/", body, format="json")
    refused(response)
    assert snapshot() == before


def test_operators_cannot_book(province, operator, api, clock):
    before = snapshot()
    refused(api(operator).post("/api/meetings/", booking(province, host=province.ep_c1), format="json"))
    assert snapshot() == before


def test_the_feed_url_is_shown_only_to_the_rooms_operators_and_administrators(
    province, operator, leader, district_staff, admin_user, api
):
    own = api(operator).get(f"/api/endpoints/{province.ep_c1.pk}/").json()
    assert province.ep_c1.feed_token in own.get("calendar_url", "")
    assert province.ep_c1.feed_token in api(admin_user).get(f"/api/endpoints/{province.ep_c1.pk}/").json().get(
        "calendar_url", ""
    )
    for user, endpoint in ((operator, province.ep_c2), (leader, province.ep_c1), (district_staff, province.ep_c1)):
        response = api(user).get(f"/api/endpoints/{endpoint.pk}/")
        assert response.status_code == 200
        assert endpoint.feed_token not in response.content.decode(), (user.username, endpoint.name)
    listing = api(leader).get("/api/endpoints/").content.decode()
    assert all(e.feed_token not in listing for e in Endpoint.objects.all())


# Leaders only read --------------------------------------------------------------------------------


READS = [
    "/api/units/?structure=legacy",
    "/api/endpoints/",
    "/api/bridges/",
    "/api/meetings/",
    "/api/reports/savings/?start=2026-01-01&end=2026-03-01",
    "/api/reports/coverage/?province=20&structure=legacy&as_of=2026-03-01",
    "/api/reports/usage/?start=2026-01-01&end=2026-03-01",
]


@pytest.mark.parametrize("path", READS)
def test_leaders_read(province, leader, api, path):
    assert api(leader).get(path).status_code == 200


def test_leaders_cannot_write_anything(province, leader, meeting, api, clock):
    client = api(leader)
    mid = meeting["id"]
    before = snapshot()
    refused(client.post("/api/meetings/", booking(province, endpoints=[province.ep_c1]), format="json"))
    refused(client.patch(f"/api/meetings/{mid}/", {"title": "Lãnh đạo sửa"}, format="json"))
    refused(client.post(f"/api/meetings/{mid}/cancel/", format="json"))
    clock.set(START.astimezone(dt.UTC) + dt.timedelta(minutes=2))
    refused(client.post(f"/api/meetings/{mid}/checkins/", checkin(province.ep_c1), format="json"))
    refused(client.post("/api/endpoints/", {"name": "Điểm mới", "unit": "06280"}, format="json"))
    refused(client.patch(f"/api/endpoints/{province.ep_c1.pk}/", {"seats": 5}, format="json"))
    refused(client.post("/api/bridges/", {"name": "MCU 2", "ports": 10}, format="json"))
    csv = "name,unit\nĐiểm mới,06280\n".encode()
    refused(client.post("/api/endpoints/import/", {"file": ("e.csv", csv)}, format="multipart"))
    assert snapshot() == before


def test_only_administrators_manage_endpoints_and_bridges(province, staff, district_staff, operator, admin_user, api):
    before = snapshot()
    for user in (staff, district_staff, operator):
        client = api(user)
        refused(client.post("/api/endpoints/", {"name": "Điểm mới", "unit": "06280", "seats": 10}, format="json"))
        refused(client.post("/api/bridges/", {"name": "MCU phụ", "ports": 8}, format="json"))
    assert snapshot() == before
    created = api(admin_user).post("/api/bridges/", {"name": "MCU phụ", "ports": 8}, format="json")
    assert created.status_code == 201, created.content


def test_units_are_read_only_for_everyone_through_the_api(province, admin_user, staff, api):
    count = Unit.objects.count()
    for user in (admin_user, staff):
        refused(api(user).post("/api/units/", {"code": "999", "name": "X", "level": "commune"}, format="json"), 405)
        refused(api(user).delete("/api/units/20/?structure=legacy"), 405)
    assert Unit.objects.count() == count


# Anonymous callers and the admin site ----------------------------------------------------------


WRITES = [
    ("post", "/api/meetings/"),
    ("post", "/api/meetings/1/cancel/"),
    ("post", "/api/meetings/1/checkins/"),
    ("patch", "/api/meetings/1/"),
    ("post", "/api/endpoints/"),
    ("patch", "/api/endpoints/1/"),
    ("post", "/api/endpoints/import/"),
    ("post", "/api/bridges/"),
    ("post", "/api/meetings/import/"),
]


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_anonymous_callers_cannot_write(province, api, method, path):
    before = snapshot()
    response = getattr(api(), method)(path, {}, format="json")
    assert response.status_code == 401, response.content
    assert snapshot() == before


def test_the_admin_site_is_closed_to_non_staff_roles(province, staff, operator, leader):
    for user in (staff, operator, leader):
        client = Client()
        client.force_login(user)
        response = client.get("/admin/rooms/unit/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
