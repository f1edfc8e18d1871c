"""Endpoints and bridges: the API, the rollout status history, distances to the host."""

import datetime as dt
import math
from decimal import Decimal

import pytest

from rooms.models import Bridge, Endpoint, EndpointStatus, ProvinceSettings, StatusChange, Structure, Unit
from rooms.selectors.endpoints import distances_for, status_as_of
from rooms.services.endpoints import change_endpoint_status, create_endpoint
from tests.helpers import snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

API_FIELDS = {
    "id",
    "name",
    "unit",
    "status",
    "status_since",
    "seats",
    "dial_address",
    "bridge",
    "road_km",
    "distance_km",
    "distance_estimated",
    "operators",
}


def flat_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """An independent check of the great-circle distance: the flat-earth approximation, good to
    a few metres over a province."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6371.0 * math.hypot(x, y)


# --- reading ---------------------------------------------------------------------------------------


def test_endpoints_are_listed_with_the_fields_of_the_contract(api, staff, province):
    page = api(staff).get("/api/endpoints/").json()
    assert page["count"] == 6
    first = page["results"][0]
    assert set(first) >= API_FIELDS
    tan_thanh = next(e for e in page["results"] if e["id"] == province.ep_c1.pk)
    assert tan_thanh["unit"] == "06280" and tan_thanh["status"] == "in_service"
    assert tan_thanh["status_since"] == "2015-01-01" and tan_thanh["bridge"] == province.bridge.pk


def test_a_distance_entered_by_a_person_wins_over_the_estimate(api, staff, province):
    Endpoint.objects.filter(pk=province.ep_c1.pk).update(road_km=Decimal("41.5"))
    found = api(staff).get(f"/api/endpoints/{province.ep_c1.pk}/").json()
    assert found["road_km"] == 41.5 and found["distance_km"] == 41.5 and found["distance_estimated"] is False


def test_without_a_road_distance_the_estimate_is_straight_line_times_circuity(api, staff, province):
    found = api(staff).get(f"/api/endpoints/{province.ep_c1.pk}/").json()
    expected = flat_km(21.85, 106.76, 22.07, 106.56) * 1.4
    assert found["road_km"] is None and found["distance_estimated"] is True
    assert found["distance_km"] == pytest.approx(expected, abs=0.2)
    ProvinceSettings.objects.filter(province_code="20").update(circuity_factor=Decimal("1.2"))
    assert distances_for([province.ep_c1.pk])[province.ep_c1.pk][0] == pytest.approx(expected / 1.4 * 1.2, abs=0.2)


def test_the_host_is_zero_km_and_unknowns_are_none(province):
    Endpoint.objects.filter(pk=province.host.pk).update(road_km=None)
    Unit.objects.filter(pk=province.c2.pk).update(lat=None, lon=None)
    found = distances_for([province.host.pk, province.ep_c2.pk, province.ep_c3.pk])
    assert found[province.host.pk] == (0.0, False)
    assert found[province.ep_c2.pk] == (None, False)
    assert found[province.ep_c3.pk][1] is True
    Unit.objects.filter(pk=province.unit.pk).update(lat=None, lon=None)
    ProvinceSettings.objects.all().delete()  # and no province location to fall back on
    assert distances_for([province.ep_c3.pk]) == {province.ep_c3.pk: (None, False)}


def test_a_carried_endpoint_without_coordinates_uses_its_legacy_commune(province):
    province_new = Unit.objects.create(structure=Structure.CURRENT, code="20", name="Tỉnh Lạng Sơn", level="province")
    commune = Unit.objects.create(
        structure=Structure.CURRENT, code="06280", name="Xã Tân Thanh", level="commune", parent=province_new
    )
    Endpoint.objects.filter(pk=province.ep_c1.pk).update(unit=commune, legacy_unit=province.c1)
    km, estimated = distances_for([province.ep_c1.pk])[province.ep_c1.pk]
    assert estimated and km == pytest.approx(flat_km(21.85, 106.76, 22.07, 106.56) * 1.4, abs=0.2)


def test_distances_for_many_endpoints_take_few_queries(province, django_assert_max_num_queries):
    ids = list(Endpoint.objects.values_list("pk", flat=True))
    with django_assert_max_num_queries(2):
        found = distances_for(ids)
    assert set(found) == set(ids)


def test_endpoints_are_filtered_by_status_unit_subtree_and_search(api, staff, province):
    client = api(staff)
    Endpoint.objects.filter(pk=province.ep_c3.pk).update(status=EndpointStatus.PILOT)
    assert [e["id"] for e in client.get("/api/endpoints/?status=pilot").json()["results"]] == [province.ep_c3.pk]
    van_lang = {e["id"] for e in client.get("/api/endpoints/?unit=178").json()["results"]}
    assert van_lang == {province.ep_d1.pk, province.ep_c1.pk, province.ep_c2.pk}
    assert client.get("/api/endpoints/", {"search": "Thụy Hùng"}).json()["count"] == 1
    assert client.get("/api/endpoints/?unit=00000").status_code == 400
    assert client.get("/api/endpoints/?status=broken").status_code == 400


def test_the_calendar_feed_url_is_shown_to_the_operators_of_the_endpoint_and_administrators(
    api, staff, operator, admin_user, province
):
    path = f"/api/endpoints/{province.ep_c1.pk}/"
    mine = api(operator).get(path).json()["calendar_url"]
    assert mine.endswith(f"/api/endpoints/{province.ep_c1.pk}/calendar.ics?token={province.ep_c1.feed_token}")
    assert api(admin_user).get(path).json()["calendar_url"] == mine
    assert api(staff).get(path).json()["calendar_url"] is None
    assert api(operator).get(f"/api/endpoints/{province.ep_c2.pk}/").json()["calendar_url"] is None


# --- writing ---------------------------------------------------------------------------------------


def test_an_administrator_adds_an_endpoint_and_its_first_status_enters_the_history(
    api, admin_user, operator, province, clock
):
    response = api(admin_user).post(
        "/api/endpoints/",
        {
            "name": "Phòng họp 2",
            "unit": "06280",
            "seats": 25,
            "road_km": 38,
            "status": "pilot",
            "status_since": "2018-05-02",
            "operators": [operator.username],
            "bridge": province.bridge.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["unit"] == "06280" and body["structure"] == "legacy"
    assert body["status"] == "pilot" and body["status_since"] == "2018-05-02"
    assert body["operators"] == [operator.username] and body["distance_km"] == 38.0
    endpoint = Endpoint.objects.get(pk=body["id"])
    assert list(endpoint.status_changes.values_list("status", "effective", "changed_by")) == [
        ("pilot", dt.date(2018, 5, 2), admin_user.pk)
    ]


def test_only_administrators_write_endpoints_and_bridges(api, staff, leader, operator, province):
    before = snapshot()
    for user in (staff, leader, operator):
        client = api(user)
        assert client.post("/api/endpoints/", {"name": "X", "unit": "06280"}, format="json").status_code == 403
        assert client.patch(f"/api/endpoints/{province.ep_c1.pk}/", {"seats": 5}, format="json").status_code == 403
        assert client.post("/api/bridges/", {"name": "MCU 2", "ports": 10}, format="json").status_code == 403
    assert snapshot() == before and Bridge.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"unit": "99999"}, "unit"),
        ({"unit": "06280", "seats": -3}, "seats"),
        ({"unit": "06280", "seats": 0}, "seats"),
        ({"unit": "06280", "road_km": -1}, "road_km"),
        ({"unit": "06280", "road_km": 5000}, "road_km"),
        ({"unit": "06280", "name": "UBND Xã Tân Thanh"}, "name"),  # the fixture's room has this name
        ({"unit": "06280", "name": "ubnd xã tân thanh"}, "name"),
        ({"unit": "06280", "legacy_unit": "99999"}, "legacy_unit"),
        ({"unit": "06280", "status": "broken"}, "status"),
        ({"unit": "06280", "status_since": "2099-01-01"}, "status_since"),
        ({"unit": "06280", "status_since": "1990-01-01"}, "status_since"),
        ({"unit": "06280", "operators": ["nobody"]}, "operators"),
        ({"unit": "06280", "bridge": 9999}, "bridge"),
        ({"unit": "06280", "connection": "carrier-pigeon"}, "connection"),
    ],
)
def test_bad_endpoints_are_refused_with_a_field_message_and_nothing_saved(
    api, admin_user, province, clock, payload, field
):
    before, history = snapshot(), StatusChange.objects.count()
    response = api(admin_user).post("/api/endpoints/", {"name": "Phòng mới", **payload}, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json() and response.json()[field][0]
    assert snapshot() == before and StatusChange.objects.count() == history


def test_patch_changes_details_and_refuses_a_duplicate_name(api, admin_user, province):
    client = api(admin_user)
    ok = client.patch(f"/api/endpoints/{province.ep_c2.pk}/", {"seats": 45, "road_km": 12.5}, format="json")
    assert ok.status_code == 200 and ok.json()["seats"] == 45 and ok.json()["distance_km"] == 12.5
    before = snapshot()
    clash = client.patch(
        f"/api/endpoints/{province.ep_c2.pk}/", {"unit": "06280", "name": province.ep_c1.name}, format="json"
    )
    assert clash.status_code == 400 and "name" in clash.json()
    assert snapshot() == before
    assert client.put(f"/api/endpoints/{province.ep_c2.pk}/", {}, format="json").status_code == 405


# --- the status history --------------------------------------------------------------------------------


def test_a_status_patch_is_recorded_with_who_and_when(api, admin_user, province, clock):
    response = api(admin_user).patch(
        f"/api/endpoints/{province.ep_c1.pk}/", {"status": "retired", "status_since": "2026-01-15"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "retired" and response.json()["status_since"] == "2026-01-15"
    history = response.json()["status_history"]
    assert [(h["status"], h["effective"]) for h in history] == [("in_service", "2015-01-01"), ("retired", "2026-01-15")]
    assert history[-1]["changed_by"] == admin_user.username
    endpoint = Endpoint.objects.get(pk=province.ep_c1.pk)
    assert status_as_of(endpoint, dt.date(2020, 6, 1)) == "in_service"
    assert status_as_of(endpoint, dt.date(2026, 2, 1)) == "retired"
    assert status_as_of(endpoint, dt.date(2014, 6, 1)) is None


def test_a_status_that_goes_back_needs_a_date(api, admin_user, province, clock):
    client = api(admin_user)
    path = f"/api/endpoints/{province.ep_c1.pk}/"
    before, history = snapshot(), StatusChange.objects.count()
    refused = client.patch(path, {"status": "pilot"}, format="json")
    assert refused.status_code == 400 and "status_since" in refused.json()
    assert snapshot() == before and StatusChange.objects.count() == history
    dated = client.patch(path, {"status": "pilot", "effective": "2026-02-01"}, format="json")
    assert dated.status_code == 200 and dated.json()["status"] == "pilot"


def test_a_status_in_the_future_is_refused(api, admin_user, province, clock):
    before = snapshot()
    response = api(admin_user).patch(
        f"/api/endpoints/{province.ep_c1.pk}/", {"status": "retired", "status_since": "2026-12-31"}, format="json"
    )
    assert response.status_code == 400 and "status_since" in response.json()
    assert snapshot() == before


def test_resending_the_same_status_records_nothing(api, admin_user, province, clock):
    client = api(admin_user)
    body = client.get(f"/api/endpoints/{province.ep_c1.pk}/").json()
    again = client.patch(
        f"/api/endpoints/{province.ep_c1.pk}/",
        {"status": body["status"], "status_since": body["status_since"], "seats": body["seats"]},
        format="json",
    )
    assert again.status_code == 200
    assert Endpoint.objects.get(pk=province.ep_c1.pk).status_changes.count() == 1


def test_a_change_recorded_in_the_past_keeps_the_latest_status_current(admin_user, province, clock):
    endpoint = create_endpoint(
        by=admin_user, name="Phòng 3", unit=province.c3, status=EndpointStatus.PILOT, status_since=dt.date(2018, 4, 1)
    )
    change_endpoint_status(
        endpoint=endpoint, status=EndpointStatus.IN_SERVICE, effective=dt.date(2019, 1, 1), by=admin_user
    )
    # Backfill: it was planned in 2017, and briefly retired in mid-2018 (repaired later).
    change_endpoint_status(
        endpoint=endpoint, status=EndpointStatus.PLANNED, effective=dt.date(2017, 9, 1), by=admin_user
    )
    change_endpoint_status(
        endpoint=endpoint, status=EndpointStatus.RETIRED, effective=dt.date(2018, 7, 1), by=admin_user
    )
    endpoint.refresh_from_db()
    assert (endpoint.status, endpoint.status_since) == (EndpointStatus.IN_SERVICE, dt.date(2019, 1, 1))
    assert [status_as_of(endpoint, dt.date(y, m, 1)) for y, m in [(2017, 10), (2018, 5), (2018, 8), (2019, 2)]] == [
        "planned",
        "pilot",
        "retired",
        "in_service",
    ]
    # Today's status again: nothing new is recorded.
    assert change_endpoint_status(endpoint=endpoint, status="in_service", effective=None, by=admin_user) is None


def test_status_since_is_when_the_current_status_began(admin_user, province, clock):
    endpoint = province.ep_c3  # in service since 2015 (stored without history)
    change_endpoint_status(endpoint=endpoint, status="in_service", effective=dt.date(2013, 3, 1), by=admin_user)
    endpoint.refresh_from_db()
    assert endpoint.status_since == dt.date(2013, 3, 1)
    assert list(endpoint.status_changes.values_list("effective", flat=True)) == [
        dt.date(2013, 3, 1),
        dt.date(2015, 1, 1),
    ]


# --- bridges ---------------------------------------------------------------------------------------


def test_bridges_are_listed_and_added_by_administrators(api, staff, admin_user, province):
    listed = api(staff).get("/api/bridges/").json()
    assert listed["results"] == [
        {
            "id": province.bridge.pk,
            "name": "MCU tỉnh",
            "ports": 40,
            "dial_address": "",
            "parent": None,
            "unit": None,
            "endpoints": 6,
        }
    ]
    created = api(admin_user).post("/api/bridges/", {"name": "MCU dự phòng", "ports": 120}, format="json")
    assert created.status_code == 201 and created.json()["ports"] == 120


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "MCU tỉnh", "ports": 10}, "name"),
        ({"name": "MCU 3", "ports": 0}, "ports"),
        ({"name": "MCU 3", "ports": -5}, "ports"),
        ({"name": "", "ports": 5}, "name"),
    ],
)
def test_bad_bridges_are_refused(api, admin_user, province, payload, field):
    response = api(admin_user).post("/api/bridges/", payload, format="json")
    assert response.status_code == 400 and field in response.json()
    assert Bridge.objects.count() == 1


def test_listing_endpoints_takes_the_same_few_queries_for_many_endpoints(
    api, staff, province, admin_user, django_assert_max_num_queries
):
    client = api(staff)
    client.get("/api/endpoints/")  # warm the user's roles
    with django_assert_max_num_queries(12) as small:
        client.get("/api/endpoints/")
    for n in range(30):
        create_endpoint(
            by=admin_user, name=f"Phòng {n}", unit=province.c1, status="pilot", status_since=dt.date(2020, 1, 1)
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get("/api/endpoints/").json()["count"] == 36


def test_a_legacy_province_merged_away_uses_the_settings_of_the_province_it_joined(admin_user, clock):
    bac_kan = Unit.objects.create(
        structure="legacy", code="06", name="Tỉnh Bắc Kạn", level="province", lat=22.15, lon=105.83
    )
    pac_nam = Unit.objects.create(
        structure="legacy", code="066", name="Huyện Pác Nặm", level="district", parent=bac_kan, lat=22.60, lon=105.67
    )
    thai_nguyen = Unit.objects.create(
        structure="current", code="19", name="Tỉnh Thái Nguyên", level="province", lat=21.59, lon=105.85
    )
    host = create_endpoint(by=admin_user, name="Hội trường UBND tỉnh", unit=thai_nguyen, road_km=Decimal(0))
    ProvinceSettings.objects.create(province_code="19", name="Thái Nguyên", host=host, circuity_factor=Decimal("1.5"))
    room = create_endpoint(by=admin_user, name="UBND huyện Pác Nặm", unit=pac_nam)
    km, estimated = distances_for([room.pk])[room.pk]
    assert estimated and km == pytest.approx(flat_km(22.60, 105.67, 21.59, 105.85) * 1.5, abs=0.3)
